//! `accounts.db`'s tables, and the steps that bring a file of an earlier
//! release up to date (each checks what is there, so running it twice is
//! harmless).

use rusqlite::{Connection, params};

use super::{UserId, username_key};

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS users (
             id INTEGER PRIMARY KEY,
             username TEXT NOT NULL UNIQUE,
             password_hash TEXT NOT NULL,
             created_at INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS sessions (
             token_sha256 BLOB PRIMARY KEY,
             user_id INTEGER NOT NULL REFERENCES users (id),
             created_at INTEGER NOT NULL,
             used_at INTEGER NOT NULL
         );
         CREATE INDEX IF NOT EXISTS sessions_of_user ON sessions (user_id);
         CREATE TABLE IF NOT EXISTS deleted_account_sessions (
             token_sha256 BLOB PRIMARY KEY,
             ends_at INTEGER NOT NULL
         );",
    )?;
    add_last_use(conn)?;
    add_name_keys(conn)?;
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        params![table, column],
        |r| r.get(0),
    )
}

/// Sessions of an earlier release have no last use: they count from when
/// they began.
fn add_last_use(conn: &Connection) -> rusqlite::Result<()> {
    if !has_column(conn, "sessions", "used_at")? {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE sessions ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;
             UPDATE sessions SET used_at = created_at;
             COMMIT;",
        )?;
    }
    Ok(())
}

/// Accounts of an earlier release get the key their names compare by
/// (computed here: SQLite cannot fold Unicode), and room to be deleted.
/// The key is not unique: two look-alikes made before keep working.
fn add_name_keys(conn: &Connection) -> rusqlite::Result<()> {
    if has_column(conn, "users", "username_key")? {
        return Ok(());
    }
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         ALTER TABLE users ADD COLUMN username_key TEXT;
         ALTER TABLE users ADD COLUMN deleted_at INTEGER;",
    )?;
    let names: Vec<(UserId, String)> = conn
        .prepare("SELECT id, username FROM users")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut set = conn.prepare("UPDATE users SET username_key = ?2 WHERE id = ?1")?;
    for (id, name) in names {
        set.execute(params![id, username_key(&name)])?;
    }
    conn.execute_batch(
        "CREATE INDEX users_by_key ON users (username_key);
         COMMIT;",
    )
}

/// Groups of accounts whose names read the same (made before names were
/// compared that way).
pub fn colliding_names(conn: &Connection) -> rusqlite::Result<Vec<Vec<UserId>>> {
    let keys: Vec<String> = conn
        .prepare(
            "SELECT username_key FROM users WHERE username_key IS NOT NULL
             GROUP BY username_key HAVING count(*) > 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut ids = conn.prepare("SELECT id FROM users WHERE username_key = ?1 ORDER BY id")?;
    keys.iter()
        .map(|k| ids.query_map([k], |r| r.get(0))?.collect())
        .collect()
}
