//! Every note out of a replica: a zip of Markdown files (`Notes/`, and
//! `Trash/` for the trashed ones) with front matter, and `notes.json`,
//! which holds everything, saved versions included, for a lossless import.

use std::io::{Seek, Write};

use notetext::title_of;
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;

use crate::PortableError;
use crate::frontmatter;
use crate::names::{UniqueNames, safe_stem};

/// `notes.json`'s `format`, so that an import knows the file for ours.
pub const FORMAT: &str = "notes-export";
/// `notes.json`'s `version`: raised when a field changes meaning.
pub const VERSION: u32 = 1;
/// The lossless file's name inside the zip.
pub const MANIFEST: &str = "notes.json";

/// A saved earlier version of a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedVersion {
    pub id: String,
    pub saved_at: i64,
    pub body: String,
}

/// One note, as exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedNote {
    pub id: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub deleted_at: Option<i64>,
    #[serde(default)]
    pub pinned: bool,
    /// Derived from the text (`#word`), written for readers of the file.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub versions: Vec<ExportedVersion>,
}

/// `notes.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub exported_at: i64,
    pub notes: Vec<ExportedNote>,
}

/// [`Manifest`] as written, borrowing the notes.
#[derive(Serialize)]
struct ManifestOut<'a> {
    format: &'a str,
    version: u32,
    exported_at: i64,
    notes: &'a [ExportedNote],
}

/// Every note of `store`, trashed ones included, with its saved versions.
/// `progress` hears how many notes are read so far.
#[cfg(feature = "store")]
pub fn gather(
    store: &store::Store,
    mut progress: impl FnMut(usize),
) -> Result<Vec<ExportedNote>, PortableError> {
    let notes = store.all_notes()?;
    let mut out = Vec::with_capacity(notes.len());
    for note in notes {
        let mut versions = Vec::new();
        for summary in store.history(&note.id)? {
            if let Some(v) = store.get_version(&summary.id)? {
                versions.push(ExportedVersion {
                    id: v.id,
                    saved_at: v.saved_at,
                    body: v.body,
                });
            }
        }
        out.push(ExportedNote::of(note, versions));
        progress(out.len());
    }
    Ok(out)
}

#[cfg(feature = "store")]
impl ExportedNote {
    /// A note of a replica as exported, its tags read from its text.
    pub fn of(note: store::Note, versions: Vec<ExportedVersion>) -> Self {
        Self {
            tags: notetext::tags_of(note.body.lines()),
            id: note.id,
            body: note.body,
            created_at: note.created_at,
            updated_at: note.updated_at,
            deleted_at: note.deleted_at,
            pinned: note.pinned,
            versions,
        }
    }
}

/// One note as a Markdown file: front matter, then its text as written and
/// a newline (an import takes one off, so a text's own last newline stays).
pub fn markdown(note: &ExportedNote) -> String {
    let mut file = frontmatter::render(
        &note.id,
        note.created_at,
        note.updated_at,
        &note.tags,
        note.pinned,
    );
    file.push_str(&note.body);
    file.push('\n');
    file
}

/// The zip's name for an export made at `now_ms`: `notes-2026-12-07.zip`.
pub fn archive_name(now_ms: i64) -> String {
    let [year, month, day, ..] = crate::time::parts(now_ms);
    format!("notes-{year:04}-{month:02}-{day:02}.zip")
}

/// A file name for a single note exported on its own.
pub fn file_name(note: &ExportedNote) -> String {
    format!("{}.md", safe_stem(&title_of(&note.body)))
}

/// The zip's time for a note's file: when it was last edited (zip times
/// start in 1980).
fn modified(ms: i64) -> zip::DateTime {
    let [year, month, day, hour, minute, second] = crate::time::parts(ms);
    let byte = |n: u16| u8::try_from(n).unwrap_or(0);
    zip::DateTime::from_date_and_time(
        year,
        byte(month),
        byte(day),
        byte(hour),
        byte(minute),
        byte(second),
    )
    .unwrap_or_default()
}

/// Writes the zip: `Notes/<title>.md` and `Trash/<title>.md`, one per
/// note, then `notes.json`. `progress` hears how many notes are written.
pub fn write_zip<W: Write + Seek>(
    notes: &[ExportedNote],
    exported_at: i64,
    out: W,
    mut progress: impl FnMut(usize),
) -> Result<W, PortableError> {
    let mut zip = zip::ZipWriter::new(out);
    let (mut kept, mut trashed) = (UniqueNames::default(), UniqueNames::default());
    for (k, note) in notes.iter().enumerate() {
        let stem = safe_stem(&title_of(&note.body));
        let path = match note.deleted_at {
            None => format!("Notes/{}", kept.name(&stem, "md")),
            Some(_) => format!("Trash/{}", trashed.name(&stem, "md")),
        };
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(modified(note.updated_at));
        zip.start_file(path, options)?;
        zip.write_all(markdown(note).as_bytes())?;
        progress(k + 1);
    }
    // Borrowed: the notes are not copied to be written.
    let manifest = ManifestOut {
        format: FORMAT,
        version: VERSION,
        exported_at,
        notes,
    };
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified(exported_at));
    zip.start_file(MANIFEST, options)?;
    serde_json::to_writer(&mut zip, &manifest)?;
    Ok(zip.finish()?)
}
