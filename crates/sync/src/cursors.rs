//! The client's two sync cursors, kept in its own database (`sync_state`).

use rusqlite::{Connection, OptionalExtension};

const PUSHED: &str = "pushed_local_version";
const PUSHED_SEQ: &str = "pushed_local_seq";
const RECEIVED: &str = "received_server_version";

/// How far this replica has synced. Two separate clocks, never mixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursors {
    /// Local changes up to this `(db_version, seq)` position were acknowledged
    /// by the server. The seq lets one huge local transaction go out in
    /// several requests; it is `i64::MAX` when the whole version was sent.
    pub pushed_local_version: i64,
    pub pushed_local_seq: i64,
    /// Server changes up to this server db_version were received and merged.
    pub received_server_version: i64,
}

impl Cursors {
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let get = |key: &str, default: i64| -> rusqlite::Result<i64> {
            Ok(conn
                .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?
                .unwrap_or(default))
        };
        Ok(Self {
            pushed_local_version: get(PUSHED, 0)?,
            pushed_local_seq: get(PUSHED_SEQ, i64::MAX)?,
            received_server_version: get(RECEIVED, 0)?,
        })
    }

    /// Writes the cursors; call inside the transaction that did the work.
    pub fn save(&self, conn: &Connection) -> rusqlite::Result<()> {
        let mut put = conn.prepare_cached(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        put.execute((PUSHED, self.pushed_local_version))?;
        put.execute((PUSHED_SEQ, self.pushed_local_seq))?;
        put.execute((RECEIVED, self.received_server_version))?;
        Ok(())
    }
}
