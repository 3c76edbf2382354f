//! Earlier versions of a note. Before an edit replaces the text, that text is
//! kept as a version, at most once per [`SNAPSHOT_EVERY_MS`] of editing, so
//! history holds the note as it was before each burst of work. Versions are
//! rows of a CRR, so every device has the same history.

use rusqlite::{OptionalExtension, Transaction, params};

use super::lines::View;
use super::title_of;
use crate::{Store, StoreError};

/// At most one version per this much editing.
pub const SNAPSHOT_EVERY_MS: i64 = 5 * 60 * 1000;
/// Versions kept per note; older ones are dropped as new ones arrive.
pub const KEEP_VERSIONS: i64 = 50;

/// One entry of a note's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub id: String,
    /// When the note last had this text (milliseconds since the Unix epoch).
    pub saved_at: i64,
    pub title: String,
    pub line_count: usize,
}

/// A version in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: String,
    pub note_id: String,
    pub saved_at: i64,
    pub body: String,
}

/// A version's id, the same on every device that keeps the same text of the
/// same note saved at the same time: two devices editing a synced note each
/// keep the text they started from, and those merge into one version.
fn version_id(note_id: &str, saved_at: i64, body: &str) -> String {
    let hash = super::fnv1a(0xcbf2_9ce4_8422_2325, body);
    format!("{note_id}/{saved_at}/{hash:016x}")
}

/// Keeps the text `view` shows (last saved at `updated_at`) before an edit
/// replaces it, unless a version was kept less than [`SNAPSHOT_EVERY_MS`]
/// ago or history already ends with this text.
pub(crate) fn snapshot_before_edit(
    tx: &Transaction<'_>,
    note_id: &str,
    view: &View,
    updated_at: i64,
    now_ms: i64,
    force: bool,
) -> rusqlite::Result<()> {
    if view.shown.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT saved_at, id FROM note_versions WHERE note_id = ?1
             ORDER BY saved_at DESC, id DESC LIMIT 1",
        )?
        .query_row([note_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((saved_at, _)) = &last
        && !force
        && now_ms - saved_at < SNAPSHOT_EVERY_MS
    {
        return Ok(());
    }
    let body = view.body();
    if let Some((_, id)) = &last {
        let last_body: String =
            tx.query_row("SELECT body FROM note_versions WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        if last_body == body {
            return Ok(());
        }
    }
    let id = version_id(note_id, updated_at, &body);
    tx.prepare_cached(
        "INSERT INTO note_versions (id, note_id, saved_at, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id, note_id, updated_at, body])?;
    tx.prepare_cached(
        "DELETE FROM note_versions WHERE note_id = ?1 AND id NOT IN (
             SELECT id FROM note_versions WHERE note_id = ?1
             ORDER BY saved_at DESC, id DESC LIMIT ?2)",
    )?
    .execute(params![note_id, KEEP_VERSIONS])?;
    Ok(())
}

/// Adds a version kept elsewhere (an import of an export) to `note_id`'s
/// history, unless one with its id (the same text saved at the same time)
/// is here already.
pub(crate) fn import_version_in(
    tx: &Transaction<'_>,
    note_id: &str,
    version: &Version,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO note_versions (id, note_id, saved_at, body)
         SELECT ?1, ?2, ?3, ?4
         WHERE NOT EXISTS (SELECT 1 FROM note_versions WHERE id = ?1)",
    )?
    .execute(params![version.id, note_id, version.saved_at, version.body])?;
    Ok(())
}

impl Store {
    /// A note's earlier versions, newest first.
    pub fn history(&self, note_id: &str) -> Result<Vec<VersionSummary>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, saved_at, body FROM note_versions WHERE note_id = ?1
             ORDER BY saved_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([note_id], |r| {
            let body: String = r.get(2)?;
            Ok(VersionSummary {
                id: r.get(0)?,
                saved_at: r.get(1)?,
                title: title_of(&body),
                line_count: if body.is_empty() {
                    0
                } else {
                    body.split('\n').count()
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn get_version(&self, version_id: &str) -> Result<Option<Version>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id, note_id, saved_at, body FROM note_versions WHERE id = ?1")?
            .query_row([version_id], |r| {
                Ok(Version {
                    id: r.get(0)?,
                    note_id: r.get(1)?,
                    saved_at: r.get(2)?,
                    body: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Makes a version the note's text again. The text it replaces is kept
    /// in history first, so a restore can itself be undone. Only lines that
    /// differ are written, so it merges with edits made elsewhere like any
    /// other edit. Returns `false` if there is no such version of that note.
    pub fn restore_version(
        &mut self,
        note_id: &str,
        version_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let Some(version) = self.get_version(version_id)? else {
            return Ok(false);
        };
        if version.note_id != note_id {
            return Ok(false);
        }
        self.save(note_id, &version.body, now_ms, true)?;
        Ok(true)
    }
}
