//! Full-text search over the notes (SQLite FTS5, the local `note_search`
//! table that `index.rs` keeps): every word of a query anywhere in a note,
//! in any order, ignoring case and accents; the last word as typed so far is
//! a prefix; "quoted words" match as a phrase. Ranked by bm25, the title
//! weighing ten times the text, with a snippet around the matches.

use rusqlite::params;

use super::{LIST_COLUMNS, NoteSummary, listed_from_row};
use crate::{Store, StoreError};

/// Marks the start and end of a match in a [`SearchHit::snippet`]: private
/// use characters, which a note's text does not hold in practice and which
/// the app turns into highlighting (never into markup).
pub const MATCH_START: char = '\u{E000}';
pub const MATCH_END: char = '\u{E001}';

/// How much text a snippet shows around the matches, in words.
const SNIPPET_WORDS: i64 = 12;
/// A title match counts this many times a match in the text.
const TITLE_WEIGHT: f64 = 10.0;

/// A note found, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub note: NoteSummary,
    /// The text around the best matches, each between [`MATCH_START`] and
    /// [`MATCH_END`].
    pub snippet: String,
}

/// The best hits of a search, and how many notes match in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub total: usize,
}

/// The FTS5 query for what a user typed, or `None` if it holds no word.
/// Every word and phrase is quoted, so no input is read as FTS5 syntax
/// (`AND`, `NEAR`, `-`, `:` and `*` are just characters to search for).
pub fn fts_query(typed: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_phrase = false;
    let mut last_open = false;
    let push = |current: &mut String, terms: &mut Vec<String>| {
        if current.chars().any(char::is_alphanumeric) {
            terms.push(format!("\"{}\"", current.replace('"', "\"\"")));
        }
        current.clear();
    };
    for c in typed.chars() {
        match c {
            '"' => {
                push(&mut current, &mut terms);
                in_phrase = !in_phrase;
                last_open = false;
            }
            c if c.is_whitespace() && !in_phrase => {
                push(&mut current, &mut terms);
                last_open = false;
            }
            c => {
                current.push(c);
                last_open = !in_phrase;
            }
        }
    }
    let typing = last_open && current.chars().any(char::is_alphanumeric);
    push(&mut current, &mut terms);
    if typing && let Some(last) = terms.last_mut() {
        // The word being typed: "caf" finds "café".
        last.push('*');
    }
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The best `?3` matches of `?1` outside the trash (`?2` is not used),
/// ranked on the index
/// alone: every match's rank, then as many more as the trash holds, and
/// only those few are looked up to leave the trashed ones out. Joining
/// every match to its note first doubled the time of a 3-letter prefix
/// that matches most notes (natively 9.5 ms against 3.7 ms over 10,000).
/// The columns and the snippet are made for the page shown only.
const OUTSIDE_TRASH: &str = "WITH top (rid, score) AS MATERIALIZED (
        SELECT rowid, bm25(note_search, ?7, 1.0) FROM note_search
        WHERE note_search MATCH ?1
        ORDER BY 2
        LIMIT ?3 + (SELECT count(*) FROM notes WHERE deleted_at IS NOT NULL))
    SELECT {LIST_COLUMNS}, snippet(note_search, 1, ?4, ?5, '…', ?6)
    FROM top
    JOIN note_search ON note_search.rowid = top.rid
    JOIN note_index i ON i.rowid = top.rid
    JOIN notes n ON n.id = i.note_id
    WHERE note_search MATCH ?1 AND n.deleted_at IS NULL
    ORDER BY top.score, n.updated_at DESC
    LIMIT ?3";

/// How many notes outside the trash match `?1`: all matches, less the
/// trashed ones (looked up from the trash's few notes).
const COUNT_OUTSIDE_TRASH: &str = "SELECT
        (SELECT count(*) FROM note_search WHERE note_search MATCH ?1)
      - (SELECT count(*) FROM notes n
         CROSS JOIN note_index i CROSS JOIN note_search s
         WHERE n.deleted_at IS NOT NULL AND i.note_id = n.id AND s.rowid = i.rowid
           AND note_search MATCH ?1)";

/// The best `?3` matches of `?1` in the trash (`?2`) or outside it, among
/// the notes tagged `?8` if it is not NULL: the notes a match belongs to
/// are read for every match (the trash, or a tag, holds few).
const FILTERED: &str = "WITH top (rid, score, updated) AS MATERIALIZED (
        SELECT s.rowid, bm25(note_search, ?7, 1.0), n.updated_at
        FROM note_search s
        JOIN note_index i ON i.rowid = s.rowid
        JOIN notes n ON n.id = i.note_id
        WHERE note_search MATCH ?1 AND (n.deleted_at IS NOT NULL) = ?2
          AND (?8 IS NULL OR n.id IN (SELECT note_id FROM note_tags WHERE tag = ?8))
        ORDER BY 2, 3 DESC
        LIMIT ?3)
    SELECT {LIST_COLUMNS}, snippet(note_search, 1, ?4, ?5, '…', ?6)
    FROM top
    JOIN note_search ON note_search.rowid = top.rid
    JOIN note_index i ON i.rowid = top.rid
    JOIN notes n ON n.id = i.note_id
    WHERE note_search MATCH ?1
    ORDER BY top.score, top.updated DESC";

const COUNT_FILTERED: &str = "SELECT count(*) FROM note_search s
    JOIN note_index i ON i.rowid = s.rowid
    JOIN notes n ON n.id = i.note_id
    WHERE note_search MATCH ?1 AND (n.deleted_at IS NOT NULL) = ?2
      AND (?3 IS NULL OR n.id IN (SELECT note_id FROM note_tags WHERE tag = ?3))";

impl Store {
    /// The `limit` best notes matching `typed`, in the trash or outside it.
    /// Notes changed since they were indexed are indexed first.
    pub fn search_notes(
        &mut self,
        typed: &str,
        in_trash: bool,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        self.search_tagged(typed, in_trash, None, limit)
    }

    /// [`Store::search_notes`] among the notes carrying `tag` (any, if
    /// `None`).
    pub fn search_tagged(
        &mut self,
        typed: &str,
        in_trash: bool,
        tag: Option<&str>,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        let Some(query) = fts_query(typed) else {
            return Ok(SearchPage {
                hits: Vec::new(),
                total: 0,
            });
        };
        self.index_pending(usize::MAX)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let fast = !in_trash && tag.is_none();
        let snippet = (MATCH_START.to_string(), MATCH_END.to_string());
        let hit = |r: &rusqlite::Row<'_>| {
            Ok(SearchHit {
                note: listed_from_row(r)?.0,
                snippet: r.get(8)?,
            })
        };
        let args = params![
            query,
            in_trash,
            limit,
            snippet.0,
            snippet.1,
            SNIPPET_WORDS,
            TITLE_WEIGHT,
            tag
        ];
        // The query outside the trash has no tag (`?8`): the first seven.
        let (sql, args) = if fast {
            (OUTSIDE_TRASH, &args[..7])
        } else {
            (FILTERED, args)
        };
        let hits = self
            .conn()
            .prepare_cached(&sql.replace("{LIST_COLUMNS}", LIST_COLUMNS))?
            .query_map(args, hit)?
            .collect::<Result<Vec<_>, _>>()?;
        let total = if hits.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            hits.len()
        } else {
            let n: i64 = if fast {
                self.conn()
                    .prepare_cached(COUNT_OUTSIDE_TRASH)?
                    .query_row([&query], |r| r.get(0))?
            } else {
                self.conn()
                    .prepare_cached(COUNT_FILTERED)?
                    .query_row(params![query, in_trash, tag], |r| r.get(0))?
            };
            usize::try_from(n).unwrap_or(0)
        };
        Ok(SearchPage { hits, total })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn what_is_typed_becomes_quoted_terms_and_the_last_word_a_prefix() {
        assert_eq!(fts_query("cafe"), Some("\"cafe\"*".into()));
        assert_eq!(fts_query("cafe "), Some("\"cafe\"".into()));
        assert_eq!(fts_query("red  car"), Some("\"red\" \"car\"*".into()));
        assert_eq!(
            fts_query("\"red car\" fast"),
            Some("\"red car\" \"fast\"*".into())
        );
        assert_eq!(fts_query("\"red car\""), Some("\"red car\"".into()));
        // FTS5's own syntax is searched for, never obeyed.
        assert_eq!(
            fts_query("a AND b NEAR(c) -d x:y *"),
            Some("\"a\" \"AND\" \"b\" \"NEAR(c)\" \"-d\" \"x:y\"".into())
        );
        assert_eq!(fts_query("   "), None);
        assert_eq!(fts_query("\"\" - !!"), None);
    }

    fn titles(page: &SearchPage) -> Vec<&str> {
        page.hits.iter().map(|h| h.note.title.as_str()).collect()
    }

    #[test]
    fn words_match_anywhere_in_any_order_ignoring_case_and_accents() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Café crème\nmet Zoë at the CAFÉ", 1)
            .unwrap();
        s.save_note("b", "Groceries\nbutter\ncream and coffee", 2)
            .unwrap();
        s.save_note("c", "Coffee\ntasting notes", 3).unwrap();
        assert_eq!(
            titles(&s.search_notes("cafe", false, 10).unwrap()),
            ["Café crème"]
        );
        assert_eq!(
            titles(&s.search_notes("zoe CREME", false, 10).unwrap()),
            ["Café crème"]
        );
        // Words on different lines, in another order.
        assert_eq!(
            titles(&s.search_notes("coffee butter", false, 10).unwrap()),
            ["Groceries"]
        );
        // The word being typed is a prefix; a title match ranks first.
        assert_eq!(
            titles(&s.search_notes("coff", false, 10).unwrap()),
            ["Coffee", "Groceries"]
        );
        // A phrase matches only as a phrase.
        assert_eq!(
            titles(&s.search_notes("\"and coffee\"", false, 10).unwrap()),
            ["Groceries"]
        );
        assert!(
            s.search_notes("\"coffee and\"", false, 10)
                .unwrap()
                .hits
                .is_empty()
        );
        let hit = &s.search_notes("butter", false, 10).unwrap().hits[0];
        assert!(
            hit.snippet
                .contains(&format!("{MATCH_START}butter{MATCH_END}")),
            "{}",
            hit.snippet
        );
    }

    #[test]
    fn edits_trash_and_conflict_copies_are_searched_where_they_belong() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Plans\nvisit the lighthouse", 1).unwrap();
        s.save_note("a", "Plans\nvisit the harbour", 2).unwrap();
        assert!(
            s.search_notes("lighthouse", false, 10)
                .unwrap()
                .hits
                .is_empty()
        );
        assert_eq!(s.search_notes("harbour", false, 10).unwrap().total, 1);
        s.delete_note("a", 3).unwrap();
        assert!(
            s.search_notes("harbour", false, 10)
                .unwrap()
                .hits
                .is_empty()
        );
        assert_eq!(
            titles(&s.search_notes("harbour", true, 10).unwrap()),
            ["Plans"]
        );
        s.delete_forever("a").unwrap();
        assert!(s.search_notes("harbour", true, 10).unwrap().hits.is_empty());
    }

    #[test]
    fn a_batch_at_a_time_indexes_what_changed_and_says_what_is_left() {
        let mut s = Store::open_in_memory().unwrap();
        for i in 0..25 {
            s.save_note(&format!("n{i}"), &format!("Note {i}\nneedle {i}"), i)
                .unwrap();
        }
        assert_eq!(s.index_pending(10).unwrap(), 15);
        assert_eq!(s.index_pending(10).unwrap(), 5);
        assert_eq!(s.index_pending(10).unwrap(), 0);
        let page = s.search_notes("needle", false, 5).unwrap();
        assert_eq!((page.hits.len(), page.total), (5, 25));
    }

    #[test]
    fn a_search_within_a_tag_finds_only_its_notes() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Harbour walk\n#travel", 1).unwrap();
        s.save_note("b", "Harbour fees\n#money", 2).unwrap();
        let page = s
            .search_tagged("harbour", false, Some("travel"), 10)
            .unwrap();
        assert_eq!((titles(&page), page.total), (vec!["Harbour walk"], 1));
        assert_eq!(
            s.search_tagged("harbour", false, None, 10).unwrap().total,
            2
        );
    }

    #[test]
    fn a_note_deleted_for_good_leaves_nothing_in_the_indexes() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Harbour #travel", 1).unwrap();
        s.index_pending(usize::MAX).unwrap();
        s.delete_note("a", 2).unwrap();
        assert!(s.delete_forever("a").unwrap());
        s.index_pending(usize::MAX).unwrap();
        let count = |sql: &str| s.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM note_search"), 0);
        assert_eq!(count("SELECT count(*) FROM note_tags"), 0);
        assert_eq!(count("SELECT count(*) FROM note_index"), 0);
    }

    #[test]
    fn trashed_best_matches_leave_a_full_page_and_a_true_count() {
        let mut s = Store::open_in_memory().unwrap();
        for i in 0..6 {
            // The trashed ones match best (the word in their titles).
            let text = if i < 3 {
                "Needle\nneedle"
            } else {
                "Hay\nneedle in hay"
            };
            s.save_note(&format!("n{i}"), text, i).unwrap();
        }
        for i in 0..3 {
            s.delete_note(&format!("n{i}"), 10).unwrap();
        }
        let page = s.search_notes("needle", false, 2).unwrap();
        assert_eq!((page.hits.len(), page.total), (2, 3));
        assert!(page.hits.iter().all(|h| h.note.deleted_at.is_none()));
        let trashed = s.search_notes("needle", true, 2).unwrap();
        assert_eq!((trashed.hits.len(), trashed.total), (2, 3));
    }
}
