//! One SQLite connection with cr-sqlite, configured and migrated.

use std::cell::{OnceCell, RefCell};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::notes::cache::LineCache;
use crate::schema::CrrSchema;
use crate::{StoreError, migrations};

/// How SQLite journals writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journal {
    /// Write-ahead log: readers never block the writer. Needs shared memory,
    /// so native files only.
    Wal,
    /// Rollback journal: for VFSes without shared memory.
    Rollback,
    /// Write-ahead log kept in this connection's memory instead of shared
    /// memory (`locking_mode=EXCLUSIVE`): for a VFS without shared memory whose
    /// file has one owner anyway, as OPFS access handles do. A durable commit
    /// is one flush of the log, where a rollback journal needs several.
    WalExclusive,
}

/// How to open a database file.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    pub journal: Journal,
    /// A registered SQLite VFS name; `None` for the default.
    pub vfs: Option<String>,
    /// Milliseconds to wait for another connection's lock before failing.
    pub busy_timeout_ms: u32,
    /// The most bytes the file and its write-ahead log may take together; a
    /// write beyond fails as a full disk does ([`StoreError::is_disk_full`]).
    /// `None`: as much as the disk holds. See [`wal_limit_bytes`].
    pub max_size_bytes: Option<u64>,
}

/// What a write-ahead log is cut back to after a checkpoint: without a
/// limit it keeps the size of the largest transaction ever written. With
/// `max_size_bytes`, a quarter of that (at most 16 MiB), and the file itself
/// gets the rest. A single transaction larger than this still grows the log
/// until the checkpoint that follows its commit.
pub fn wal_limit_bytes(max_size_bytes: Option<u64>) -> u64 {
    const WAL_LIMIT: u64 = 16 << 20;
    max_size_bytes.map_or(WAL_LIMIT, |max| (max / 4).min(WAL_LIMIT))
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            journal: Journal::Wal,
            vfs: None,
            busy_timeout_ms: 5_000,
            max_size_bytes: None,
        }
    }
}

/// An open notes database. Dropping it runs `crsql_finalize()`; call
/// [`Store::close`] to see errors from that and from closing.
pub struct Store {
    // `None` only after `close` took it, so `Drop` knows not to finalize twice.
    conn: Option<Connection>,
    /// The lines of the note last read or saved (see `notes::cache`).
    pub(crate) line_cache: RefCell<Option<LineCache>>,
    /// The replicated tables, read once (see `schema`).
    pub(crate) crr_schema: OnceCell<CrrSchema>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let path = path.as_ref();
        let new_file = options.vfs.is_none() && !path.exists();
        let conn = match &options.vfs {
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs.as_str())?,
            None => Connection::open_with_flags(path, flags)?,
        };
        let store = Self::init(conn, options)?;
        if new_file {
            sync_parent_directory(path)?;
        }
        Ok(store)
    }

    /// A private in-memory database (tests, scratch replicas).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, &OpenOptions::default())
    }

    fn init(conn: Connection, options: &OpenOptions) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_millis(
            options.busy_timeout_ms.into(),
        ))?;
        let journal = match options.journal {
            Journal::Wal => "WAL",
            Journal::Rollback => "TRUNCATE",
            Journal::WalExclusive => {
                // Must come before WAL is first used, so that the log index
                // lives in heap memory.
                conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
                "WAL"
            }
        };
        // In-memory databases answer "memory" whatever is asked; that is fine.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", journal, |r| r.get(0))?;
        // FULL: a commit that returned is on disk, even across power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let wal_limit = wal_limit_bytes(options.max_size_bytes);
        if matches!(options.journal, Journal::Wal | Journal::WalExclusive) {
            let _: i64 = conn.pragma_update_and_check(
                None,
                "journal_size_limit",
                i64::try_from(wal_limit).unwrap_or(i64::MAX),
                |r| r.get(0),
            )?;
            // Checkpoint before the log outgrows its limit (SQLite's
            // default is every 1,000 pages, 4 MiB).
            let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
            let pages =
                (i64::try_from(wal_limit).unwrap_or(i64::MAX) / page_size.max(1)).clamp(1, 1000);
            let _: i64 =
                conn.pragma_update_and_check(None, "wal_autocheckpoint", pages, |r| r.get(0))?;
        }
        crsqlite::load(&conn)?;
        // From here on the connection has cr-sqlite: wrap it first so that any
        // failure below still finalizes it on drop.
        let mut store = Self {
            conn: Some(conn),
            line_cache: RefCell::new(None),
            crr_schema: OnceCell::new(),
        };
        migrations::migrate(store.conn_mut())?;
        if let Some(max) = options.max_size_bytes {
            // Per connection, not stored in the file. A file already larger
            // keeps its size and takes no more pages. The log's share is
            // kept out of the file's. Set after the migrations: an upgrade
            // of a nearly full file (a migration that rebuilds a table
            // needs room for both copies until it commits) must not fail.
            let page_size: i64 = store
                .conn()
                .pragma_query_value(None, "page_size", |r| r.get(0))?;
            let pages = (i64::try_from(max.saturating_sub(wal_limit)).unwrap_or(i64::MAX)
                / page_size.max(1))
            .clamp(1, u32::MAX.into());
            let _: i64 =
                store
                    .conn()
                    .pragma_update_and_check(None, "max_page_count", pages, |r| r.get(0))?;
        }
        Ok(store)
    }

    /// The underlying connection, for queries of the schema's tables.
    pub fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("the connection is only taken by close(self)")
    }

    /// Mutable access, for transactions.
    pub fn conn_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("the connection is only taken by close(self)")
    }

    /// The highest db_version this replica has seen (its own or merged).
    pub fn db_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT crsql_db_version()", [], |r| r.get(0))?)
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::schema_version(self.conn())
    }

    /// Finalizes cr-sqlite and closes the connection, reporting errors.
    pub fn close(mut self) -> Result<(), StoreError> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        conn.execute_batch("SELECT crsql_finalize()")?;
        conn.close().map_err(|(_, e)| StoreError::Sqlite(e))
    }
}

/// A new file's directory entry reaches the disk only when its directory is
/// flushed: without this, a power cut right after a first sync could lose
/// the whole file, though each commit in it was flushed.
#[cfg(not(target_family = "wasm"))]
fn sync_parent_directory(path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::SyncDirectory {
            path: path.display().to_string(),
            source,
        })
}

/// Browsers' storage has no directories to flush.
#[cfg(target_family = "wasm")]
fn sync_parent_directory(_: &Path) -> Result<(), StoreError> {
    Ok(())
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Nothing to report to from a destructor; `close` is the checked path.
            let _ = conn.execute_batch("SELECT crsql_finalize()");
        }
    }
}
