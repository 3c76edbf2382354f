//! Google Keep in Google Takeout: one JSON file per note (`Takeout/Keep/`),
//! with `title`, `textContent` or a checklist (`listContent`), labels,
//! times in microseconds, and attachments (not imported: named as left out).

use serde::Deserialize;

use super::Foreign;

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    text: String,
    #[serde(default)]
    is_checked: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    #[serde(default)]
    file_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    #[serde(default)]
    title: String,
    text_content: Option<String>,
    list_content: Option<Vec<Item>>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    is_trashed: bool,
    #[serde(default)]
    is_pinned: bool,
    user_edited_timestamp_usec: Option<i64>,
    created_timestamp_usec: Option<i64>,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

/// The note of one Keep file and the names of its attachments, or `None`
/// if `bytes` is not a Keep note.
pub(crate) fn read(bytes: &[u8]) -> Option<(Foreign, Vec<String>)> {
    let note: Note = serde_json::from_slice(bytes).ok()?;
    if note.text_content.is_none() && note.list_content.is_none() {
        return None;
    }
    let mut lines: Vec<String> = Vec::new();
    if !note.title.trim().is_empty() {
        lines.push(note.title.trim().to_owned());
    }
    if let Some(text) = note.text_content.filter(|t| !t.is_empty()) {
        lines.push(text);
    }
    for item in note.list_content.unwrap_or_default() {
        let mark = if item.is_checked { "x" } else { " " };
        lines.push(format!("- [{mark}] {}", item.text));
    }
    let attachments = note.attachments.into_iter().map(|a| a.file_path).collect();
    Some((
        Foreign {
            body: lines.join("\n"),
            tags: note.labels.into_iter().map(|l| l.name).collect(),
            created: note.created_timestamp_usec.map(|us| us / 1000),
            updated: note.user_edited_timestamp_usec.map(|us| us / 1000),
            trashed: note.is_trashed,
            pinned: note.is_pinned,
        },
        attachments,
    ))
}
