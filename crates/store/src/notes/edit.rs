//! Saving a note's text: diff it against the lines shown and write only the
//! rows that changed, in one transaction.

use rusqlite::{OptionalExtension, Transaction, params};

use super::diff::{Plan, plan, plan_within, split_lines};
use super::lines::{self, Row, View};
use super::{cache, history, order};
use crate::{Store, StoreError};
use notetext::Splice;

/// Fresh row ids for one save: a random prefix from SQLite (seeded from the
/// OS, or `crypto.getRandomValues` in the browser) and a counter.
pub(crate) struct Ids {
    prefix: String,
    next: u32,
}

impl Ids {
    pub fn new(tx: &Transaction<'_>) -> rusqlite::Result<Self> {
        let prefix = tx.query_row("SELECT lower(hex(randomblob(12)))", [], |r| r.get(0))?;
        Ok(Self { prefix, next: 0 })
    }

    /// Ids that every replica makes alike for `note_id`: for a note that
    /// arrives whole from elsewhere (an import), so that two replicas
    /// importing the same note before they sync write the same rows.
    pub fn seeded(note_id: &str) -> Self {
        // Two bases: 96 bits of the id's hash in the prefix.
        let a = super::fnv1a(0xcbf2_9ce4_8422_2325, note_id);
        let b = super::fnv1a(0x8422_2325_cbf2_9ce4, note_id);
        Self {
            prefix: format!("{a:016x}{:08x}", b >> 32),
            next: 0,
        }
    }

    pub fn next(&mut self) -> String {
        self.next += 1;
        // Zero-padded, so that ids of one save sort in the order made.
        format!("{}{:08x}", self.prefix, self.next)
    }
}

fn write_row(tx: &Transaction<'_>, note_id: &str, row: &Row) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO lines (note_id, pos, lineage, edited_at, id, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        note_id,
        row.pos,
        row.lineage,
        row.edited_at,
        row.id,
        (!row.removed).then_some(&row.text)
    ])?;
    Ok(())
}

fn delete_row(tx: &Transaction<'_>, note_id: &str, row: &Row) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "DELETE FROM lines
         WHERE note_id = ?1 AND pos = ?2 AND lineage = ?3 AND edited_at = ?4 AND id = ?5",
    )?
    .execute(params![
        note_id,
        row.pos,
        row.lineage,
        row.edited_at,
        row.id
    ])?;
    Ok(())
}

fn row(id: String, pos: &str, lineage: String, text: &str, edited_at: i64) -> Row {
    Row {
        id,
        lineage,
        pos: pos.to_owned(),
        text: text.to_owned(),
        edited_at,
        removed: false,
    }
}

/// Writes a note this replica does not hold, as every replica writes it
/// from the same id, text and time (see [`Ids::seeded`]): the same note
/// imported on two devices before they sync merges into one text instead of
/// holding its lines twice.
pub(crate) fn write_new_note(
    tx: &Transaction<'_>,
    note_id: &str,
    lines: &[&str],
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO notes (id, created_at, updated_at) VALUES (?1, ?2, ?2)
         ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute(params![note_id, now_ms])?;
    let mut ids = Ids::seeded(note_id);
    let keys = order::keys_between(None, None, lines.len());
    for (text, pos) in lines.iter().zip(&keys) {
        let id = ids.next();
        write_row(tx, note_id, &row(id.clone(), pos, id, text, now_ms))?;
    }
    Ok(())
}

/// Writes `plan` (made against `view`) as row changes; returns the rows
/// written and the indexes (into `view.rows`) of the rows deleted.
fn apply(
    tx: &Transaction<'_>,
    note_id: &str,
    view: &View,
    plan: &Plan<'_>,
    now_ms: i64,
) -> rusqlite::Result<(Vec<Row>, Vec<usize>)> {
    let mut ids = Ids::new(tx)?;
    let mut added = Vec::new();
    let mut deleted = Vec::new();
    let mut insert_row = |tx: &Transaction<'_>, row: Row| -> rusqlite::Result<()> {
        write_row(tx, note_id, &row)?;
        added.push(row);
        Ok(())
    };
    for &(k, text) in &plan.edits {
        let old = view.shown_row(k);
        let edited_at = now_ms.max(view.newest_in_lineage(k) + 1);
        delete_row(tx, note_id, old)?;
        deleted.push(view.shown[k]);
        insert_row(
            tx,
            row(ids.next(), &old.pos, old.lineage.clone(), text, edited_at),
        )?;
    }
    for &k in &plan.removals {
        let old = view.shown_row(k);
        delete_row(tx, note_id, old)?;
        deleted.push(view.shown[k]);
        if view.has_copies(k) {
            // The copies were never in the editor, so the user has not
            // decided about them: they stay, listed, until kept or dismissed.
            let edited_at = now_ms.max(view.newest_in_lineage(k) + 1);
            let mut marker = row(ids.next(), &old.pos, old.lineage.clone(), "", edited_at);
            marker.removed = true;
            insert_row(tx, marker)?;
        }
    }
    for insert in &plan.inserts {
        let lo = insert.after.map(|k| view.shown_row(k));
        let hi = insert.before.map(|k| view.shown_row(k));
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo.pos >= hi.pos
        {
            // Two devices put lines at one place, so both got one position and
            // no key fits between them; lines at one position are ordered by
            // lineage, so the new lines get lineages between the two.
            let mut prev = lo.lineage.clone();
            for text in &insert.texts {
                let id = ids.next();
                let lineage = order::lineage_between(&prev, &hi.lineage, &id);
                prev.clone_from(&lineage);
                insert_row(tx, row(id, &lo.pos, lineage, text, now_ms))?;
            }
            continue;
        }
        let lo = lo.map(|r| r.pos.as_str());
        let hi = hi.map(|r| r.pos.as_str());
        let keys = order::keys_between(lo, hi, insert.texts.len());
        for (text, pos) in insert.texts.iter().zip(&keys) {
            let id = ids.next();
            insert_row(tx, row(id.clone(), pos, id, text, now_ms))?;
        }
    }
    Ok((added, deleted))
}

pub use notetext::MAX_NOTE_BYTES;

/// Refuses a save that would leave the note longer than [`MAX_NOTE_BYTES`],
/// unless it makes it no longer than it was (a note merged past the limit
/// can still be shortened).
pub(crate) fn check_length(before: usize, after: usize) -> Result<(), StoreError> {
    if after > MAX_NOTE_BYTES && after > before {
        return Err(StoreError::NoteTooLong {
            bytes: after,
            max: MAX_NOTE_BYTES,
        });
    }
    Ok(())
}

impl Store {
    /// Creates the note or replaces its text. Only lines that changed are
    /// written; saving the same text again writes nothing (no empty changes to
    /// sync). Idempotent, so a request retried after a lost answer does no
    /// harm. Returns the revision the note now has this text at (see
    /// [`Store::revision`]).
    pub fn save_note(&mut self, id: &str, body: &str, now_ms: i64) -> Result<i64, StoreError> {
        self.save(id, body, now_ms, false)
    }

    /// `save_note`; returns the revision after it.
    pub(crate) fn save(
        &mut self,
        id: &str,
        body: &str,
        now_ms: i64,
        force_snapshot: bool,
    ) -> Result<i64, StoreError> {
        let cached = self.take_cached();
        let tx = self.conn_mut().transaction()?;
        let view = cache::view(&tx, id, cached)?;
        if let Err(e) = check_length(view.body_len(), body.len()) {
            drop(tx);
            self.keep_view(id, view)?;
            return Err(e);
        }
        let view = save_in(
            &tx,
            id,
            NewText::Lines(&split_lines(body)),
            now_ms,
            force_snapshot,
            view,
        )?;
        tx.commit()?;
        Ok(self.keep_view(id, view)?)
    }

    /// Saves several notes in one transaction (one `db_version`): an import,
    /// or a test that needs one large local transaction.
    pub fn save_notes(&mut self, notes: &[(&str, &str)], now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        for (id, body) in notes {
            let view = lines::view(lines::load(&tx, id)?);
            save_in(
                &tx,
                id,
                NewText::Lines(&split_lines(body)),
                now_ms,
                false,
                view,
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// A note's new text: whole, as lines (`split_lines`), or as a splice of the
/// lines it replaces (checked to fit them).
pub(crate) enum NewText<'a> {
    Lines(&'a [&'a str]),
    Splice(Splice<'a>),
}

/// `save_note` inside a caller's transaction, given the note's current
/// lines; returns its lines after the save. `force_snapshot` keeps the text
/// being replaced in history whatever the time since the last snapshot.
pub(crate) fn save_in(
    tx: &Transaction<'_>,
    id: &str,
    new: NewText<'_>,
    now_ms: i64,
    force_snapshot: bool,
    view: View,
) -> rusqlite::Result<View> {
    let plan = match new {
        NewText::Lines(new) => {
            let old: Vec<&str> = (0..view.shown.len()).map(|k| view.shown_text(k)).collect();
            plan(&old, new)
        }
        NewText::Splice(splice) => {
            // Only the lines it replaces can differ.
            let old: Vec<&str> = (splice.from..splice.from + splice.removed)
                .map(|k| view.shown_text(k))
                .collect();
            let new: Vec<&str> = splice.inserted_lines().collect();
            plan_within(view.shown.len(), splice.from, &old, &new)
        }
    };
    let updated_at: Option<i64> = tx
        .prepare_cached("SELECT updated_at FROM notes WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if plan.is_empty() && updated_at.is_some() {
        return Ok(view);
    }
    if let Some(updated_at) = updated_at {
        history::snapshot_before_edit(tx, id, &view, updated_at, now_ms, force_snapshot)?;
    }
    tx.prepare_cached(
        "INSERT INTO notes (id, created_at, updated_at) VALUES (?1, ?2, ?2)
         ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute(params![id, now_ms])?;
    let (added, mut deleted) = apply(tx, id, &view, &plan, now_ms)?;
    if plan.removals.is_empty() && plan.inserts.is_empty() {
        // Typing: each new version has its line's position and lineage and is
        // the newest of it, so it takes the old version's place in the order
        // and the arrangement stays as it was.
        let edited: Vec<usize> = plan.edits.iter().map(|&(k, _)| k).collect();
        let mut view = view;
        for (k, row) in edited.into_iter().zip(added) {
            let i = view.shown[k];
            view.rows[i] = row;
        }
        return Ok(view);
    }
    deleted.sort_unstable();
    let mut rows: Vec<Row> = view
        .rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| deleted.binary_search(i).is_err())
        .map(|(_, r)| r)
        .chain(added)
        .collect();
    lines::sort(&mut rows);
    Ok(lines::view(rows))
}
