//! The lines of the note being edited, arranged, kept between saves. Reading 5,000 rows
//! back on every autosave would be most of its cost; a cached copy is valid
//! while `crsql_db_version()` has not moved, since any write to `lines` (a
//! CRR), here or merged from elsewhere, moves it.

use rusqlite::Connection;

use super::lines::{self, View};
use crate::Store;

pub(crate) struct LineCache {
    note_id: String,
    db_version: i64,
    view: View,
}

pub(crate) fn db_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT crsql_db_version()")?
        .query_row([], |r| r.get(0))
}

/// The note's lines: `cached` if it is this note's and still valid, else
/// read. The caller took the copy out of the store, so a failed save leaves
/// no stale one behind.
pub(crate) fn view(
    conn: &Connection,
    note_id: &str,
    cached: Option<LineCache>,
) -> rusqlite::Result<View> {
    if let Some(c) = cached
        && c.note_id == note_id
        && c.db_version == db_version(conn)?
    {
        return Ok(c.view);
    }
    Ok(lines::view(lines::load(conn, note_id)?))
}

impl LineCache {
    pub fn note_id(&self) -> &str {
        &self.note_id
    }
}

impl Store {
    /// Puts back a copy taken with `take_cached` and not used.
    pub(crate) fn put_back(&self, cache: LineCache) {
        *self.line_cache.borrow_mut() = Some(cache);
    }

    pub(crate) fn take_cached(&self) -> Option<LineCache> {
        self.line_cache.borrow_mut().take()
    }

    /// Keeps `view` as the note's lines at the current `db_version` (call
    /// after the transaction that wrote them committed); returns that
    /// `db_version`, the revision the note has these lines at.
    pub(crate) fn keep_view(&self, note_id: &str, view: View) -> rusqlite::Result<i64> {
        let db_version = db_version(self.conn())?;
        *self.line_cache.borrow_mut() = Some(LineCache {
            note_id: note_id.to_owned(),
            db_version,
            view,
        });
        Ok(db_version)
    }
}
