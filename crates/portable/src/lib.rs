//! Notes in and out of a replica, the same for the app and the `notes`
//! command line:
//!
//! - [`export`]: every note as a Markdown file with front matter (the Trash
//!   in its own folder) and, in the same zip, `notes.json` with everything,
//!   saved versions included, for a lossless re-import.
//! - [`import`]: Markdown and text files, zips of them (our own export
//!   included), each turned into notes to save, and the files skipped with
//!   the reason.
//! - [`names`]: file names made from titles, safe on every system and unique.
//!
//! No I/O of its own beyond the `Write`/`Read` it is handed, so the worker in
//! the browser and the command line share it.

pub mod export;
mod formats;
mod frontmatter;
pub mod import;
pub mod job;
pub mod names;
mod time;

pub use export::{ExportedNote, ExportedVersion, Manifest};
pub use import::{Imported, Incoming, Report, Skipped};
pub use job::{Done, Job};

/// What went wrong reading or writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum PortableError {
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("could not write the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("could not write notes.json: {0}")]
    Json(#[from] serde_json::Error),
    #[cfg(feature = "store")]
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

#[cfg(test)]
mod tests;
