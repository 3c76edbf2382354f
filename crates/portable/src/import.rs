//! Notes into a replica from files: Markdown and text files (front matter
//! read where there is some), zips of them, and our own export (its
//! `notes.json` brings everything back, saved versions included). Each file
//! that is not brought in is named with the reason.
//!
//! Importing the same files twice adds nothing: a note keeps the id its
//! front matter or `notes.json` gives it, and a file without one gets an id
//! from a hash of its text, so an id already in the replica means the note
//! came in before and is left as it is (edits made since are kept).

use std::io::{Cursor, Read};

use notetext::{MAX_NOTE_BYTES, is_valid_id};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::export::{ExportedVersion, FORMAT, MANIFEST, Manifest};
use crate::{formats, frontmatter};

/// Why an attachment of another app's note is left out.
const ATTACHMENT: &str = "an attachment (a picture, recording or file); only text is imported";

/// The most files one zip may hold: an export of 10,000 notes holds 10,001.
const MAX_ZIP_ENTRIES: usize = 100_000;

/// A note read from a file, ready to save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incoming {
    pub id: String,
    pub body: String,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub pinned: bool,
    pub versions: Vec<ExportedVersion>,
}

/// A file left out, and why, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// Everything read from the files given.
#[derive(Debug, Default)]
pub struct Imported {
    pub notes: Vec<Incoming>,
    pub skipped: Vec<Skipped>,
}

/// What saving the notes did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Notes new to the replica.
    pub added: usize,
    /// Notes whose id the replica already holds (imported before).
    pub already_here: usize,
}

impl Imported {
    fn skip(&mut self, file: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            file: file.to_owned(),
            reason: reason.into(),
        });
    }

    /// Reads one file by its name's extension: `.md`, `.markdown`, `.txt`
    /// (a note each), `.zip` (each file inside), `.json` (our export,
    /// Simplenote, Google Keep), `.enex` (Evernote).
    pub fn read(&mut self, name: &str, bytes: &[u8]) {
        self.read_dated(name, bytes, None);
    }

    /// [`Imported::read`] of a file last modified at `modified_ms`: the time
    /// of a note whose file says none. (Two devices importing the same file
    /// then make the same note, which merges into one; see
    /// `Store::import_new_notes`.)
    pub fn read_dated(&mut self, name: &str, bytes: &[u8], modified_ms: Option<i64>) {
        let lower = name.to_lowercase();
        if lower.ends_with(".zip") {
            self.read_zip(name, bytes);
        } else if lower.ends_with(".json") {
            self.read_json(name, bytes);
        } else if lower.ends_with(".enex") {
            self.read_enex(name, bytes);
        } else if [".md", ".markdown", ".txt", ".text"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            self.read_text(name, bytes, modified_ms);
        } else {
            self.skip(
                name,
                "not a kind of file this app imports (Markdown, text, a zip of them, an export of this app, Simplenote, Google Keep or Evernote)",
            );
        }
    }

    fn read_text(&mut self, name: &str, bytes: &[u8], modified_ms: Option<i64>) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return self.skip(name, "not UTF-8 text");
        };
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        let (front, body) = frontmatter::parse(&text);
        if body.trim().is_empty() {
            return self.skip(name, "empty");
        }
        if body.len() > MAX_NOTE_BYTES {
            return self.skip(name, too_long(body.len()));
        }
        let id = front
            .id
            .filter(|id| is_valid_id(id))
            .unwrap_or_else(|| content_id(&body));
        // A file of our export's Trash folder stays in the trash.
        let trashed = name.starts_with("Trash/") || name.contains("/Trash/");
        let updated = front.updated.or(modified_ms);
        self.notes.push(Incoming {
            id,
            body: body.strip_suffix('\n').unwrap_or(&body).to_owned(),
            created_at: front.created.or(updated),
            updated_at: updated,
            deleted_at: trashed.then(|| updated.unwrap_or(0)),
            pinned: front.pinned,
            versions: Vec::new(),
        });
    }

    /// A JSON file: our export's notes.json, Simplenote's export, or a note
    /// of Google Keep's Takeout.
    fn read_json(&mut self, name: &str, bytes: &[u8]) {
        if let Some(manifest) = ours(bytes) {
            return self.read_manifest(name, manifest);
        }
        if let Some(notes) = formats::simplenote::read(bytes) {
            for note in notes {
                self.take(name, note);
            }
            return;
        }
        if let Some((note, attachments)) = formats::keep::read(bytes) {
            for a in attachments {
                self.skip(&format!("{name}: {a}"), ATTACHMENT);
            }
            return self.take(name, note);
        }
        self.skip(
            name,
            "a JSON file that is not an export of this app, of Simplenote, or a note of Google Keep",
        );
    }

    fn read_enex(&mut self, name: &str, bytes: &[u8]) {
        let Some(notes) = formats::enex::read(bytes) else {
            return self.skip(name, "not an Evernote export (ENEX), or a damaged one");
        };
        for n in notes {
            for a in &n.attachments {
                self.skip(&format!("{name}: {}: {a}", n.title), ATTACHMENT);
            }
            self.take(&format!("{name}: {}", n.title), n.note);
        }
    }

    /// A note from another app, unless empty or too long.
    fn take(&mut self, name: &str, note: formats::Foreign) {
        let note = note.into_incoming();
        if note.body.trim().is_empty() {
            return self.skip(name, "an empty note");
        }
        if note.body.len() > MAX_NOTE_BYTES {
            return self.skip(name, too_long(note.body.len()));
        }
        self.notes.push(note);
    }

    fn read_manifest(&mut self, name: &str, manifest: Manifest) {
        for note in manifest.notes {
            if !is_valid_id(&note.id) {
                self.skip(
                    &format!("{name}: note {:.40}", note.id),
                    "its id is not one this app makes",
                );
                continue;
            }
            if note.body.len() > MAX_NOTE_BYTES {
                self.skip(
                    &format!("{name}: note {}", note.id),
                    too_long(note.body.len()),
                );
                continue;
            }
            let versions = note
                .versions
                .into_iter()
                .filter(|v| is_valid_id(&v.id) && v.body.len() <= MAX_NOTE_BYTES)
                .collect();
            self.notes.push(Incoming {
                id: note.id,
                body: note.body,
                created_at: Some(note.created_at),
                updated_at: Some(note.updated_at),
                deleted_at: note.deleted_at,
                pinned: note.pinned,
                versions,
            });
        }
    }

    fn read_zip(&mut self, name: &str, bytes: &[u8]) {
        let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(zip) => zip,
            Err(_) => return self.skip(name, "not a zip file, or a damaged one"),
        };
        if zip.len() > MAX_ZIP_ENTRIES {
            return self.skip(name, format!("holds more than {MAX_ZIP_ENTRIES} files"));
        }
        // Our own export: its notes.json says everything the Markdown files
        // say, and more.
        if let Some((manifest, _)) = entry(&mut zip, MANIFEST, 64 * MAX_NOTE_BYTES)
            && let Some(manifest) = ours(&manifest)
        {
            return self.read_manifest(&format!("{name}/{MANIFEST}"), manifest);
        }
        let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        for inner in names {
            if inner.ends_with('/') || inner.starts_with("__MACOSX/") {
                continue;
            }
            // Google Takeout writes each Keep note twice, as .json and .html:
            // the .json is read.
            if let Some(stem) = inner.strip_suffix(".html")
                && zip.index_for_name(&format!("{stem}.json")).is_some()
            {
                continue;
            }
            let shown = format!("{name}/{inner}");
            if inner.to_lowercase().ends_with(".zip") {
                self.skip(
                    &shown,
                    "a zip inside a zip; unpack it and import it on its own",
                );
                continue;
            }
            // Another app's export holds many notes in one file.
            let lower = inner.to_lowercase();
            let max = if lower.ends_with(".json") || lower.ends_with(".enex") {
                64 * MAX_NOTE_BYTES
            } else {
                MAX_NOTE_BYTES + 4096
            };
            match entry(&mut zip, &inner, max) {
                Some((bytes, modified)) => {
                    // Read under its own path (so Trash/ is seen), named
                    // with the zip's when skipped.
                    let before = self.skipped.len();
                    self.read_dated(&inner, &bytes, modified);
                    for skipped in &mut self.skipped[before..] {
                        skipped.file = format!("{name}/{}", skipped.file);
                    }
                }
                None => self.skip(
                    &shown,
                    "could not be read from the zip (damaged, encrypted, or too large)",
                ),
            }
        }
    }

    /// Saves the notes into `store`, a few hundred per transaction: those
    /// whose id is already there are left as they are. `progress` hears how
    /// many are done.
    #[cfg(feature = "store")]
    pub fn save(
        &self,
        store: &mut store::Store,
        now_ms: i64,
        mut progress: impl FnMut(usize),
    ) -> Result<Report, store::StoreError> {
        let mut report = Report::default();
        let mut done = 0;
        for batch in self.notes.chunks(SAVE_BATCH) {
            let saved = save_batch(store, batch, now_ms)?;
            report.added += saved.added;
            report.already_here += saved.already_here;
            done += batch.len();
            progress(done);
        }
        Ok(report)
    }
}

/// Notes saved per transaction by `Imported::save`.
pub const SAVE_BATCH: usize = 200;

/// Saves `notes` in one transaction; those whose id `store` holds already
/// are left as they are (imported before, maybe edited since).
#[cfg(feature = "store")]
pub fn save_batch(
    store: &mut store::Store,
    notes: &[Incoming],
    now_ms: i64,
) -> Result<Report, store::StoreError> {
    use store::notes::{Note, Version};
    let rows: Vec<(Note, Vec<Version>)> = notes
        .iter()
        .map(|n| {
            let note = Note {
                id: n.id.clone(),
                body: n.body.clone(),
                created_at: n.created_at.unwrap_or(now_ms),
                updated_at: n.updated_at.unwrap_or(now_ms),
                deleted_at: n.deleted_at,
                pinned: n.pinned,
                conflicts: Vec::new(),
            };
            let versions = n
                .versions
                .iter()
                .map(|v| Version {
                    id: v.id.clone(),
                    note_id: n.id.clone(),
                    saved_at: v.saved_at,
                    body: v.body.clone(),
                })
                .collect();
            (note, versions)
        })
        .collect();
    let added = store.import_new_notes(&rows)?;
    let new = added.iter().filter(|a| **a).count();
    Ok(Report {
        added: new,
        already_here: added.len() - new,
    })
}

/// `notes.json` of our own export, read once; `None` for any other JSON.
fn ours(bytes: &[u8]) -> Option<Manifest> {
    serde_json::from_slice::<Manifest>(bytes)
        .ok()
        .filter(|m| m.format == FORMAT)
}

/// One file of a zip and when it was last modified, if it reads and holds
/// at most `max` bytes.
fn entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    max: usize,
) -> Option<(Vec<u8>, Option<i64>)> {
    let file = zip.by_name(name).ok()?;
    let modified = file.last_modified().and_then(|t| {
        crate::time::parse_rfc3339(&format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ))
    });
    let mut bytes = Vec::new();
    // Bounded whatever the zip claims: a small zip can unpack to gigabytes.
    file.take(max as u64 + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() <= max).then_some((bytes, modified))
}

fn too_long(bytes: usize) -> String {
    format!(
        "{:.1} MB of text, more than a note holds ({} MB); split it into smaller files",
        bytes as f64 / 1e6,
        MAX_NOTE_BYTES / 1_000_000
    )
}

/// The id of a note read from a file without one: from its text, so the
/// same file imported again is recognised.
pub(crate) fn content_id(body: &str) -> String {
    let hash = Sha256::digest(body.as_bytes());
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("import-{hex}")
}
