//! The notes list's titles and conflict counts, derived from `lines` and kept
//! in a local table (never replicated). Triggers on `lines` mark a note dirty
//! whatever changed it (an edit here, a merge from elsewhere); the dirty notes
//! a list is about to show are recomputed first, so the autosave path never
//! pays for it, a 5,000-note list is one indexed query, and after a first sync
//! of 10,000 notes the list computes the 200 titles it shows, not 10,000.

use rusqlite::params;

use super::{NoteSummary, cache, lines, preview_of_lines, title_of_lines};
use crate::{Store, StoreError};

impl Store {
    /// Recomputes the titles and conflict counts of the `rows` marked `dirty`
    /// (the list's query reads the marks with the rows), stores them in the
    /// index and clears their marks: other dirty notes wait for a list that
    /// shows them.
    pub(crate) fn refresh_titles(
        &mut self,
        rows: &mut [NoteSummary],
        dirty: &[bool],
    ) -> Result<(), StoreError> {
        if !dirty.contains(&true) {
            return Ok(());
        }
        // The note just saved is usually the one dirty: its rows are cached.
        let mut cached = self.take_cached();
        let mut kept = None;
        let tx = self.conn_mut().transaction()?;
        for row in rows
            .iter_mut()
            .zip(dirty)
            .filter(|(_, d)| **d)
            .map(|(r, _)| r)
        {
            let note_id = row.id.as_str();
            let from_cache = cached.as_ref().is_some_and(|c| c.note_id() == note_id);
            let view = if from_cache {
                cache::view(&tx, note_id, cached.take())?
            } else {
                lines::view(lines::load(&tx, note_id)?)
            };
            let shown = || (0..view.shown.len()).map(|k| view.shown_text(k));
            row.title = title_of_lines(shown());
            row.preview = preview_of_lines(shown());
            row.conflicts = u32::try_from(view.losers.len()).unwrap_or(u32::MAX);
            if view.rows.is_empty() {
                tx.prepare_cached("DELETE FROM note_index WHERE note_id = ?1")?
                    .execute([note_id])?;
            } else {
                tx.prepare_cached(
                    "INSERT INTO note_index (note_id, title, conflicts, preview)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (note_id) DO UPDATE SET title = excluded.title,
                                                         conflicts = excluded.conflicts,
                                                         preview = excluded.preview",
                )?
                .execute(params![
                    note_id,
                    row.title,
                    row.conflicts,
                    row.preview
                ])?;
            }
            tx.prepare_cached("DELETE FROM note_index_dirty WHERE note_id = ?1")?
                .execute([note_id])?;
            if from_cache {
                kept = Some((note_id.to_owned(), view));
            }
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::Store;

    fn marked(s: &Store) -> Vec<String> {
        s.conn()
            .prepare("SELECT note_id FROM note_index_dirty ORDER BY note_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_page_of_the_list_computes_the_titles_it_shows_and_leaves_the_rest_marked() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Oldest\nbody", 1).unwrap();
        s.save_note("b", "Middle", 2).unwrap();
        s.save_note("c", "Newest", 3).unwrap();

        let page = s.list_notes_page("", 1).unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(page.notes[0].title, "Newest");
        assert_eq!(page.notes[0].preview, "");
        assert_eq!(marked(&s), ["a", "b"]);

        s.save_note("c", "Newest, edited", 4).unwrap();
        let all = s.list_notes("").unwrap();
        let titles: Vec<&str> = all.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["Newest, edited", "Middle", "Oldest"]);
        assert_eq!(all[2].preview, "body");
        assert!(marked(&s).is_empty());

        s.save_note("b", "Middle, edited", 5).unwrap();
        s.delete_note("b", 6).unwrap();
        s.save_note("a", "Oldest, edited in between", 7).unwrap();
        assert_eq!(marked(&s), ["a", "b"]);
        assert_eq!(s.list_trash().unwrap()[0].title, "Middle, edited");
        assert_eq!(marked(&s), ["a"], "the trash list computed only its own");
    }
}
