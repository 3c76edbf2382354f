//! An edit made from one version of a note, put onto the version the note has
//! now. The editor needs it when its save finds the note changed since the
//! text it edited (a Sync merged another device's lines, another tab saved):
//! saving its whole text instead would delete the lines it never saw.

use crate::split_lines;

/// One side's change of the base: base lines `from..to` became `lines`.
struct Hunk<'a> {
    from: usize,
    to: usize,
    lines: Vec<&'a str>,
}

/// The lines between the common first and last lines of `base` and `other`;
/// `None` when they are the same.
fn hunk<'a>(base: &[&str], other: &[&'a str]) -> Option<Hunk<'a>> {
    if base == other {
        return None;
    }
    let prefix = base.iter().zip(other).take_while(|(a, b)| a == b).count();
    let most = base.len().min(other.len()) - prefix;
    let suffix = base
        .iter()
        .rev()
        .zip(other.iter().rev())
        .take(most)
        .take_while(|(a, b)| a == b)
        .count();
    Some(Hunk {
        from: prefix,
        to: base.len() - suffix,
        lines: other[prefix..other.len() - suffix].to_vec(),
    })
}

/// `ours`, an edit of `base`, put onto `theirs`, what `base` became elsewhere
/// meanwhile: both sides' changes, and no line of either lost. Changes of
/// different lines are both made, as if one after the other. Where both
/// changed the same lines, those of `theirs` come first, then the lines of
/// `ours` that `theirs` lacks (an edit of a line `theirs` deleted survives;
/// a deletion of a line `theirs` edited does not).
pub fn rebase<'a>(base: &'a str, ours: &'a str, theirs: &'a str) -> String {
    let (b, o, t) = (split_lines(base), split_lines(ours), split_lines(theirs));
    let (Some(mine), Some(other)) = (hunk(&b, &o), hunk(&b, &t)) else {
        // A side that changed nothing leaves the other's text.
        return if o == b { theirs } else { ours }.to_owned();
    };
    // Apart, both are made; overlapping, they become one change of the
    // lines either touched.
    let (first, second) = if other.to <= mine.from {
        (other, Some(mine))
    } else if mine.to <= other.from {
        (mine, Some(other))
    } else {
        let (from, to) = (mine.from.min(other.from), mine.to.max(other.to));
        // The base's lines `from..to` as a side left them.
        let side = |h: Hunk<'a>| {
            let mut lines = b[from..h.from].to_vec();
            lines.extend(h.lines);
            lines.extend_from_slice(&b[h.to..to]);
            lines
        };
        let mut lines = side(other);
        let theirs_here = lines.len();
        for line in side(mine) {
            if !lines[..theirs_here].contains(&line) {
                lines.push(line);
            }
        }
        (Hunk { from, to, lines }, None)
    };
    let mut merged = Vec::with_capacity(b.len() + first.lines.len());
    let mut at = 0;
    for h in std::iter::once(first).chain(second) {
        merged.extend_from_slice(&b[at..h.from]);
        merged.extend(h.lines);
        at = h.to;
    }
    merged.extend_from_slice(&b[at..]);
    merged.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_added_elsewhere_stay_when_an_edit_made_before_them_is_saved() {
        let base = "Plans\nfirst\nlast";
        let theirs = "Plans\nfirst\nfrom the other device\nlast";
        let ours = "Plans\nfirst\nlast\ntyped here";
        assert_eq!(
            rebase(base, ours, theirs),
            "Plans\nfirst\nfrom the other device\nlast\ntyped here"
        );
        // And the other way round: an edit above theirs.
        let ours = "Plans!\nfirst\nlast";
        assert_eq!(
            rebase(base, ours, theirs),
            "Plans!\nfirst\nfrom the other device\nlast"
        );
    }

    #[test]
    fn a_side_that_changed_nothing_leaves_the_others_text() {
        assert_eq!(rebase("a\nb", "a\nb", "a\nc"), "a\nc");
        assert_eq!(rebase("a\nb", "a\nc", "a\nb"), "a\nc");
        assert_eq!(rebase("a", "a", "a"), "a");
    }

    #[test]
    fn both_edits_of_one_line_are_kept_theirs_first() {
        assert_eq!(
            rebase("hello", "hello world", "hello there"),
            "hello there\nhello world"
        );
        // Lines both still share are not doubled.
        assert_eq!(rebase("a\nb\nc", "a\nB\nc!", "a\nβ\nc"), "a\nβ\nc\nB\nc!");
    }

    #[test]
    fn an_edit_of_a_line_deleted_elsewhere_survives() {
        assert_eq!(
            rebase("a\nb\nc", "a\nb, edited\nc", "a\nc"),
            "a\nb, edited\nc"
        );
    }

    #[test]
    fn empty_texts_merge_too() {
        assert_eq!(rebase("", "ours", "theirs"), "theirs\nours");
        // Ours emptied the note; theirs added a line: that line is left.
        assert_eq!(rebase("a\nb", "", "a\nb\nc"), "c");
        assert_eq!(rebase("a\nb", "a\nb\nc", ""), "c");
    }

    #[test]
    fn two_insertions_at_one_place_keep_both() {
        assert_eq!(
            rebase("a\nz", "a\nours\nz", "a\ntheirs\nz"),
            "a\ntheirs\nours\nz"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec("[abc]{0,2}", 0..8)
        }

        /// `base` with lines `at..at + removed` replaced by `inserted`.
        fn edit(base: &[String], at: usize, removed: usize, inserted: &[String]) -> Vec<String> {
            let at = at.min(base.len());
            let end = (at + removed).min(base.len());
            let mut out = base[..at].to_vec();
            out.extend_from_slice(inserted);
            out.extend_from_slice(&base[end..]);
            out
        }

        proptest! {
            #[test]
            fn no_line_of_either_side_is_lost(
                base in text(),
                (a1, r1, i1) in (0usize..9, 0usize..3, text()),
                (a2, r2, i2) in (0usize..9, 0usize..3, text()),
            ) {
                let ours = edit(&base, a1, r1, &i1).join("\n");
                let theirs = edit(&base, a2, r2, &i2).join("\n");
                let merged = rebase(&base.join("\n"), &ours, &theirs);
                let lines = split_lines(&merged);
                // Every line either side put in is there.
                let b = base.join("\n");
                for side in [&ours, &theirs] {
                    if let Some(h) = hunk(&split_lines(&b), &split_lines(side)) {
                        for line in h.lines {
                            // A text of one empty line is the empty text:
                            // "" holds that line, though it splits into none.
                            let held = lines.contains(&line) || (line.is_empty() && merged.is_empty());
                            prop_assert!(held, "{line:?} of {side:?} not in {merged:?}");
                        }
                    }
                }
            }
        }
    }
}
