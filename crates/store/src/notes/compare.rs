//! What changed between two texts of a note, line by line, for a person to
//! read (History shows each version against the one after it).

use similar::DiffTag;

use super::diff::line_ops;

/// A line of a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineChange {
    Same(String),
    /// In the older text only.
    Removed(String),
    /// In the newer text only.
    Added(String),
}

/// `older` turned into `newer`: every line of both, in order, each marked.
pub fn compare(older: &str, newer: &str) -> Vec<LineChange> {
    let old: Vec<&str> = older.split('\n').collect();
    let new: Vec<&str> = newer.split('\n').collect();
    // Past the work bound (a long paste), all removed, then all added.
    let ops = line_ops(&old, &new);
    let mut out = Vec::with_capacity(old.len().max(new.len()));
    let owned = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    for op in ops {
        // A delete has no new lines and an insert no old ones: every op that
        // is not equal is its old lines removed, then its new lines added.
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            out.extend(owned(&old[old_range]).into_iter().map(LineChange::Same));
        } else {
            out.extend(owned(&old[old_range]).into_iter().map(LineChange::Removed));
            out.extend(owned(&new[new_range]).into_iter().map(LineChange::Added));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::LineChange::{Added, Removed, Same};
    use super::compare;

    #[test]
    fn a_comparison_marks_removed_and_added_lines_and_keeps_the_rest_in_order() {
        let s = |t: &str| t.to_owned();
        assert_eq!(
            compare(
                "Groceries\nmilk\neggs\nbread",
                "Groceries\noat milk\neggs\nbread\njam"
            ),
            [
                Same(s("Groceries")),
                Removed(s("milk")),
                Added(s("oat milk")),
                Same(s("eggs")),
                Same(s("bread")),
                Added(s("jam")),
            ]
        );
        assert_eq!(compare("same", "same"), [Same(s("same"))]);
    }
}
