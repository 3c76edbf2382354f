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
    /// The most bytes the file may grow to; a write beyond fails as a full
    /// disk does ([`StoreError::is_disk_full`]). `None`: as much as the disk holds.
    pub max_size_bytes: Option<u64>,
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
        let conn = match &options.vfs {
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs.as_str())?,
            None => Connection::open_with_flags(path, flags)?,
        };
        Self::init(conn, options)
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
        if let Some(max) = options.max_size_bytes {
            // Per connection, not stored in the file. A file already larger
            // keeps its size and takes no more pages.
            let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
            let pages = (i64::try_from(max).unwrap_or(i64::MAX) / page_size.max(1))
                .clamp(1, u32::MAX.into());
            let _: i64 =
                conn.pragma_update_and_check(None, "max_page_count", pages, |r| r.get(0))?;
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

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Nothing to report to from a destructor; `close` is the checked path.
            let _ = conn.execute_batch("SELECT crsql_finalize()");
        }
    }
}
