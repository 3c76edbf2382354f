//! Which history a server database holds.
//!
//! A client's cursors only move forward, so a server database that goes back
//! in time (restored from a backup, or replaced by a new empty file) would
//! never be sent again what it lost. Each time a server opens the file it
//! starts an *epoch*: a random id and the first db_version it may write. A
//! client names the epoch its cursors came from and the highest server
//! version it heard of in it; the database still holds that history exactly
//! when the epoch is one of its own and that version is not past the epoch's
//! end (the next epoch's first version, or the current db_version).
//!
//! After a restore, the backup knows only the epochs before it was taken, and
//! the epoch started when the restored file is opened begins right after the
//! backup's last version: a client that saw more of the old epoch, or any
//! later one, is told to send everything again. Two connections serving one
//! file at once would cut each other's epochs short; that only costs a client
//! a needless full sync, never a lost change.

use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

/// An epoch's id: 16 random bytes.
pub type EpochId = [u8; 16];

impl Store {
    /// Starts a new epoch; a server calls this once each time it opens the
    /// file, before it answers any client from it.
    pub fn begin_server_epoch(&self) -> Result<EpochId, StoreError> {
        let id: Vec<u8> = self.conn().query_row(
            "INSERT INTO server_epochs (id, first_version)
             VALUES (randomblob(16), crsql_db_version() + 1)
             RETURNING id",
            [],
            |r| r.get(0),
        )?;
        epoch_id(id)
    }

    /// The epoch answers carry: the newest one, started now if the file has
    /// none yet.
    pub fn current_server_epoch(&self) -> Result<EpochId, StoreError> {
        let newest: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT id FROM server_epochs ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match newest {
            Some(id) => epoch_id(id),
            None => self.begin_server_epoch(),
        }
    }

    /// Whether this database holds every change up to server version
    /// `version` of epoch `epoch`: false for an epoch it never had, and for a
    /// version past where that epoch ended here.
    pub fn holds_history(&self, epoch: &EpochId, version: i64) -> Result<bool, StoreError> {
        let conn = self.conn();
        let Some(seq) = conn
            .query_row(
                "SELECT seq FROM server_epochs WHERE id = ?1",
                [&epoch[..]],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
        else {
            return Ok(false);
        };
        let next_first: Option<i64> = conn
            .query_row(
                "SELECT first_version FROM server_epochs WHERE seq > ?1 ORDER BY seq LIMIT 1",
                [seq],
                |r| r.get(0),
            )
            .optional()?;
        let end = match next_first {
            Some(first) => first - 1,
            None => self.db_version()?,
        };
        Ok(version <= end)
    }
}

fn epoch_id(bytes: Vec<u8>) -> Result<EpochId, StoreError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| StoreError::BadEpochId { found: b.len() })
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn a_new_file_holds_only_its_own_epochs() {
        let s = Store::open_in_memory().unwrap();
        let e1 = s.current_server_epoch().unwrap();
        assert_eq!(s.current_server_epoch().unwrap(), e1, "kept, not made anew");
        assert!(s.holds_history(&e1, 0).unwrap());
        assert!(!s.holds_history(&[7; 16], 0).unwrap());
        assert!(
            !s.holds_history(&e1, 1).unwrap(),
            "past the database's version"
        );
    }

    #[test]
    fn an_epoch_ends_where_the_next_one_starts() {
        let mut s = Store::open_in_memory().unwrap();
        let e1 = s.begin_server_epoch().unwrap();
        s.save_note("n1", "milk", 1).unwrap();
        let v = s.db_version().unwrap();
        let e2 = s.begin_server_epoch().unwrap();
        assert_ne!(e1, e2);
        assert_eq!(s.current_server_epoch().unwrap(), e2);
        assert!(s.holds_history(&e1, v).unwrap());
        assert!(!s.holds_history(&e1, v + 1).unwrap());
        s.save_note("n2", "eggs", 2).unwrap();
        assert!(s.holds_history(&e2, v + 1).unwrap());
        assert!(!s.holds_history(&e1, v + 1).unwrap(), "e1 ended before it");
    }
}
