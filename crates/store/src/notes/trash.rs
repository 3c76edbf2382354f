//! Trash: deleting a note only marks it (`deleted_at`, a replicated column),
//! so it can be restored on any device for [`TRASH_DAYS`]. Emptying the
//! trash, or the time running out, deletes the note's rows for good.

use rusqlite::{Transaction, params};

use super::{LIST_COLUMNS, NoteSummary, listed_from_row};
use crate::{Store, StoreError};

/// How long a deleted note stays restorable.
pub const TRASH_DAYS: i64 = 30;
const TRASH_MS: i64 = TRASH_DAYS * 24 * 60 * 60 * 1000;

fn delete_for_good(tx: &Transaction<'_>, note_id: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM lines WHERE note_id = ?1")?
        .execute([note_id])?;
    tx.prepare_cached("DELETE FROM note_versions WHERE note_id = ?1")?
        .execute([note_id])?;
    tx.prepare_cached("DELETE FROM notes WHERE id = ?1")?
        .execute([note_id])?;
    // The derived rows go with it: a note gone for good has no lines left
    // for the indexing to find it by.
    tx.prepare_cached(
        "DELETE FROM note_search WHERE rowid = (SELECT rowid FROM note_index WHERE note_id = ?1)",
    )?
    .execute([note_id])?;
    tx.prepare_cached("DELETE FROM note_tags WHERE note_id = ?1")?
        .execute([note_id])?;
    tx.prepare_cached("DELETE FROM note_index WHERE note_id = ?1")?
        .execute([note_id])?;
    Ok(())
}

impl Store {
    /// Moves a note to the trash. Returns `false` if there was no such note
    /// outside the trash.
    pub fn delete_note(&mut self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE notes SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, now_ms],
        )?;
        Ok(n > 0)
    }

    /// Takes a note out of the trash. Returns `false` if it was not there.
    pub fn restore_note(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE notes SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id],
        )?;
        Ok(n > 0)
    }

    /// Notes in the trash, most recently deleted first.
    pub fn list_trash(&mut self) -> Result<Vec<NoteSummary>, StoreError> {
        let (mut rows, dirty): (Vec<_>, Vec<_>) = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {LIST_COLUMNS}
                 FROM notes n LEFT JOIN note_index i ON i.note_id = n.id
                 WHERE n.deleted_at IS NOT NULL
                 ORDER BY n.deleted_at DESC, n.id"
            ))?
            .query_map([], listed_from_row)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        self.refresh_titles(&mut rows, &dirty)?;
        Ok(rows)
    }

    /// Deletes one trashed note for good. Returns `false` if it was not in
    /// the trash (a note must be trashed first: no one-step loss).
    pub fn delete_forever(&mut self, id: &str) -> Result<bool, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let trashed: bool = tx.query_row(
            "SELECT count(*) > 0 FROM notes WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id],
            |r| r.get(0),
        )?;
        if trashed {
            delete_for_good(&tx, id)?;
        }
        tx.commit()?;
        Ok(trashed)
    }

    /// Deletes a note for good if no line of it, conflict copies included,
    /// and no version in its history holds a word: a new note left empty
    /// is not kept. Returns whether it was deleted. A note someone wrote
    /// into meanwhile (another tab, a merge) is kept.
    pub fn discard_if_empty(&mut self, id: &str) -> Result<bool, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let empty: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM notes WHERE id = ?1)
                AND NOT EXISTS (SELECT 1 FROM lines WHERE note_id = ?1 AND trim(text, ' ' || char(9, 10, 13)) != '')
                AND NOT EXISTS (SELECT 1 FROM note_versions WHERE note_id = ?1 AND trim(body, ' ' || char(9, 10, 13)) != '')",
            [id],
            |r| r.get(0),
        )?;
        if empty {
            delete_for_good(&tx, id)?;
        }
        tx.commit()?;
        Ok(empty)
    }

    /// Deletes every trashed note for good; returns how many.
    pub fn empty_trash(&mut self) -> Result<usize, StoreError> {
        self.purge_deleted_before(i64::MAX)
    }

    /// Deletes notes that have been in the trash for [`TRASH_DAYS`].
    pub fn purge_trash(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        self.purge_deleted_before(now_ms.saturating_sub(TRASH_MS))
    }

    fn purge_deleted_before(&mut self, cutoff_ms: i64) -> Result<usize, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let ids: Vec<String> = tx
            .prepare("SELECT id FROM notes WHERE deleted_at IS NOT NULL AND deleted_at <= ?1")?
            .query_map([cutoff_ms], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            delete_for_good(&tx, id)?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Deletes every note, in the trash or not, with its history: after a
    /// local notebook's notes were moved into an account.
    pub fn clear_notes(&mut self) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        tx.execute_batch(
            "DELETE FROM lines; DELETE FROM note_versions; DELETE FROM notes;
             DELETE FROM note_index; DELETE FROM note_index_dirty;",
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn a_note_left_empty_is_discarded_but_one_with_words_now_or_before_is_kept() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("blank", "", 1).unwrap();
        s.save_note("spaces", "  \n\t\n", 1).unwrap();
        s.save_note("words", "Groceries", 1).unwrap();
        // The first edit keeps the text it replaces in the history.
        s.save_note("erased", "typed then erased", 1).unwrap();
        s.save_note("erased", "", 2).unwrap();
        assert!(!s.history("erased").unwrap().is_empty());

        assert!(s.discard_if_empty("blank").unwrap());
        assert!(s.discard_if_empty("spaces").unwrap());
        assert!(!s.discard_if_empty("words").unwrap());
        assert!(!s.discard_if_empty("erased").unwrap());
        assert!(!s.discard_if_empty("missing").unwrap());
        let mut listed: Vec<String> = s
            .list_notes("")
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        listed.sort();
        assert_eq!(listed, ["erased", "words"]);
    }
}
