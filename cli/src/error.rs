//! Why a command failed, in words for the person who ran it, and its exit
//! status (documented in `notes --help`'s README section).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CliError {
    /// Wrong arguments or input: exit 2, as clap does for its own.
    #[error("{0}")]
    Usage(String),
    #[error("not signed in; run `notes login URL USERNAME` first")]
    NotSignedIn,
    #[error("{0}")]
    Auth(String),
    /// The server could not be reached; nothing changed and the notes on
    /// disk are safe.
    #[error("no answer from {url} ({why}); your notes are safe here, sync again later")]
    Offline { url: String, why: String },
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("no note matches \"{0}\" (try `notes list`)")]
    NotFound(String),
    #[error("\"{query}\" matches {count} notes; give more of the id:\n{choices}")]
    Ambiguous {
        query: String,
        count: usize,
        choices: String,
    },
    #[error(transparent)]
    Sync(#[from] sync::SyncError),
    #[error("the notes database: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Portable(#[from] portable::PortableError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

impl CliError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }

    /// 1 for failures, 2 for usage, 3 when signing in is needed, 4 when the
    /// server cannot be reached (try again later), 5 when nothing matched.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Ambiguous { .. } => 2,
            Self::NotSignedIn | Self::Auth(_) => 3,
            Self::Offline { .. } => 4,
            Self::NotFound(_) => 5,
            _ => 1,
        }
    }
}
