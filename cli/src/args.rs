//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Your notes in a terminal: a replica on disk that syncs with a Notes server.
///
/// Every command works offline on the replica; `sync` (and `watch`) trade
/// changes with the server, and commands that write try a sync afterwards
/// when signed in (`--offline` skips it).
#[derive(Debug, Parser)]
#[command(
    name = "notes",
    version,
    after_help = "Exit status: 0 done, 1 failed, 2 wrong usage, 3 sign-in needed, \
                  4 the server did not answer (nothing changed; try again), 5 no such note."
)]
pub struct Cli {
    /// Where the replica and the session are kept (default: the platform's
    /// data directory for "notes").
    #[arg(long, global = true, env = "NOTES_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not sync after writing.
    #[arg(long, global = true)]
    pub offline: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a server (the password is asked, or read from stdin when
    /// it is not a terminal), then sync.
    Login {
        /// The server's address, e.g. https://notes.example.org
        url: String,
        username: String,
        /// Create the account first.
        #[arg(long)]
        create: bool,
    },
    /// End this session on the server; the notes stay on disk.
    Logout,
    /// Send this replica's changes and receive the others'.
    Sync,
    /// List notes: pinned first, then the last edited.
    List {
        /// Only notes carrying this tag (with or without the #).
        #[arg(long)]
        tag: Option<String>,
        /// Only notes holding these words (any order, accents ignored).
        #[arg(long)]
        search: Option<String>,
        /// The notes in the Trash instead.
        #[arg(long)]
        trash: bool,
    },
    /// Print a note's text.
    Show {
        /// An id (or its start), or a title.
        note: String,
    },
    /// Write a new note from stdin, or in $EDITOR when stdin is a terminal.
    New,
    /// Edit a note in $EDITOR; only the lines changed are saved, so edits
    /// made elsewhere meanwhile merge.
    Edit {
        /// An id (or its start), or a title.
        note: String,
    },
    /// Move a note to the Trash (kept 30 days).
    Rm {
        /// An id (or its start), or a title.
        note: String,
    },
    /// Write every note to a zip: Markdown files with front matter, the
    /// Trash in its own folder, and notes.json for a lossless import.
    Export {
        /// The zip to write.
        path: PathBuf,
    },
    /// Bring in Markdown or text files (or folders of them), zips, an export,
    /// Simplenote's export, Google Keep's Takeout, or Evernote's .enex.
    Import {
        /// Files or folders (read with everything in them).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Follow the server's live changes: sync on each, print what changed.
    Watch,
}
