//! Schema 2's data step: every note's `body` becomes rows of `lines`.
//!
//! Each replica migrates on its own, so the rows must come out identical
//! everywhere a note was identical: ids, positions and times are derived from
//! the note alone (never random, never the clock). When two migrated replicas
//! sync, their rows are equal values and merge to nothing.

use rusqlite::{Transaction, params};

use super::diff::split_lines;
use super::order;

pub(crate) fn bodies_to_lines(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let notes: Vec<(String, String, i64)> = tx
        .prepare("SELECT id, body, updated_at FROM notes")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut insert = tx.prepare(
        "INSERT INTO lines (note_id, pos, lineage, edited_at, id, text)
         VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
    )?;
    for (note_id, body, updated_at) in &notes {
        let texts = split_lines(body);
        let keys = order::keys_between(None, None, texts.len());
        for (i, (text, pos)) in texts.iter().zip(&keys).enumerate() {
            let id = format!("v2:{note_id}:{i}");
            insert.execute(params![note_id, pos, id, updated_at, text])?;
        }
    }
    drop(insert);
    tx.execute_batch(
        "SELECT crsql_begin_alter('notes');
         ALTER TABLE notes DROP COLUMN body;
         SELECT crsql_commit_alter('notes');",
    )
}
