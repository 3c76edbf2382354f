//! A note's text as rows of `lines`: one row per version of a line.
//!
//! Editing a line deletes its row and inserts a new one with the same
//! `lineage` (the line's identity) and position. Rows only ever appear and
//! disappear, so merging is set union minus deletions, which cr-sqlite does
//! exactly: two devices that edit the same line each leave a live row of that
//! lineage, and neither is lost. The newest (by `edited_at`, then id) is the
//! line shown; the others are the note's conflict copies until the user keeps
//! or dismisses them. A line removed while it has conflict copies gets a
//! "removed" marker (a version with NULL text) as its newest version: nothing
//! is shown there, and the copies stay listed.

use rusqlite::{Connection, params};

/// One stored version of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: String,
    pub lineage: String,
    pub pos: String,
    pub text: String,
    pub edited_at: i64,
    pub removed: bool,
}

/// A version of a line that lost to a concurrent edit of the same line on
/// another device, kept so that the user can choose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The id of this version's row; give it to `keep_line_version` or
    /// `dismiss_line_version`.
    pub line_id: String,
    pub text: String,
    /// What the line shows instead; `None` if the line was removed.
    pub current: Option<String>,
    /// 1-based line number of the line (where it would be, if removed).
    pub line_number: usize,
    pub edited_at: i64,
    /// The device that wrote this version, and the one that wrote the line
    /// shown, by the names they gave themselves (see `Store::set_device_name`).
    pub by: Option<crate::devices::Device>,
    pub current_by: Option<crate::devices::Device>,
}

/// Where a conflict copy belongs: a shown line, or the place of a removed one
/// (the number of shown lines before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Shown(usize),
    Removed(usize),
}

/// The rows of a note, arranged: the lines shown, in order, and the versions
/// that lost.
pub(crate) struct View {
    pub rows: Vec<Row>,
    /// Indexes into `rows`, in note order.
    pub shown: Vec<usize>,
    /// Conflict copies: `(index into rows, what it belongs to)`.
    pub losers: Vec<(usize, Anchor)>,
}

impl View {
    pub fn shown_text(&self, k: usize) -> &str {
        &self.rows[self.shown[k]].text
    }

    pub fn shown_row(&self, k: usize) -> &Row {
        &self.rows[self.shown[k]]
    }

    /// The length of [`View::body`], without building it.
    pub fn body_len(&self) -> usize {
        let texts: usize = (0..self.shown.len())
            .map(|k| self.shown_text(k).len())
            .sum();
        texts + self.shown.len().saturating_sub(1)
    }

    pub fn body(&self) -> String {
        let texts: Vec<&str> = (0..self.shown.len()).map(|k| self.shown_text(k)).collect();
        texts.join("\n")
    }

    pub fn conflicts(&self) -> Vec<Conflict> {
        self.losers
            .iter()
            .map(|&(loser, anchor)| {
                let row = &self.rows[loser];
                let (current, line_number) = match anchor {
                    Anchor::Shown(k) => (Some(self.shown_text(k).to_owned()), k + 1),
                    Anchor::Removed(before) => (None, before + 1),
                };
                Conflict {
                    line_id: row.id.clone(),
                    text: row.text.clone(),
                    current,
                    line_number,
                    edited_at: row.edited_at,
                    by: None,
                    current_by: None,
                }
            })
            .collect()
    }

    /// For each of [`View::conflicts`], the id of the row shown in its place
    /// (none where the line was removed).
    pub fn shown_ids_of_conflicts(&self) -> Vec<Option<&str>> {
        self.losers
            .iter()
            .map(|&(_, anchor)| match anchor {
                Anchor::Shown(k) => Some(self.shown_row(k).id.as_str()),
                Anchor::Removed(_) => None,
            })
            .collect()
    }

    /// Whether shown line `k` has conflict copies.
    pub fn has_copies(&self, k: usize) -> bool {
        self.losers.iter().any(|&(_, a)| a == Anchor::Shown(k))
    }

    /// The largest `edited_at` in the lineage of shown line `k`: a new
    /// version must be newer than all of them to be the one shown, even when
    /// this device's clock is behind.
    pub fn newest_in_lineage(&self, k: usize) -> i64 {
        let lineage = &self.shown_row(k).lineage;
        self.rows
            .iter()
            .filter(|r| &r.lineage == lineage)
            .map(|r| r.edited_at)
            .max()
            .unwrap_or(0)
    }
}

pub(crate) fn load(conn: &Connection, note_id: &str) -> rusqlite::Result<Vec<Row>> {
    // The primary key's order: no sort needed.
    let mut stmt = conn.prepare_cached(
        "SELECT id, lineage, pos, text, edited_at FROM lines WHERE note_id = ?1
         ORDER BY pos, lineage, edited_at, id",
    )?;
    let rows = stmt.query_map(params![note_id], |r| {
        let text: Option<String> = r.get(3)?;
        Ok(Row {
            id: r.get(0)?,
            lineage: r.get(1)?,
            pos: r.get(2)?,
            removed: text.is_none(),
            text: text.unwrap_or_default(),
            edited_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Sorts rows as `load` returns them: by position, lineage, oldest first.
pub(crate) fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        (
            a.pos.as_str(),
            a.lineage.as_str(),
            a.edited_at,
            a.id.as_str(),
        )
            .cmp(&(
                b.pos.as_str(),
                b.lineage.as_str(),
                b.edited_at,
                b.id.as_str(),
            ))
    });
}

/// Arranges rows sorted as `load` returns them. Versions of one line share
/// its position (edits copy it), so each lineage is one run, newest last.
pub(crate) fn view(rows: Vec<Row>) -> View {
    let mut shown = Vec::with_capacity(rows.len());
    let mut losers = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let lineage = &rows[start].lineage;
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| &r.lineage == lineage)
                .count();
        let newest = end - 1;
        let anchor = if rows[newest].removed {
            Anchor::Removed(shown.len())
        } else {
            shown.push(newest);
            Anchor::Shown(shown.len() - 1)
        };
        losers.extend(
            (start..newest)
                .filter(|&i| !rows[i].removed)
                .map(|i| (i, anchor)),
        );
        start = end;
    }
    View {
        rows,
        shown,
        losers,
    }
}
