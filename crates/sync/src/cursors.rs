//! The client's two sync cursors, kept in its own database (`sync_state`).

use rusqlite::{Connection, OptionalExtension};

const PUSHED: &str = "pushed_local_version";
const PUSHED_SEQ: &str = "pushed_local_seq";
const RECEIVED: &str = "received_server_version";
const EPOCH: &str = "server_epoch";
const SEEN: &str = "seen_server_version";

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
    /// The server history the last answer came from (`None` before any).
    pub server_epoch: Option<store::EpochId>,
    /// The highest server version heard of in that epoch, including the
    /// server's version after merging a push (its `head`): the server checks
    /// it still holds that much, so that nothing acknowledged is lost.
    pub seen_server_version: i64,
}

impl Cursors {
    /// Nothing pushed, nothing received, no server history seen.
    pub fn fresh() -> Self {
        Self {
            pushed_local_version: 0,
            pushed_local_seq: i64::MAX,
            received_server_version: 0,
            server_epoch: None,
            seen_server_version: 0,
        }
    }

    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let get = |key: &str, default: i64| -> rusqlite::Result<i64> {
            Ok(conn
                .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?
                .unwrap_or(default))
        };
        // Kept as a blob: the column's INTEGER affinity never converts one.
        let epoch: Option<Vec<u8>> = conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [EPOCH],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Self {
            pushed_local_version: get(PUSHED, 0)?,
            pushed_local_seq: get(PUSHED_SEQ, i64::MAX)?,
            received_server_version: get(RECEIVED, 0)?,
            // A malformed id counts as none: the next answer settles it.
            server_epoch: epoch.and_then(|e| e.try_into().ok()),
            seen_server_version: get(SEEN, 0)?,
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
        put.execute((SEEN, self.seen_server_version))?;
        match &self.server_epoch {
            Some(epoch) => put.execute((EPOCH, &epoch[..]))?,
            None => conn.execute("DELETE FROM sync_state WHERE key = ?1", [EPOCH])?,
        };
        Ok(())
    }
}
