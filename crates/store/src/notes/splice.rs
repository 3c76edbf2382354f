//! Saving an edit as the range of lines it touched, against the revision the
//! editor read. Typing into a long note then costs the changed lines, not the
//! whole text: the editor does not send it, and the store does not split and
//! compare it.

use notetext::Splice;

use super::edit::{NewText, check_length, save_in};
use super::{cache, lines::View};
use crate::{Store, StoreError};

impl Store {
    /// The revision of everything the store holds: it moves with every write
    /// to a replicated table, here or merged from elsewhere. A note read or
    /// saved at revision `r` is unchanged while the revision is still `r`.
    pub fn revision(&self) -> Result<i64, StoreError> {
        Ok(cache::db_version(self.conn())?)
    }

    /// Saves `splice`, made against the note's text as read or saved at
    /// revision `base`, like [`Store::save_note`] with the whole text.
    /// Returns the new revision, or `None` if anything was written since
    /// `base` (or the splice does not fit): the caller then saves the whole
    /// text instead, which merges with what changed.
    pub fn save_note_splice(
        &mut self,
        id: &str,
        base: i64,
        splice: Splice<'_>,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        // Unchanged revision: the lines are those the splice was made against
        // (usually still cached from that read or save).
        if self.revision()? != base {
            return Ok(None);
        }
        let cached = self.take_cached();
        let tx = self.conn_mut().transaction()?;
        let view: View = cache::view(&tx, id, cached)?;
        if !splice.fits(view.shown.len()) {
            drop(tx);
            self.keep_view(id, view)?;
            return Ok(None);
        }
        let before = view.body_len();
        let removed: usize = (splice.from..splice.from + splice.removed)
            .map(|k| view.shown_text(k).len() + 1)
            .sum();
        // The lines it removes each took a newline, and the lines it inserts
        // take one more than `inserted` holds (one byte over at the note's
        // ends, which a limit of a mebibyte can spare).
        let after = (before + splice.inserted.len() + 1).saturating_sub(removed);
        if let Err(e) = check_length(before, after) {
            drop(tx);
            self.keep_view(id, view)?;
            return Err(e);
        }
        let view = save_in(&tx, id, NewText::Splice(splice), now_ms, false, view)?;
        tx.commit()?;
        Ok(Some(self.keep_view(id, view)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_splice_saves_like_the_whole_text() {
        let mut s = Store::open_in_memory().unwrap();
        let old: String = (0..50)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let base = s.save_note("n", &old, 1).unwrap();
        let new = old.replace("line 20", "line twenty\nand more");
        let splice = Splice::between(&old, &new).unwrap();
        let rev = s.save_note_splice("n", base, splice, 2).unwrap();
        assert!(rev.is_some_and(|r| r > base));
        assert_eq!(s.get_note("n").unwrap().unwrap().body, new);
    }

    #[test]
    fn a_splice_against_an_older_revision_is_refused() {
        let mut s = Store::open_in_memory().unwrap();
        let base = s.save_note("n", "a\nb", 1).unwrap();
        s.save_note("other", "x", 2).unwrap();
        let splice = Splice::between("a\nb", "a\nc").unwrap();
        assert_eq!(s.save_note_splice("n", base, splice, 3).unwrap(), None);
        assert_eq!(s.get_note("n").unwrap().unwrap().body, "a\nb");
        // Read again, it fits.
        let base = s.revision().unwrap();
        assert!(s.save_note_splice("n", base, splice, 3).unwrap().is_some());
        assert_eq!(s.get_note("n").unwrap().unwrap().body, "a\nc");
    }

    #[test]
    fn a_splice_past_the_end_is_refused() {
        let mut s = Store::open_in_memory().unwrap();
        let base = s.save_note("n", "a\nb", 1).unwrap();
        let splice = Splice {
            from: 2,
            removed: 1,
            inserted: "c",
        };
        assert_eq!(s.save_note_splice("n", base, splice, 2).unwrap(), None);
        assert_eq!(s.get_note("n").unwrap().unwrap().body, "a\nb");
    }
}
