//! Simplenote's export (`notes.json` of its "Export notes" zip):
//! `activeNotes` and `trashedNotes`, each with `content`, ISO times, `tags`
//! and `pinned`.

use serde::Deserialize;

use super::Foreign;
use crate::time::parse_rfc3339;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    #[serde(default)]
    content: String,
    creation_date: Option<String>,
    last_modified: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    pinned: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    active_notes: Vec<Note>,
    #[serde(default)]
    trashed_notes: Vec<Note>,
}

/// The notes of a Simplenote export, or `None` if `bytes` is not one.
pub(crate) fn read(bytes: &[u8]) -> Option<Vec<Foreign>> {
    let export: Export = serde_json::from_slice(bytes).ok()?;
    let one = |n: Note, trashed: bool| Foreign {
        body: n.content,
        tags: n.tags,
        created: n.creation_date.as_deref().and_then(parse_rfc3339),
        updated: n.last_modified.as_deref().and_then(parse_rfc3339),
        trashed,
        pinned: n.pinned,
    };
    let mut notes: Vec<Foreign> = export
        .active_notes
        .into_iter()
        .map(|n| one(n, false))
        .collect();
    notes.extend(export.trashed_notes.into_iter().map(|n| one(n, true)));
    Some(notes)
}
