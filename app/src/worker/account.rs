//! Who is signed in on this browser, and which local database is theirs.
//!
//! `profile.db` (never synced) maps each username that signed in here to its
//! own database file, `/account-<n>.db`; the local notebook (no account) is
//! `/local.db`, or the file of an account that was deleted while signed in
//! here (its notes, history and conflict copies stay as they were). A
//! user-supplied name never becomes a file name.

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub const LOCAL_DB: &str = "/local.db";
const PROFILE_DB: &str = "/profile.db";

#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub token: String,
}

pub fn open_profile(vfs: &str) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let conn = Connection::open_with_flags_and_vfs(PROFILE_DB, flags, vfs)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS accounts (
             username TEXT PRIMARY KEY NOT NULL,
             file_no INTEGER NOT NULL UNIQUE
         );
         CREATE TABLE IF NOT EXISTS session (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             username TEXT NOT NULL,
             token TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS settings (
             key TEXT PRIMARY KEY NOT NULL,
             value INTEGER NOT NULL
         );",
    )?;
    Ok(conn)
}

pub fn current(profile: &Connection) -> rusqlite::Result<Option<Session>> {
    profile
        .query_row(
            "SELECT username, token FROM session WHERE id = 1",
            [],
            |r| {
                Ok(Session {
                    username: r.get(0)?,
                    token: r.get(1)?,
                })
            },
        )
        .optional()
}

/// The database file of `username` on this browser, allocating one if new.
/// Read first: opening the app must not cost a write (and its journal).
pub fn db_path(profile: &Connection, username: &str) -> rusqlite::Result<String> {
    let file_no = |profile: &Connection| {
        profile
            .query_row(
                "SELECT file_no FROM accounts WHERE username = ?1",
                [username],
                |r| r.get::<_, i64>(0),
            )
            .optional()
    };
    let n = match file_no(profile)? {
        Some(n) => n,
        None => {
            // Never the number of the notebook a deleted account left.
            profile.execute(
                "INSERT INTO accounts (username, file_no)
                 VALUES (?1, max(
                     (SELECT coalesce(max(file_no), 0) FROM accounts),
                     (SELECT coalesce(max(value), 0) FROM settings WHERE key = ?2)) + 1)
                 ON CONFLICT (username) DO NOTHING",
                params![username, LOCAL_FILE_NO],
            )?;
            file_no(profile)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?
        }
    };
    Ok(format!("/account-{n}.db"))
}

pub fn save_session(profile: &Connection, s: &Session) -> rusqlite::Result<()> {
    profile.execute(
        "INSERT INTO session (id, username, token) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET username = excluded.username, token = excluded.token",
        params![s.username, s.token],
    )?;
    Ok(())
}

/// Forgets the session and the account's file mapping (its file is deleted).
pub fn forget(profile: &Connection, username: &str) -> rusqlite::Result<()> {
    profile.execute("DELETE FROM session", [])?;
    profile.execute("DELETE FROM accounts WHERE username = ?1", [username])?;
    Ok(())
}

const AUTO_SYNC: &str = "auto_sync";
/// The file number of the account whose file became the local notebook.
const LOCAL_FILE_NO: &str = "local_file_no";

/// The local notebook's file: `/local.db`, or a deleted account's file.
pub fn local_db_path(profile: &Connection) -> rusqlite::Result<String> {
    let n: Option<i64> = profile
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [LOCAL_FILE_NO],
            |r| r.get(0),
        )
        .optional()?;
    Ok(n.map_or_else(|| LOCAL_DB.to_owned(), |n| format!("/account-{n}.db")))
}

/// `username`'s account is gone from the server: its file becomes the local
/// notebook, and the browser forgets the account. Returns the file the
/// local notebook had until now, for the caller to remove once its notes
/// moved.
pub fn keep_as_local_notebook(profile: &Connection, username: &str) -> rusqlite::Result<String> {
    let previous = local_db_path(profile)?;
    let n: i64 = profile.query_row(
        "SELECT file_no FROM accounts WHERE username = ?1",
        [username],
        |r| r.get(0),
    )?;
    profile.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![LOCAL_FILE_NO, n],
    )?;
    forget(profile, username)?;
    Ok(previous)
}

/// Whether this browser syncs by itself: on unless turned off here.
pub fn auto_sync(profile: &Connection) -> rusqlite::Result<bool> {
    Ok(profile
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [AUTO_SYNC],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_none_or(|v| v != 0))
}

pub fn set_auto_sync(profile: &Connection, on: bool) -> rusqlite::Result<()> {
    profile.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![AUTO_SYNC, i64::from(on)],
    )?;
    Ok(())
}
