//! From the editor's text to row changes: which shown lines were edited,
//! removed, or have new lines around them. Unchanged lines keep their rows (and
//! ids), so a concurrent edit elsewhere in the note merges without a conflict.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// Above this many line comparisons, the middle of a diff is treated as one
/// replaced block instead of searched for matches: a whole-note paste must not
/// stall the autosave path. Typing is never near it, since the common head
/// and tail are trimmed first.
const MAX_DIFF_WORK: usize = 4_000_000;

/// New lines to add between two shown lines (indexes into the old list;
/// `None` is the start or the end of the note).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Insert<'a> {
    pub after: Option<usize>,
    pub before: Option<usize>,
    pub texts: Vec<&'a str>,
}

/// What saving `new` over `old` changes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan<'a> {
    /// Old line `i` gets a new version with this text.
    pub edits: Vec<(usize, &'a str)>,
    /// Old lines removed from the note.
    pub removals: Vec<usize>,
    pub inserts: Vec<Insert<'a>>,
}

impl Plan<'_> {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.removals.is_empty() && self.inserts.is_empty()
    }
}

pub(crate) use notetext::split_lines;

/// Myers' diff of two lists of lines, or one replaced block when that would
/// take more than [`MAX_DIFF_WORK`] comparisons.
pub(crate) fn line_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    if old.len().saturating_mul(new.len()) > MAX_DIFF_WORK {
        vec![DiffOp::Replace {
            old_index: 0,
            old_len: old.len(),
            new_index: 0,
            new_len: new.len(),
        }]
    } else {
        capture_diff_slices(Algorithm::Myers, old, new)
    }
}

pub(crate) fn plan<'a>(old: &[&str], new: &[&'a str]) -> Plan<'a> {
    plan_within(old.len(), 0, old, new)
}

/// The plan for replacing lines `from..from + old.len()` of a text of
/// `old_len` lines with `new`, the lines around them unchanged: what an
/// editor's splice gives, so a save compares only the lines it touched.
pub(crate) fn plan_within<'a>(
    old_len: usize,
    from: usize,
    old: &[&str],
    new: &[&'a str],
) -> Plan<'a> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_mid, new_mid) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);

    let ops = line_ops(old_mid, new_mid);

    let head = from + head;
    let mut plan = Plan::default();
    let at = |i: usize| (i < old_len).then_some(i);
    let before = |i: usize| i.checked_sub(1);
    for op in ops {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => plan
                .removals
                .extend((head + old_index)..(head + old_index + old_len)),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                let o = head + old_index;
                plan.inserts.push(Insert {
                    after: before(o),
                    before: at(o),
                    texts: new_mid[new_index..new_index + new_len].to_vec(),
                });
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Line k of the block becomes version k of the old line k:
                // that is what makes a concurrent edit of it a visible conflict.
                let paired = old_len.min(new_len);
                let o = head + old_index;
                for k in 0..paired {
                    plan.edits.push((o + k, new_mid[new_index + k]));
                }
                plan.removals.extend((o + paired)..(o + old_len));
                if new_len > paired {
                    plan.inserts.push(Insert {
                        after: before(o + old_len),
                        before: at(o + old_len),
                        texts: new_mid[new_index + paired..new_index + new_len].to_vec(),
                    });
                }
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(old: &str, new: &'a str) -> Plan<'a> {
        plan(&split_lines(old), &split_lines(new))
    }

    #[test]
    fn splitting_and_joining_gives_back_the_text() {
        for body in ["", "a", "a\n", "\n", "a\n\nb", "x\r\ny"] {
            assert_eq!(split_lines(body).join("\n"), body);
        }
    }

    #[test]
    fn typing_in_one_line_is_one_edit() {
        let plan = p("a\nb\nc", "a\nbe\nc");
        assert_eq!(plan.edits, [(1, "be")]);
        assert!(plan.removals.is_empty() && plan.inserts.is_empty());
    }

    #[test]
    fn a_plan_within_a_range_is_the_plan_of_the_whole() {
        let old = split_lines("a\nb\nc\nd\ne");
        for (from, removed, inserted) in [
            (1, 2, "b\nx\ny"),
            (0, 1, "z\na"),
            (4, 1, "e\nf"),
            (2, 1, ""),
        ] {
            let splice = notetext::Splice {
                from,
                removed,
                inserted,
            };
            let new = splice.apply(&old);
            let mid: Vec<&str> = splice.inserted_lines().collect();
            assert_eq!(
                plan_within(old.len(), from, &old[from..from + removed], &mid),
                plan(&old, &new),
                "{splice:?}"
            );
        }
    }

    #[test]
    fn the_same_text_plans_nothing() {
        assert!(p("a\nb", "a\nb").is_empty());
        assert!(p("", "").is_empty());
    }

    #[test]
    fn new_lines_go_between_their_neighbours() {
        let plan = p("a\nc", "a\nb\nc");
        assert_eq!(
            plan.inserts,
            [Insert {
                after: Some(0),
                before: Some(1),
                texts: vec!["b"]
            }]
        );
        let plan = p("", "x\ny");
        assert_eq!(
            plan.inserts,
            [Insert {
                after: None,
                before: None,
                texts: vec!["x", "y"]
            }]
        );
        let plan = p("b", "a\nb");
        assert_eq!(plan.inserts[0].after, None);
        assert_eq!(plan.inserts[0].before, Some(0));
    }

    #[test]
    fn removed_lines_are_removed_and_a_split_line_is_an_edit_plus_a_new_line() {
        assert_eq!(p("a\nb\nc", "a\nc").removals, [1]);
        let plan = p("a\nhello world\nc", "a\nhello\nworld\nc");
        assert_eq!(plan.edits, [(1, "hello")]);
        assert_eq!(
            plan.inserts,
            [Insert {
                after: Some(1),
                before: Some(2),
                texts: vec!["world"]
            }]
        );
    }

    #[test]
    fn a_whole_note_replaced_by_a_huge_paste_is_planned_without_searching() {
        let old: Vec<String> = (0..3000).map(|i| format!("old {i}")).collect();
        let new: Vec<String> = (0..3000).map(|i| format!("new {i}")).collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let plan = plan(&old, &new);
        assert_eq!(plan.edits.len(), 3000);
    }
}
