//! The notes list's titles and conflict counts, derived from `lines` and kept
//! in a local table (never replicated). Triggers on `lines` mark a note dirty
//! whatever changed it (an edit here, a merge from elsewhere); dirty notes
//! are recomputed before the list is read, so the autosave path never pays
//! for it and a 5,000-note list is one indexed query.

use rusqlite::params;

use super::{cache, lines, title_of_lines};
use crate::{Store, StoreError};

impl Store {
    pub(crate) fn refresh_index(&mut self) -> Result<(), StoreError> {
        // The note just saved is usually the one dirty: its rows are cached.
        let mut cached = self.take_cached();
        let mut kept = None;
        let tx = self.conn_mut().transaction()?;
        let dirty: Vec<String> = tx
            .prepare_cached("SELECT note_id FROM note_index_dirty")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if dirty.is_empty() {
            drop(tx);
            if let Some(c) = cached {
                self.put_back(c);
            }
            return Ok(());
        }
        for note_id in &dirty {
            let from_cache = cached.as_ref().is_some_and(|c| c.note_id() == note_id);
            let view = if from_cache {
                cache::view(&tx, note_id, cached.take())?
            } else {
                lines::view(lines::load(&tx, note_id)?)
            };
            if view.rows.is_empty() {
                tx.prepare_cached("DELETE FROM note_index WHERE note_id = ?1")?
                    .execute([note_id])?;
                continue;
            }
            let title = title_of_lines((0..view.shown.len()).map(|k| view.shown_text(k)));
            tx.prepare_cached(
                "INSERT INTO note_index (note_id, title, conflicts) VALUES (?1, ?2, ?3)
                 ON CONFLICT (note_id) DO UPDATE SET title = excluded.title,
                                                     conflicts = excluded.conflicts",
            )?
            .execute(params![
                note_id,
                title,
                i64::try_from(view.losers.len()).unwrap_or(i64::MAX)
            ])?;
            if from_cache {
                kept = Some((note_id.clone(), view));
            }
        }
        tx.execute("DELETE FROM note_index_dirty", [])?;
        tx.commit()?;
        // Only local tables were written: the rows are still current.
        match (cached, kept) {
            (Some(c), _) => self.put_back(c),
            (None, Some((note_id, view))) => {
                self.keep_view(&note_id, view)?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}
