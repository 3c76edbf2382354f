use thiserror::Error;

/// Why a sync round failed. Every variant but `Store` describes bad input and
/// its message is safe to show to the peer that sent it.
#[derive(Debug, Error)]
pub enum SyncError {
    #[error(
        "protocol version {found} is not supported (this side speaks {supported}); update the app before syncing"
    )]
    Protocol { found: u32, supported: u32 },
    #[error(
        "schema version mismatch: the client has {client}, the server has {server}; update the app before syncing"
    )]
    SchemaMismatch { client: u32, server: u32 },
    #[error("site_id must be 32 hex digits")]
    BadSiteId,
    #[error("since must be from 0 to 2^53, got {0}")]
    BadSince(i64),
    #[error("seen.epoch must be 32 hex digits and seen.version from 0 to 2^53")]
    BadSeen,
    #[error("page_size must be 1 or more")]
    BadPageSize,
    #[error("head must be from 0 to 2^53, got {0}")]
    BadHead(i64),
    /// More than one replica syncs with this site id (a copied file): each
    /// must take a new one and sync again from the start.
    #[error(
        "another copy of these notes syncs with the same identity (site id), made by copying this device's data; this copy must take a new identity and sync again from the start, and nothing is lost"
    )]
    SharedSite,
    #[error(
        "too many changes in one request: {found} (at most {max}); send them in smaller batches"
    )]
    TooManyChanges { found: usize, max: usize },
    #[error("change {index}: {reason}")]
    BadChange { index: usize, reason: String },
    #[error(
        "the server's answer could not be used, so nothing of it was merged (the notes on this device are safe; tell the server's operator): {0}"
    )]
    BadResponse(String),
    /// A client's own mistake: an answer absorbed before the one it follows.
    #[error("a sync answer arrived before the one it follows; sync again")]
    OutOfOrder,
    /// A fault of the database, not of the input: never shown to a peer verbatim.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}

impl SyncError {
    /// True when the peer sent something wrong (a 4xx), false for our own fault.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Store(_))
    }
}
