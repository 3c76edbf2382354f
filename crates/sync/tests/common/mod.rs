//! Replicas and sync rounds for the tests, without a network.
#![allow(dead_code, clippy::unwrap_used)]

use protocol::SiteIdHex;
use store::Store;
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};

/// A clock for the notes' timestamps, shared by every replica of a test.
pub fn now() -> i64 {
    static CLOCK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

pub fn put(s: &mut Store, id: &str, body: &str) {
    s.save_note(id, body, now()).unwrap();
}

/// Two empty clients and an empty server.
pub fn replicas() -> (Store, Store, Store) {
    let new = || Store::open_in_memory().unwrap();
    (new(), new(), new())
}

/// The notes outside the trash, as `(id, text)`.
pub fn notes(s: &Store) -> Vec<(String, String)> {
    s.all_notes()
        .unwrap()
        .into_iter()
        .filter(|n| n.deleted_at.is_none())
        .map(|n| (n.id, n.body))
        .collect()
}

/// Syncs until done; returns how many rounds it took.
pub fn sync(client: &mut Store, server: &mut Store, limits: &Limits, batch: usize) -> usize {
    for rounds in 1..1000 {
        let round = prepare(client, batch).unwrap();
        let own = SiteIdHex::encode(&client.site_id().unwrap());
        let response = serve(server, &round.request, limits).unwrap();
        assert!(
            response
                .changes
                .iter()
                .all(|c| c.site_id.as_deref() != Some(own.as_str())),
            "the server echoed the client's own change"
        );
        if absorb(client, &round, &response).unwrap().done {
            return rounds;
        }
    }
    panic!("sync never finished");
}
