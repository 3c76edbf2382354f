use rusqlite::ErrorCode;
use thiserror::Error;

/// Everything that can go wrong in the store, by cause.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Extension(#[from] crsqlite::LoadError),
    #[error(
        "database file is at schema version {found}, newer than this build ({supported}); update the app"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        version: u32,
        #[source]
        source: rusqlite::Error,
    },
    #[error("change {index}: site id must be {expected} bytes, got {found}")]
    BadSiteId {
        index: usize,
        expected: usize,
        found: usize,
    },
    #[error("a server epoch id must be 16 bytes, the database holds {found}")]
    BadEpochId { found: usize },
    #[error("change {index} could not be applied: {source}")]
    Apply {
        index: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the note would be {bytes} bytes long; a note holds at most {max}")]
    NoteTooLong { bytes: usize, max: usize },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A new database file was made, but its directory entry could not be
    /// flushed to disk.
    #[error("cannot flush the directory of new database {path} to disk: {source}")]
    SyncDirectory {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// The SQLite failure underneath, if this is one.
    fn sqlite_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Apply { source, .. } | Self::Migration { source, .. } | Self::Sqlite(source) => {
                source.sqlite_error_code()
            }
            _ => None,
        }
    }

    /// The disk, the browser's storage for the site or the file's size limit
    /// is full: the one storage failure a user can do something about.
    pub fn is_disk_full(&self) -> bool {
        self.sqlite_code() == Some(ErrorCode::DiskFull)
    }

    /// A failure of the database itself (storage, I/O, locks, memory), not of
    /// what was asked of it: a change that failed so is not a bad change.
    pub fn is_storage_fault(&self) -> bool {
        matches!(
            self.sqlite_code(),
            Some(
                ErrorCode::DiskFull
                    | ErrorCode::SystemIoFailure
                    | ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::OutOfMemory
                    | ErrorCode::DatabaseCorrupt
                    | ErrorCode::NotADatabase
                    | ErrorCode::CannotOpen
                    | ErrorCode::ReadOnly
                    | ErrorCode::PermissionDenied
                    | ErrorCode::OperationInterrupted
                    | ErrorCode::FileLockingProtocolFailed
            )
        )
    }
}
