//! The notes database, shared by the browser's DB worker and the server.
//!
//! - [`Store`]: one SQLite connection with cr-sqlite loaded, pragmas set and the
//!   schema migrated; it runs `crsql_finalize()` when closed or dropped.
//! - [`changes`]: read the changes since a `db_version`, apply a batch of changes
//!   atomically.
//! - [`epochs`]: which history a server database holds, so that clients of
//!   one restored from a backup send again what it lost.
//! - [`schema`]: the replicated tables' columns and types, read once.
//! - [`migrations`]: the ordered schema, with its version stored in the file.

pub mod changes;
mod connection;
pub mod devices;
pub mod epochs;
mod error;
pub mod migrations;
pub mod notes;
pub mod schema;
pub mod site;
pub mod sites;

pub use changes::{Change, ChangeFilter, ChangePage, PageEnd, SITE_ID_LEN, SiteId};
pub use connection::{Journal, OpenOptions, Store, wal_limit_bytes};
pub use epochs::EpochId;
pub use error::StoreError;
pub use notes::{
    Conflict, ListOptions, MATCH_END, MATCH_START, Note, NotePage, NoteSummary, SearchHit,
    SearchPage, Sort, Splice, TagCount, Version, VersionSummary, fts_query, tags_of,
};
pub use rusqlite::types::Value;
pub use sites::{PushOutcome, SharedSite};
