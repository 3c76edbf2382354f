//! Usernames: free text in any script, never a file name, and compared the
//! way people read them.
//!
//! Two names are one account when they are equal after Unicode's
//! compatibility caseless matching (NFKC and case folding, definition D145 of
//! the Unicode standard): "Alice", "alice" and a full-width "ａｌｉｃｅ" are one
//! name. The spelling chosen at sign-up is the one shown.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use super::AccountError;
use protocol::MAX_USERNAME_CHARS;

/// Checks a username as typed at sign-up or sign-in.
pub fn validate_username(u: &str) -> Result<(), AccountError> {
    if u.is_empty() {
        return Err(AccountError::Invalid("username is empty"));
    }
    if u.chars().count() > MAX_USERNAME_CHARS {
        return Err(AccountError::Invalid(
            "username is longer than 64 characters",
        ));
    }
    if u.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "username contains control characters",
        ));
    }
    if u.trim() != u {
        return Err(AccountError::Invalid(
            "username starts or ends with white space",
        ));
    }
    if username_key(u).is_empty() {
        return Err(AccountError::Invalid("username has no visible characters"));
    }
    Ok(())
}

/// What two usernames must share to be one account:
/// NFKC(fold(NFKD(fold(NFD(name))))), D145's compatibility caseless form,
/// composed again so the key stays short.
pub fn username_key(u: &str) -> String {
    u.chars()
        .nfd()
        .default_case_fold()
        .nfkd()
        .default_case_fold()
        .nfkc()
        // Default-ignorable format characters (zero-width joiners, the BOM,
        // soft hyphens) would make an invisible second "alice".
        .filter(|c| !is_default_ignorable(*c))
        .collect()
}

/// The format characters that render as nothing (Unicode's
/// Default_Ignorable_Code_Point, the ranges a name could carry).
fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_that_look_like_paths_are_just_names() {
        for ok in ["../x", "a/b", "%2e%2e", "名前", "ünïcödé user", "."] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " lead",
            "trail ",
            "nul\0",
            "tab\t",
            &"x".repeat(65),
            "\u{200B}",
        ] {
            assert!(validate_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_that_read_alike_share_a_key() {
        let alice = username_key("alice");
        for same in [
            "Alice",
            "ALICE",
            "ａｌｉｃｅ", // full-width
            "ＡＬＩＣＥ",
            "al\u{200B}ice", // a zero-width space inside
            "al\u{00AD}ice", // a soft hyphen
        ] {
            assert_eq!(username_key(same), alice, "{same:?}");
        }
        // Composed and decomposed accents, and the German sharp s.
        assert_eq!(username_key("José"), username_key("JOSE\u{0301}"));
        assert_eq!(username_key("Straße"), username_key("STRASSE"));
        // The ligature "ﬁ" is "fi"; Greek final sigma folds to sigma.
        assert_eq!(username_key("ﬁne"), username_key("FINE"));
        assert_eq!(username_key("ΟΔΟΣ"), username_key("οδος"));
        // Different names stay different.
        assert_ne!(username_key("alice"), username_key("alíce"));
        assert_ne!(username_key("bob"), username_key("b o b"));
    }
}
