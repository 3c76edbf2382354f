//! The notes list's titles, conflict counts and tags, and the search index,
//! derived from `lines` and kept in local tables (never replicated). Triggers on `lines` mark a note dirty
//! whatever changed it (an edit here, a merge from elsewhere); the dirty notes
//! a list is about to show are recomputed first, so the autosave path never
//! pays for it, a 5,000-note list is one indexed query, and after a first sync
//! of 10,000 notes the list computes the 200 titles it shows, not 10,000.

use rusqlite::{OptionalExtension, params};

use super::tags::{keep_tags, tags_of, title_key};
use super::{NoteSummary, cache, lines, preview_of_lines, title_of_lines};
use crate::{Store, StoreError};

/// What the list and search keep of a note.
pub(crate) struct Derived {
    pub title: String,
    pub preview: String,
    pub conflicts: u32,
}

impl Store {
    /// Recomputes the titles and conflict counts of the `rows` marked `dirty`
    /// (the list's query reads the marks with the rows), stores them in the
    /// index and clears their marks: other dirty notes wait for a list that
    /// shows them, or for [`Store::index_pending`].
    pub(crate) fn refresh_titles(
        &mut self,
        rows: &mut [NoteSummary],
        dirty: &[bool],
    ) -> Result<(), StoreError> {
        let ids: Vec<String> = rows
            .iter()
            .zip(dirty)
            .filter(|(_, d)| **d)
            .map(|(r, _)| r.id.clone())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let mut derived = self.index_notes(&ids)?.into_iter();
        for row in rows
            .iter_mut()
            .zip(dirty)
            .filter(|(_, d)| **d)
            .map(|(r, _)| r)
        {
            if let Some(Some(d)) = derived.next() {
                row.title = d.title;
                row.preview = d.preview;
                row.conflicts = d.conflicts;
            }
        }
        Ok(())
    }

    /// Indexes up to `batch` of the notes whose text changed since they
    /// were last indexed (for the list and for search); how many are left.
    /// In small batches, between which saves go ahead: after a first sync
    /// of 10,000 notes, indexing them all at once would hold the database.
    pub fn index_pending(&mut self, batch: usize) -> Result<usize, StoreError> {
        let limit = i64::try_from(batch).unwrap_or(i64::MAX);
        let ids: Vec<String> = self
            .conn()
            .prepare_cached("SELECT note_id FROM note_index_dirty LIMIT ?1")?
            .query_map([limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        self.index_notes(&ids)?;
        Ok(self
            .conn()
            .prepare_cached("SELECT count(*) FROM note_index_dirty")?
            .query_row([], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))?)
    }

    /// Derives the list's title, preview and conflict count and the search
    /// text of each note of `ids`, stores them and clears their marks, in
    /// one transaction. `None` for a note without lines (gone).
    fn index_notes(&mut self, ids: &[String]) -> Result<Vec<Option<Derived>>, StoreError> {
        // The note just saved is usually the one dirty: its rows are cached.
        let mut cached = self.take_cached();
        let mut kept = None;
        let mut out = Vec::with_capacity(ids.len());
        let tx = self.conn_mut().transaction()?;
        for note_id in ids {
            let note_id = note_id.as_str();
            let from_cache = cached.as_ref().is_some_and(|c| c.note_id() == note_id);
            let view = if from_cache {
                cache::view(&tx, note_id, cached.take())?
            } else {
                lines::view(lines::load(&tx, note_id)?)
            };
            let old_row: Option<i64> = tx
                .prepare_cached("SELECT rowid FROM note_index WHERE note_id = ?1")?
                .query_row([note_id], |r| r.get(0))
                .optional()?;
            if let Some(rowid) = old_row {
                tx.prepare_cached("DELETE FROM note_search WHERE rowid = ?1")?
                    .execute([rowid])?;
            }
            if view.rows.is_empty() {
                tx.prepare_cached("DELETE FROM note_index WHERE note_id = ?1")?
                    .execute([note_id])?;
                keep_tags(&tx, note_id, &[])?;
                out.push(None);
            } else {
                let shown = || (0..view.shown.len()).map(|k| view.shown_text(k));
                let d = Derived {
                    title: title_of_lines(shown()),
                    preview: preview_of_lines(shown()),
                    conflicts: u32::try_from(view.losers.len()).unwrap_or(u32::MAX),
                };
                let rowid: i64 = tx
                    .prepare_cached(
                        "INSERT INTO note_index (note_id, title, conflicts, preview, title_key)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (note_id) DO UPDATE SET title = excluded.title,
                                                             conflicts = excluded.conflicts,
                                                             preview = excluded.preview,
                                                             title_key = excluded.title_key
                         RETURNING rowid",
                    )?
                    .query_row(
                        params![
                            note_id,
                            d.title,
                            d.conflicts,
                            d.preview,
                            title_key(&d.title)
                        ],
                        |r| r.get(0),
                    )?;
                keep_tags(&tx, note_id, &tags_of(shown()))?;
                tx.prepare_cached(
                    "INSERT INTO note_search (rowid, title, body) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![rowid, d.title, search_text(&view)])?;
                out.push(Some(d));
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
        Ok(out)
    }
}

/// What search reads of a note: its text as shown, then its conflict
/// copies (words that lost a concurrent edit are still the user's words).
fn search_text(view: &lines::View) -> String {
    let mut text = view.body();
    for &(i, _) in &view.losers {
        text.push('\n');
        text.push_str(&view.rows[i].text);
    }
    text
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
