//! Resolving a conflict: the user keeps one version of a line (the others of
//! that line are deleted) or dismisses one. Both are ordinary row deletions,
//! so they sync like any edit.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::{Store, StoreError};

/// A resolved conflict is an edit of the note: it moves up the list and syncs.
fn touch(tx: &Transaction<'_>, note_id: &str, now_ms: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE notes SET updated_at = ?2 WHERE id = ?1",
        params![note_id, now_ms],
    )?;
    Ok(())
}

impl Store {
    /// Makes version `line_id` the line shown, deleting the other versions of
    /// that line. Returns `false` if `line_id` is not a line of that note.
    pub fn keep_line_version(
        &mut self,
        note_id: &str,
        line_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let lineage: Option<String> = tx
            .query_row(
                "SELECT lineage FROM lines WHERE note_id = ?1 AND id = ?2",
                [note_id, line_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(lineage) = lineage else {
            return Ok(false);
        };
        tx.execute(
            "DELETE FROM lines WHERE note_id = ?1 AND lineage = ?2 AND id <> ?3",
            [note_id, &lineage, line_id],
        )?;
        touch(&tx, note_id, now_ms)?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes conflict copy `line_id`. The version shown is not a copy and
    /// is never deleted this way. Returns `false` if `line_id` is not a
    /// conflict copy of that note.
    pub fn dismiss_line_version(
        &mut self,
        note_id: &str,
        line_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let Some(note) = self.get_note(note_id)? else {
            return Ok(false);
        };
        if !note.conflicts.iter().any(|c| c.line_id == line_id) {
            return Ok(false);
        }
        let tx = self.conn_mut().transaction()?;
        let lineage: String = tx.query_row(
            "SELECT lineage FROM lines WHERE note_id = ?1 AND id = ?2",
            [note_id, line_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "DELETE FROM lines WHERE note_id = ?1 AND id = ?2",
            [note_id, line_id],
        )?;
        // A removed line whose last copy is dismissed leaves only markers.
        let copies_left: i64 = tx.query_row(
            "SELECT count(*) FROM lines WHERE note_id = ?1 AND lineage = ?2 AND text IS NOT NULL",
            [note_id, &lineage],
            |r| r.get(0),
        )?;
        if copies_left == 0 {
            tx.execute(
                "DELETE FROM lines WHERE note_id = ?1 AND lineage = ?2",
                [note_id, &lineage],
            )?;
        }
        touch(&tx, note_id, now_ms)?;
        tx.commit()?;
        Ok(true)
    }

    /// Keeps conflict copy `line_id` as a line of its own, right after the
    /// line shown in its place: both versions stay, one after the other.
    /// A copy of a line removed here simply becomes the line. Returns
    /// `false` if `line_id` is not a conflict copy of that note.
    pub fn keep_both_line_versions(
        &mut self,
        note_id: &str,
        line_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let Some(note) = self.get_note(note_id)? else {
            return Ok(false);
        };
        let Some(copy) = note.conflicts.iter().find(|c| c.line_id == line_id) else {
            return Ok(false);
        };
        if copy.current.is_none() {
            return self.keep_line_version(note_id, line_id, now_ms);
        }
        let mut lines: Vec<&str> = note.body.split('\n').collect();
        let after = copy.line_number.min(lines.len());
        lines.insert(after, &copy.text);
        // The new line first: stopped between the two steps, the copy is
        // still there to choose, never lost.
        self.save_note(note_id, &lines.join("\n"), now_ms)?;
        self.dismiss_line_version(note_id, line_id, now_ms)
    }
}
