//! This replica's site id, and taking a new one.
//!
//! cr-sqlite keeps the id at ordinal 0 of `crsql_site_id` and marks every
//! local write in the clock tables with that ordinal, so `crsql_changes`
//! reports local changes, old and new, with whatever id ordinal 0 holds. Its
//! `crsql_site_id()` function answers from a copy made when the connection
//! opened (used for nothing else), so the id is read from the table: a new
//! one then takes effect at once, without reopening.

use crate::changes::{SITE_ID_LEN, SiteId};
use crate::{Store, StoreError};

impl Store {
    /// This replica's cr-sqlite site id: 16 bytes.
    pub fn site_id(&self) -> Result<SiteId, StoreError> {
        let bytes: Vec<u8> = self.conn().query_row(
            "SELECT site_id FROM crsql_site_id WHERE ordinal = 0",
            [],
            |r| r.get(0),
        )?;
        site_id(bytes)
    }

    /// Gives this replica a new random site id. Every change made here,
    /// before and after, is from then on reported as the new site's, and
    /// changes that arrive from the old id are merged as another site's.
    /// For a replica found to share its id with another (a copied file): a
    /// sync server never sends a site its own changes, so two replicas with
    /// one id never see each other's edits.
    pub fn take_new_site_id(&mut self) -> Result<SiteId, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let id = take_new_site_id_in(&tx)?;
        tx.commit()?;
        Ok(id)
    }
}

/// [`Store::take_new_site_id`] inside the caller's transaction, so that the
/// caller can reset what it kept of the old id (sync cursors) atomically.
/// The device keeps its name under the new id.
pub fn take_new_site_id_in(tx: &rusqlite::Transaction<'_>) -> Result<SiteId, StoreError> {
    let old: Vec<u8> = tx.query_row(
        "SELECT site_id FROM crsql_site_id WHERE ordinal = 0",
        [],
        |r| r.get(0),
    )?;
    let bytes: Vec<u8> = tx.query_row(
        "UPDATE crsql_site_id SET site_id = randomblob(16) WHERE ordinal = 0
         RETURNING site_id",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO devices (site_id, name)
         SELECT lower(hex(?2)), name FROM devices WHERE site_id = lower(hex(?1))",
        rusqlite::params![old, bytes],
    )?;
    site_id(bytes)
}

fn site_id(bytes: Vec<u8>) -> Result<SiteId, StoreError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| StoreError::BadSiteId {
            index: 0,
            expected: SITE_ID_LEN,
            found: b.len(),
        })
}

#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{ChangeFilter, OpenOptions};

    fn note(s: &Store, id: &str) -> Option<String> {
        s.all_notes()
            .unwrap()
            .into_iter()
            .find(|n| n.id == id)
            .map(|n| n.body)
    }

    #[test]
    fn a_copied_replica_that_takes_a_new_id_sends_all_its_changes_as_that_id_and_takes_the_old_ids_changes()
     {
        let dir = tempfile::tempdir().unwrap();
        let (a_path, b_path) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let mut a = Store::open(&a_path, &OpenOptions::default()).unwrap();
        a.save_note("shared", "before the copy", 1).unwrap();
        a.close().unwrap();
        std::fs::copy(&a_path, &b_path).unwrap();
        let mut a = Store::open(&a_path, &OpenOptions::default()).unwrap();
        let mut b = Store::open(&b_path, &OpenOptions::default()).unwrap();
        let old = a.site_id().unwrap();
        assert_eq!(b.site_id().unwrap(), old, "a copy shares the id");
        a.save_note("from-a", "written on a", 2).unwrap();
        b.save_note("from-b", "written on b", 3).unwrap();

        let new = a.take_new_site_id().unwrap();
        assert_ne!(new, old);
        assert_eq!(a.site_id().unwrap(), new);
        // Every local change, from before the copy too, is now the new id's.
        let own_old = a
            .changes_since(0, ChangeFilter::OnlyFrom(old), usize::MAX)
            .unwrap();
        assert!(own_old.changes.is_empty(), "none left under the old id");
        let own_new = a
            .changes_since(0, ChangeFilter::OnlyFrom(new), usize::MAX)
            .unwrap();
        assert!(own_new.changes.len() >= 4, "{}", own_new.changes.len());

        // The old id is another site now: b's changes merge, and a's own
        // (which b has under the old id) merge into b.
        let from_b = b
            .changes_since(0, ChangeFilter::OnlyFrom(old), usize::MAX)
            .unwrap();
        a.apply_changes(&from_b.changes).unwrap();
        b.apply_changes(&own_new.changes).unwrap();
        for s in [&a, &b] {
            assert_eq!(note(s, "from-a").as_deref(), Some("written on a"));
            assert_eq!(note(s, "from-b").as_deref(), Some("written on b"));
            assert_eq!(note(s, "shared").as_deref(), Some("before the copy"));
        }

        // The new id is kept in the file, and new writes carry it.
        a.close().unwrap();
        let mut a = Store::open(&a_path, &OpenOptions::default()).unwrap();
        assert_eq!(a.site_id().unwrap(), new);
        let id: Vec<u8> = a
            .conn()
            .query_row("SELECT crsql_site_id()", [], |r| r.get(0))
            .unwrap();
        assert_eq!(id, new, "cr-sqlite's own copy, once reopened");
        let before = a.db_version().unwrap();
        a.save_note("later", "after the new id", 4).unwrap();
        let later = a
            .changes_since(before, ChangeFilter::OnlyFrom(new), usize::MAX)
            .unwrap();
        assert!(!later.changes.is_empty());
    }

    #[test]
    fn a_change_sent_again_under_a_new_id_merges_to_nothing_where_the_old_id_has_it() {
        // Why a replica found sharing its id must not have had its changes
        // merged under that id first: re-sent under a new one, the same
        // change (same col_version, same value) loses the tie and stays the
        // old id's, which its twin is never sent.
        let mut a = Store::open_in_memory().unwrap();
        let mut server = Store::open_in_memory().unwrap();
        a.save_note("n", "words", 1).unwrap();
        let old = a.site_id().unwrap();
        let first = a.changes_since(0, ChangeFilter::All, usize::MAX).unwrap();
        server.apply_changes(&first.changes).unwrap();
        let version = server.db_version().unwrap();

        let new = a.take_new_site_id().unwrap();
        let again = a.changes_since(0, ChangeFilter::All, usize::MAX).unwrap();
        assert!(again.changes.iter().all(|c| c.site_id == new));
        server.apply_changes(&again.changes).unwrap();
        assert_eq!(server.db_version().unwrap(), version, "nothing was written");
        let under_new = server
            .changes_since(0, ChangeFilter::OnlyFrom(new), usize::MAX)
            .unwrap();
        assert!(under_new.changes.is_empty());
        let under_old = server
            .changes_since(0, ChangeFilter::OnlyFrom(old), usize::MAX)
            .unwrap();
        assert_eq!(under_old.changes.len(), first.changes.len());
    }
}
