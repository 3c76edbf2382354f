//! The keys the app computes with (ids, line positions, lineages) as another
//! replica may send them. Each is bounded and of a known alphabet, and both
//! sides of the wire check them before anything is merged: a position feeds
//! the fractional-index code, a lineage is compared and extended, and ids
//! name rows everywhere, so a crafted one must not get that far.

use super::order::is_valid_key;

pub use notetext::MAX_ID_BYTES;

/// Longest line position or lineage. Positions and lineages made here grow a
/// character about every 90 lines typed one after another at one place
/// (`typing_line_after_line_keeps_positions_and_lineages_short`), so this is
/// over a million lines away; a key from elsewhere beyond it is refused.
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// What a text column that the app computes with holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A row's id, or the id of the note it belongs to.
    Id,
    /// `lines.pos`: a fractional-index key.
    Position,
    /// `lines.lineage`: a line's identity and its order among lines at one position.
    Lineage,
    /// `devices.site_id`: a site id as 32 lowercase hex digits.
    Site,
}

impl KeyKind {
    /// The kind of key `column` of replicated `table` holds, if it holds one.
    pub fn of(table: &str, column: &str) -> Option<Self> {
        match (table, column) {
            (_, "id" | "note_id") => Some(Self::Id),
            ("lines", "pos") => Some(Self::Position),
            ("lines", "lineage") => Some(Self::Lineage),
            ("devices", "site_id") => Some(Self::Site),
            _ => None,
        }
    }

    /// Whether `key` is one of this kind; what it should be if not.
    pub fn check(self, key: &str) -> Result<(), &'static str> {
        let fits = match self {
            Self::Id => notetext::is_valid_id(key),
            Self::Position => key.len() <= MAX_KEY_BYTES && is_valid_key(key),
            Self::Lineage => {
                (1..=MAX_KEY_BYTES).contains(&key.len())
                    && key.bytes().all(|b| (b'!'..=b'~').contains(&b))
            }
            Self::Site => {
                key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            }
        };
        if fits {
            return Ok(());
        }
        Err(match self {
            Self::Id => "is not an id: 1 to 512 of A-Z a-z 0-9 - _ : . /",
            Self::Position => {
                "is not a line position: a fractional-index key of at most 16384 printable ASCII characters"
            }
            Self::Lineage => "is not a lineage: 1 to 16384 printable ASCII characters, no spaces",
            Self::Site => "is not a site id: 32 lowercase hex digits",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_the_app_makes_pass_and_crafted_ones_do_not() {
        let fits = [
            (KeyKind::Id, "0b6f2c1e-8d7a-4c3b-9e2f-1a2b3c4d5e6f"),
            (KeyKind::Id, "v2:0b6f2c1e:12"),
            (KeyKind::Id, "0b6f2c1e/1733550000000/00ff00ff00ff00ff"),
            (KeyKind::Position, "a V"),
            (KeyKind::Lineage, "3fa9c0!4b"),
            (KeyKind::Site, "00112233445566778899aabbccddeeff"),
        ];
        for (kind, key) in fits {
            assert_eq!(kind.check(key), Ok(()), "{kind:?} {key}");
        }
        let long = "a".repeat(MAX_KEY_BYTES + 1);
        let refused = [
            (KeyKind::Id, ""),
            (KeyKind::Id, "a b"),
            (KeyKind::Id, "é"),
            (KeyKind::Id, &"a".repeat(MAX_ID_BYTES + 1)),
            (KeyKind::Position, "a"),
            (KeyKind::Position, "a0 "),
            (KeyKind::Position, &format!("a0{long}")),
            (KeyKind::Lineage, ""),
            (KeyKind::Lineage, "a b"),
            (KeyKind::Lineage, "\u{0}"),
            (KeyKind::Lineage, &long),
            (KeyKind::Site, "00112233445566778899AABBCCDDEEFF"),
            (KeyKind::Site, "0011"),
        ];
        for (kind, key) in refused {
            assert!(kind.check(key).is_err(), "{kind:?} {key:.20}");
        }
        assert_eq!(
            KeyKind::Lineage.check(&"!".repeat(MAX_KEY_BYTES)),
            Ok(()),
            "a long lineage of '!' is refused only beyond the bound"
        );
    }

    #[test]
    fn only_the_columns_the_app_computes_with_are_keys() {
        assert_eq!(KeyKind::of("lines", "pos"), Some(KeyKind::Position));
        assert_eq!(KeyKind::of("lines", "lineage"), Some(KeyKind::Lineage));
        assert_eq!(KeyKind::of("note_versions", "note_id"), Some(KeyKind::Id));
        assert_eq!(KeyKind::of("lines", "text"), None);
        assert_eq!(KeyKind::of("notes", "updated_at"), None);
    }
}
