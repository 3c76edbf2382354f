//! The work the browser hands to its transfer worker, a wasm of its own
//! fetched only when a user first exports or imports: turning notes into a
//! zip, and files into notes. Zip, deflate and YAML stay out of the app's
//! first download. Messages travel as postcard bytes, like the app's.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::export::{ExportedNote, archive_name, write_zip};
use crate::import::{Imported, Incoming, Skipped};

/// A file the user gave: its name (and folder, for a zip's entries) and bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
    /// When it was last modified (ms since the epoch), if known.
    pub modified_ms: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// Every note, as read from the replica, into a zip.
    Export {
        notes: Vec<ExportedNote>,
        now_ms: i64,
    },
    /// Files into notes.
    Read { files: Vec<File> },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Done {
    Zip {
        name: String,
        bytes: Vec<u8>,
    },
    Read {
        notes: Vec<Incoming>,
        skipped: Vec<Skipped>,
    },
    /// The job could not be done, in words for the user.
    Failed(String),
}

/// Does `job`.
pub fn run(job: Job) -> Done {
    match job {
        Job::Export { notes, now_ms } => {
            match write_zip(&notes, now_ms, Cursor::new(Vec::new()), |_| {}) {
                Ok(zip) => Done::Zip {
                    name: archive_name(now_ms),
                    bytes: zip.into_inner(),
                },
                Err(e) => Done::Failed(e.to_string()),
            }
        }
        Job::Read { files } => {
            let mut imported = Imported::default();
            for file in files {
                imported.read_dated(&file.name, &file.bytes, file.modified_ms);
            }
            Done::Read {
                notes: imported.notes,
                skipped: imported.skipped,
            }
        }
    }
}
