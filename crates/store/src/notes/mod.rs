//! Notes as the app sees them. Every read and write of a note's text goes
//! through this module, so how the text is stored is its business alone: one
//! replicated row per line version (see [`lines`]), so that concurrent edits
//! of different lines merge and concurrent edits of one line keep both.

pub(crate) mod cache;
mod compare;
mod conflicts;
mod diff;
mod edit;
mod history;
mod index;
mod keys;
mod lines;
mod list;
pub(crate) mod migrate;
mod order;
mod search;
mod splice;
mod tags;
mod trash;

use rusqlite::{OptionalExtension, params};

pub use compare::{LineChange, compare};
pub use edit::MAX_NOTE_BYTES;
pub use history::{KEEP_VERSIONS, SNAPSHOT_EVERY_MS, Version, VersionSummary};
pub use keys::{KeyKind, MAX_ID_BYTES, MAX_KEY_BYTES};
pub use lines::Conflict;
pub use list::{ListOptions, Sort};
pub use notetext::Splice;
pub use search::{MATCH_END, MATCH_START, SearchHit, SearchPage, fts_query};
pub use tags::{TagCount, tags_of};
pub use trash::TRASH_DAYS;

use crate::{Store, StoreError};

/// A note in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// When it was moved to the trash; `None` if it is not there.
    pub deleted_at: Option<i64>,
    /// Heads the list.
    pub pinned: bool,
    /// Versions of its lines that lost to a concurrent edit elsewhere.
    pub conflicts: Vec<Conflict>,
}

/// A line of the notes list (or of the trash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSummary {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
    /// How many conflict copies the note holds.
    pub conflicts: u32,
    pub deleted_at: Option<i64>,
    /// The note's first words after its title ([`preview_of_lines`]).
    pub preview: String,
    pub pinned: bool,
}

/// A page of the notes list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotePage {
    /// Pinned first, then in the order asked for.
    pub notes: Vec<NoteSummary>,
    /// How many notes the whole list has.
    pub total: usize,
}

pub use notetext::{title_of, title_of_lines};

/// FNV-1a of `text` from `basis`: the same on every build and target,
/// unlike std's hasher (ids that replicas must make alike use it).
pub(crate) fn fnv1a(basis: u64, text: &str) -> u64 {
    text.bytes().fold(basis, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A line of a note's text under its title in the list: the first
/// non-blank line after the title's, shortened.
pub(crate) fn preview_of_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    const MAX_CHARS: usize = 120;
    let line = lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .nth(1)
        .unwrap_or("");
    let mut preview: String = line.chars().take(MAX_CHARS).collect();
    if line.chars().count() > MAX_CHARS {
        preview.push('…');
    }
    preview
}

/// The columns of a list row, then whether its index entry is stale, then
/// its preview and whether it is pinned.
pub(crate) const LIST_COLUMNS: &str = "n.id, coalesce(i.title, 'Untitled'), n.updated_at,
    coalesce(i.conflicts, 0), n.deleted_at,
    EXISTS (SELECT 1 FROM note_index_dirty d WHERE d.note_id = n.id),
    coalesce(i.preview, ''), n.pinned > 0";

/// A row of [`LIST_COLUMNS`].
pub(crate) fn listed_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(NoteSummary, bool)> {
    Ok((summary_from_row(r)?, r.get(5)?))
}

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NoteSummary> {
    Ok(NoteSummary {
        id: r.get(0)?,
        title: r.get(1)?,
        updated_at: r.get(2)?,
        conflicts: r.get(3)?,
        deleted_at: r.get(4)?,
        preview: r.get(6)?,
        pinned: r.get(7)?,
    })
}

impl Store {
    /// A note (in the trash or not), with its text as the lines shown and
    /// its conflict copies.
    pub fn get_note(&self, id: &str) -> Result<Option<Note>, StoreError> {
        let meta: Option<(i64, i64, Option<i64>, bool)> = self
            .conn()
            .prepare_cached(
                "SELECT created_at, updated_at, deleted_at, pinned > 0 FROM notes WHERE id = ?1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        let Some((created_at, updated_at, deleted_at, pinned)) = meta else {
            return Ok(None);
        };
        let view = cache::view(self.conn(), id, self.take_cached())?;
        let mut conflicts = view.conflicts();
        for (c, shown) in conflicts.iter_mut().zip(view.shown_ids_of_conflicts()) {
            c.by = self.writer_of_line(id, &c.line_id)?;
            if let Some(shown) = shown {
                c.current_by = self.writer_of_line(id, shown)?;
            }
        }
        let note = Note {
            id: id.to_owned(),
            body: view.body(),
            created_at,
            updated_at,
            deleted_at,
            pinned,
            conflicts,
        };
        // The editor saves next: have its rows ready.
        self.keep_view(id, view)?;
        Ok(Some(note))
    }

    /// Every note, trashed ones included, for moving a local notebook's
    /// notes into an account.
    pub fn all_notes(&self) -> Result<Vec<Note>, StoreError> {
        let ids: Vec<String> = self
            .conn()
            .prepare("SELECT id FROM notes ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut notes = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(note) = self.get_note(&id)? {
                notes.push(note);
            }
        }
        Ok(notes)
    }

    /// Writes `note` (text, times, trash state, pin) as a note of this store, as
    /// if it had been written here; its conflict copies stay behind.
    pub fn import_note(&mut self, note: &Note) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        import_in(&tx, note)?;
        tx.commit()?;
        Ok(())
    }

    /// Imports each note whose id this store does not hold, with its saved
    /// versions, in one transaction (an import of thousands would otherwise
    /// pay a commit each); which of them were added.
    pub fn import_new_notes(
        &mut self,
        notes: &[(Note, Vec<Version>)],
    ) -> Result<Vec<bool>, StoreError> {
        self.take_cached();
        let tx = self.conn_mut().transaction()?;
        let mut added = Vec::with_capacity(notes.len());
        for (note, versions) in notes {
            let here: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM notes WHERE id = ?1)")?
                .query_row([&note.id], |r| r.get(0))?;
            if !here {
                edit::write_new_note(
                    &tx,
                    &note.id,
                    &diff::split_lines(&note.body),
                    note.updated_at,
                )?;
                set_times(&tx, note)?;
                for v in versions {
                    history::import_version_in(&tx, &note.id, v)?;
                }
            }
            added.push(!here);
        }
        tx.commit()?;
        Ok(added)
    }
}

fn import_in(tx: &rusqlite::Transaction<'_>, note: &Note) -> Result<(), StoreError> {
    let view = lines::view(lines::load(tx, &note.id)?);
    edit::save_in(
        tx,
        &note.id,
        edit::NewText::Lines(&diff::split_lines(&note.body)),
        note.updated_at,
        false,
        view,
    )?;
    set_times(tx, note)
}

/// A note's times, trash state and pin as `note` has them.
fn set_times(tx: &rusqlite::Transaction<'_>, note: &Note) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE notes SET created_at = ?2, updated_at = ?3, deleted_at = ?4, pinned = ?5
         WHERE id = ?1",
        params![
            note.id,
            note.created_at,
            note.updated_at,
            note.deleted_at,
            i64::from(note.pinned)
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_the_first_non_blank_line() {
        assert_eq!(title_of("\n  \n  Groceries \nmilk"), "Groceries");
        assert_eq!(title_of(""), "Untitled");
        assert_eq!(title_of(&"x".repeat(100)).chars().count(), 81);
    }

    #[test]
    fn a_preview_is_the_first_non_blank_line_after_the_title() {
        assert_eq!(
            preview_of_lines(["", " Groceries ", "", "  milk ", "eggs"]),
            "milk"
        );
        assert_eq!(preview_of_lines(["Only a title"]), "");
        assert_eq!(
            preview_of_lines(["t", &"é".repeat(200)]).chars().count(),
            121
        );
    }

    fn ids(s: &mut Store, q: &str) -> Vec<String> {
        s.list_notes(q).unwrap().into_iter().map(|n| n.id).collect()
    }

    #[test]
    fn notes_list_newest_first_and_search_matches_text_literally() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Groceries\nmilk", 1).unwrap();
        s.save_note("b", "100% done_ok", 2).unwrap();
        s.save_note("c", "Call mom", 3).unwrap();

        assert_eq!(ids(&mut s, ""), ["c", "b", "a"]);
        assert_eq!(ids(&mut s, "MILK"), ["a"]);
        assert_eq!(ids(&mut s, "100%"), ["b"]);
        assert_eq!(ids(&mut s, "_ok"), ["b"]);
        assert_eq!(ids(&mut s, "%"), ["b"]);
        assert!(ids(&mut s, "zzz").is_empty());
        let page = s.list_notes_page("", 2).unwrap();
        assert_eq!(
            (page.notes.len(), page.notes[0].id.as_str(), page.total),
            (2, "c", 3)
        );
        assert_eq!(s.list_notes_page("o", 1).unwrap().total, 3);
        assert_eq!(s.list_notes_page("mom", 5).unwrap().total, 1);
        let titles: Vec<String> = s
            .list_notes("")
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect();
        assert_eq!(titles, ["Call mom", "100% done_ok", "Groceries"]);
    }

    #[test]
    fn the_text_saved_is_the_text_read_back_exactly() {
        let mut s = Store::open_in_memory().unwrap();
        for (i, body) in ["", "one", "a\n", "\n\n", "x\r\ny\n\nz", "é\n😀"]
            .iter()
            .enumerate()
        {
            s.save_note("n", body, i as i64).unwrap();
            assert_eq!(s.get_note("n").unwrap().unwrap().body, *body);
        }
    }

    #[test]
    fn saving_the_same_text_again_writes_nothing() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "text", 1).unwrap();
        let v = s.db_version().unwrap();
        s.save_note("a", "text", 2).unwrap();
        assert_eq!(s.db_version().unwrap(), v);
        assert_eq!(s.get_note("a").unwrap().unwrap().updated_at, 1);
        s.save_note("a", "text!", 3).unwrap();
        assert!(s.db_version().unwrap() > v);
    }

    #[test]
    fn a_deleted_note_waits_in_the_trash_until_restored_or_emptied() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "keep me", 1).unwrap();
        s.save_note("b", "bin me", 2).unwrap();
        assert!(s.delete_note("b", 10).unwrap());
        assert!(!s.delete_note("b", 11).unwrap(), "already in the trash");
        assert_eq!(ids(&mut s, ""), ["a"]);
        let trash = s.list_trash().unwrap();
        assert_eq!((trash[0].id.as_str(), trash[0].deleted_at), ("b", Some(10)));

        assert!(s.restore_note("b").unwrap());
        assert_eq!(ids(&mut s, ""), ["b", "a"]);
        assert_eq!(s.get_note("b").unwrap().unwrap().body, "bin me");

        s.delete_note("b", 20).unwrap();
        assert!(
            !s.delete_forever("a").unwrap(),
            "only trashed notes are deleted for good"
        );
        assert_eq!(s.empty_trash().unwrap(), 1);
        assert!(s.get_note("b").unwrap().is_none());
        assert!(s.list_trash().unwrap().is_empty());
        assert_eq!(ids(&mut s, ""), ["a"]);
    }

    #[test]
    fn the_trash_forgets_notes_after_thirty_days() {
        let mut s = Store::open_in_memory().unwrap();
        let day = 24 * 60 * 60 * 1000;
        s.save_note("old", "x", 0).unwrap();
        s.save_note("new", "y", 0).unwrap();
        s.delete_note("old", day).unwrap();
        s.delete_note("new", 20 * day).unwrap();
        assert_eq!(s.purge_trash(31 * day + 1).unwrap(), 1);
        let left: Vec<String> = s.list_trash().unwrap().into_iter().map(|n| n.id).collect();
        assert_eq!(left, ["new"]);
    }

    #[test]
    fn history_keeps_one_version_per_burst_of_editing_and_restores_it() {
        let mut s = Store::open_in_memory().unwrap();
        let min = 60 * 1000;
        s.save_note("n", "draft", 0).unwrap();
        s.save_note("n", "draft 2", min).unwrap();
        s.save_note("n", "draft 3", 2 * min).unwrap();
        assert_eq!(
            s.history("n").unwrap().len(),
            1,
            "one version per few minutes"
        );
        s.save_note("n", "final", 10 * min).unwrap();
        let history = s.history("n").unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].title, "draft 3");
        assert_eq!(history[1].title, "draft");

        assert!(s.restore_version("n", &history[1].id, 11 * min).unwrap());
        assert_eq!(s.get_note("n").unwrap().unwrap().body, "draft");
        assert_eq!(
            s.history("n").unwrap()[0].title,
            "final",
            "a restore can be undone"
        );
        assert!(
            !s.restore_version("other", &history[1].id, 12 * min)
                .unwrap()
        );
    }

    #[test]
    fn history_is_bounded_per_note() {
        let mut s = Store::open_in_memory().unwrap();
        for i in 0..(KEEP_VERSIONS + 10) {
            s.save_note("n", &format!("v{i}"), i * SNAPSHOT_EVERY_MS)
                .unwrap();
        }
        assert_eq!(s.history("n").unwrap().len() as i64, KEEP_VERSIONS);
    }
}

#[cfg(test)]
mod import_tests {
    use super::*;

    fn exchange(from: &Store, to: &mut Store) {
        let changes = from
            .changes_since(0, crate::ChangeFilter::All, usize::MAX)
            .unwrap()
            .changes;
        to.apply_changes(&changes).unwrap();
    }

    #[test]
    fn one_note_imported_on_two_replicas_before_they_sync_merges_into_one_text() {
        let note = Note {
            id: "import-0123".into(),
            body: "Recipe\nflour\neggs".into(),
            created_at: 1_000,
            updated_at: 2_000,
            deleted_at: None,
            pinned: false,
            conflicts: Vec::new(),
        };
        let (mut a, mut b) = (
            Store::open_in_memory().unwrap(),
            Store::open_in_memory().unwrap(),
        );
        for s in [&mut a, &mut b] {
            assert_eq!(
                s.import_new_notes(&[(note.clone(), Vec::new())]).unwrap(),
                [true]
            );
        }
        exchange(&a, &mut b);
        exchange(&b, &mut a);
        for s in [&a, &b] {
            let got = s.get_note("import-0123").unwrap().unwrap();
            assert_eq!(got.body, "Recipe\nflour\neggs");
            assert!(got.conflicts.is_empty());
        }
        // Later edits on each side still merge as edits do.
        a.save_note("import-0123", "Recipe\nflour\neggs\nmilk", 3_000)
            .unwrap();
        b.save_note("import-0123", "Pancakes\nflour\neggs", 3_000)
            .unwrap();
        exchange(&a, &mut b);
        exchange(&b, &mut a);
        assert_eq!(
            a.get_note("import-0123").unwrap().unwrap().body,
            "Pancakes\nflour\neggs\nmilk"
        );
        assert_eq!(
            b.get_note("import-0123").unwrap().unwrap().body,
            "Pancakes\nflour\neggs\nmilk"
        );
    }
}
