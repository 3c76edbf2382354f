//! Where the caret goes when the text under it is changed elsewhere (a Sync
//! merged another device's lines, another tab saved): it stays with the text
//! it was in. Offsets are in UTF-16 units, as the browser counts them.

/// The offset in `new` that matches offset `at` in `old`: the same before
/// the part that changed, moved by that part's change of length after it,
/// and at the end of the new part when it was inside the part that changed.
pub fn follow(old: &str, new: &str, at: usize) -> usize {
    let units = |s: &str| s.chars().map(char::len_utf16).sum::<usize>();
    let (old_len, new_len) = (units(old), units(new));
    let at = at.min(old_len);
    let mut prefix = 0;
    for (a, b) in old.chars().zip(new.chars()) {
        if a != b {
            break;
        }
        prefix += a.len_utf16();
    }
    if at <= prefix {
        return at;
    }
    // The common end, not reaching back into the common start.
    let room = old_len.min(new_len) - prefix;
    let mut suffix = 0;
    for (a, b) in old.chars().rev().zip(new.chars().rev()) {
        if a != b || suffix + a.len_utf16() > room {
            break;
        }
        suffix += a.len_utf16();
    }
    if at >= old_len - suffix {
        new_len - (old_len - at)
    } else {
        new_len - suffix
    }
}

#[cfg(test)]
mod tests {
    use super::follow;

    #[test]
    fn a_caret_before_the_change_stays() {
        let old = "Plans\nfirst and more";
        let new = "Plans\nfirst and more\nfrom the other device";
        assert_eq!(follow(old, new, old.len()), old.len());
        assert_eq!(follow(old, new, 3), 3);
    }

    #[test]
    fn a_caret_after_the_change_moves_with_its_text() {
        let old = "a\nb\nc";
        let new = "a\ninserted\nb\nc";
        // Before "c".
        assert_eq!(&new[follow(old, new, 4)..], "c");
        let shorter = "b\nc";
        assert_eq!(&shorter[follow(old, shorter, 4)..], "c");
    }

    #[test]
    fn a_caret_inside_the_change_goes_to_the_end_of_the_new_part() {
        assert_eq!(follow("one two three", "one 2 three", 6), "one 2".len());
    }

    #[test]
    fn offsets_count_utf16_units() {
        // "😀" is two UTF-16 units; the caret after "é" (one unit) is at 2.
        let old = "xé|end";
        let new = "😀xé|end";
        assert_eq!(follow(old, new, 2), 4);
    }

    #[test]
    fn a_caret_past_the_end_is_taken_as_the_end() {
        assert_eq!(follow("abc", "abcd", 10), 3);
        assert_eq!(follow("", "", 0), 0);
    }
}
