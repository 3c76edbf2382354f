//! The notes list: pinned notes first, then in the order the user chose,
//! optionally only the notes of one tag, a page at a time.

use rusqlite::params;

use super::{LIST_COLUMNS, NotePage, NoteSummary, listed_from_row};
use crate::{Store, StoreError};

/// The order of the notes list (pinned notes always come first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Last edited first.
    #[default]
    Edited,
    /// Last created first.
    Created,
    /// By title, A to Z, case ignored.
    Title,
}

impl Sort {
    /// The ORDER BY after `pinned DESC`: each ends in the note's id, so a
    /// page boundary never depends on SQLite's whim, and the first two are
    /// those of the list's indexes (migration 9).
    fn order_by(self) -> &'static str {
        match self {
            Self::Edited => "n.updated_at DESC, n.id",
            Self::Created => "n.created_at DESC, n.id",
            Self::Title => "coalesce(i.title_key, ''), n.updated_at DESC, n.id",
        }
    }
}

/// What the list shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListOptions<'a> {
    /// Text the notes contain, matched literally (case ignored for ASCII);
    /// empty for every note. Word searches go to [`Store::search_notes`].
    pub query: &'a str,
    pub sort: Sort,
    /// Only the notes carrying this tag (lowercase, without its `#`).
    pub tag: Option<&'a str>,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for ch in query.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The notes outside the trash that `?1`/`?2` (a literal search) and `?4`
/// (a tag) let through.
const LISTED: &str = r"n.deleted_at IS NULL
    AND (?1 = '' OR n.id IN (SELECT note_id FROM lines WHERE text LIKE ?2 ESCAPE '\'))
    AND (?4 IS NULL OR n.id IN (SELECT note_id FROM note_tags WHERE tag = ?4))";

impl Store {
    /// Notes outside the trash whose text contains `query` (case-insensitive
    /// for ASCII; conflict copies count), pinned first, then newest first.
    pub fn list_notes(&mut self, query: &str) -> Result<Vec<NoteSummary>, StoreError> {
        Ok(self.list_notes_page(query, usize::MAX)?.notes)
    }

    /// The first `limit` of [`Store::list_notes`], and how many there are:
    /// a list of thousands is read, sent and drawn a page at a time.
    pub fn list_notes_page(&mut self, query: &str, limit: usize) -> Result<NotePage, StoreError> {
        self.list_page(
            &ListOptions {
                query,
                ..ListOptions::default()
            },
            limit,
        )
    }

    /// The first `limit` notes of the list `options` describe, and how many
    /// it has.
    pub fn list_page(
        &mut self,
        options: &ListOptions<'_>,
        limit: usize,
    ) -> Result<NotePage, StoreError> {
        // Tags and titles of notes not indexed yet (a sync just brought
        // them) are not known to the query: index them first.
        if options.tag.is_some() || options.sort == Sort::Title {
            self.index_pending(usize::MAX)?;
        }
        let query = options.query.trim();
        let pattern = like_pattern(query);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (mut notes, dirty): (Vec<_>, Vec<_>) = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {LIST_COLUMNS}
                 FROM notes n LEFT JOIN note_index i ON i.note_id = n.id
                 WHERE {LISTED}
                 ORDER BY n.pinned DESC, {}
                 LIMIT ?3",
                options.sort.order_by()
            ))?
            .query_map(params![query, pattern, limit, options.tag], listed_from_row)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        self.refresh_titles(&mut notes, &dirty)?;
        let total = if notes.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            notes.len()
        } else {
            let n: i64 = self
                .conn()
                .prepare_cached(&format!("SELECT count(*) FROM notes n WHERE {LISTED}"))?
                .query_row(params![query, pattern, None::<i64>, options.tag], |r| {
                    r.get(0)
                })?;
            usize::try_from(n).unwrap_or(0)
        };
        Ok(NotePage { notes, total })
    }

    /// Pins a note (it heads the list on every device) or unpins it, without
    /// counting as an edit. Returns `false` if there is no such note.
    pub fn set_pinned(&mut self, id: &str, pinned: bool) -> Result<bool, StoreError> {
        let found =
            self.conn()
                .query_row("SELECT count(*) > 0 FROM notes WHERE id = ?1", [id], |r| {
                    r.get::<_, bool>(0)
                })?;
        if found {
            // Unchanged values are not written: a write is a change to sync.
            self.conn().execute(
                "UPDATE notes SET pinned = ?2 WHERE id = ?1 AND pinned != ?2",
                params![id, i64::from(pinned)],
            )?;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ids(s: &mut Store, options: ListOptions<'_>) -> Vec<String> {
        let page = s.list_page(&options, usize::MAX).unwrap();
        page.notes.into_iter().map(|n| n.id).collect()
    }

    fn sorted(sort: Sort) -> ListOptions<'static> {
        ListOptions {
            sort,
            ..ListOptions::default()
        }
    }

    #[test]
    fn pinned_notes_head_the_list_in_every_order() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "banana", 1).unwrap();
        s.save_note("b", "Apple", 2).unwrap();
        s.save_note("c", "cherry", 3).unwrap();
        s.save_note("a", "banana, edited last", 9).unwrap();

        assert_eq!(ids(&mut s, sorted(Sort::Edited)), ["a", "c", "b"]);
        assert_eq!(ids(&mut s, sorted(Sort::Created)), ["c", "b", "a"]);
        assert_eq!(ids(&mut s, sorted(Sort::Title)), ["b", "a", "c"]);

        assert!(s.set_pinned("c", true).unwrap());
        assert!(!s.set_pinned("nope", true).unwrap());
        assert_eq!(ids(&mut s, sorted(Sort::Edited)), ["c", "a", "b"]);
        assert_eq!(ids(&mut s, sorted(Sort::Title)), ["c", "b", "a"]);
        assert!(s.get_note("c").unwrap().unwrap().pinned);
        assert_eq!(
            s.get_note("c").unwrap().unwrap().updated_at,
            3,
            "a pin is not an edit"
        );

        s.set_pinned("c", false).unwrap();
        assert_eq!(ids(&mut s, sorted(Sort::Edited)), ["a", "c", "b"]);
    }

    #[test]
    fn pinning_again_writes_nothing() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "x", 1).unwrap();
        s.set_pinned("a", true).unwrap();
        let v = s.db_version().unwrap();
        s.set_pinned("a", true).unwrap();
        assert_eq!(s.db_version().unwrap(), v);
    }

    #[test]
    fn a_tag_filters_the_list_and_counts_its_notes() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Trip #travel", 1).unwrap();
        s.save_note("b", "Budget #money", 2).unwrap();
        s.save_note("c", "Flights #Travel #money", 3).unwrap();
        let tagged = |tag| ListOptions {
            tag: Some(tag),
            ..ListOptions::default()
        };
        assert_eq!(ids(&mut s, tagged("travel")), ["c", "a"]);
        assert_eq!(ids(&mut s, tagged("money")), ["c", "b"]);
        assert!(ids(&mut s, tagged("none")).is_empty());
        let page = s.list_page(&tagged("travel"), 1).unwrap();
        assert_eq!((page.notes.len(), page.total), (1, 2));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod plan {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The query plan of the list's page in `sort` (EXPLAIN is left out of
    /// the browser's SQLite).
    fn plan(s: &Store, sort: Sort) -> String {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT {LIST_COLUMNS}
             FROM notes n LEFT JOIN note_index i ON i.note_id = n.id
             WHERE {LISTED} ORDER BY n.pinned DESC, {} LIMIT ?3",
            sort.order_by()
        );
        let mut stmt = s.conn().prepare(&sql).unwrap();
        let rows = stmt
            .query_map(params!["", "%%", 200, None::<String>], |r| {
                r.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_page_of_the_list_by_date_is_read_in_index_order_without_sorting() {
        let s = Store::open_in_memory().unwrap();
        for (sort, index) in [
            (Sort::Edited, "notes_listed_by_updated"),
            (Sort::Created, "notes_listed_by_created"),
        ] {
            let plan = plan(&s, sort);
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
}
