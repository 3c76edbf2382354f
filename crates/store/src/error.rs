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
    #[error("change {index} could not be applied: {source}")]
    Apply {
        index: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
