//! A server that goes back in time (restored from a backup, or a new empty
//! server) loses nothing: the clients it forgot send everything again.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{notes, put};
use store::{OpenOptions, Store};
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};

/// A server's database file, opened as the server opens it: each opening
/// starts a new epoch.
struct ServerFile {
    path: PathBuf,
    store: Option<Store>,
}

impl ServerFile {
    fn create(dir: &Path) -> Self {
        let mut file = Self {
            path: dir.join("user.db"),
            store: None,
        };
        file.restart();
        file
    }

    fn store(&mut self) -> &mut Store {
        self.store.as_mut().unwrap()
    }

    /// Closes the database and opens it again, as a server restart does.
    fn restart(&mut self) {
        if let Some(store) = self.store.take() {
            store.close().unwrap();
        }
        let store = Store::open(&self.path, &OpenOptions::default()).unwrap();
        store.begin_server_epoch().unwrap();
        self.store = Some(store);
    }

    /// A consistent copy of the file as it is now (what a backup holds).
    fn backup(&mut self, to: &Path) {
        self.store()
            .conn()
            .execute("VACUUM INTO ?1", [to.to_str().unwrap()])
            .unwrap();
    }

    /// Stops the server, puts `from` back in place of its file, and starts it.
    fn restore(&mut self, from: &Path) {
        self.store.take().unwrap().close().unwrap();
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
        std::fs::copy(from, &self.path).unwrap();
        self.restart();
    }
}

/// Syncs until done; whether the server asked for everything again.
fn sync(client: &mut Store, server: &mut Store, limits: &Limits) -> bool {
    let mut resent = false;
    for _ in 0..1000 {
        let round = prepare(client, 1000).unwrap();
        let response = serve(server, &round.request, limits).unwrap();
        let progress = absorb(client, &round, &response).unwrap();
        resent |= progress.resent;
        if progress.done {
            return resent;
        }
    }
    panic!("sync never finished");
}

/// Syncs every client twice over, so each has what the others pushed.
fn settle(clients: &mut [&mut Store], server: &mut Store) {
    for _ in 0..2 {
        for client in clients.iter_mut() {
            sync(client, server, &Limits::default());
        }
    }
}

fn ids(s: &Store) -> Vec<String> {
    notes(s).into_iter().map(|(id, _)| id).collect()
}

#[test]
fn a_server_restored_from_a_backup_gets_back_everything_its_clients_had_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let limits = Limits::default();
    let mut server = ServerFile::create(dir.path());
    let (mut a, mut b, mut c) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "a1", "from a before the backup");
    put(&mut b, "b1", "from b before the backup");
    settle(&mut [&mut a, &mut b, &mut c], server.store());
    server.backup(&backup);

    // A day of work after the backup, from two devices.
    for i in 0..5 {
        put(&mut a, &format!("a-after-{i}"), "from a after the backup");
        sync(&mut a, server.store(), &limits);
        put(&mut b, &format!("b-after-{i}"), "from b after the backup");
        sync(&mut b, server.store(), &limits);
    }
    put(&mut a, "a-last", "a's last words before the restore");
    sync(&mut a, server.store(), &limits);

    server.restore(&backup);
    // A device that last synced before the backup writes a lot first: the
    // server's version passes what a and b were told before they come back.
    for i in 0..30 {
        put(&mut c, &format!("c-{i}"), "from c after the restore");
        assert!(!sync(&mut c, server.store(), &limits), "c lost nothing");
    }
    assert!(
        sync(&mut b, server.store(), &limits),
        "b is asked to resend"
    );
    assert!(
        sync(&mut a, server.store(), &limits),
        "a is asked to resend"
    );
    for client in [&mut c, &mut b] {
        sync(client, server.store(), &limits);
    }

    let everything = ids(server.store());
    assert_eq!(everything.len(), 2 + 10 + 1 + 30, "{everything:?}");
    for (name, client) in [("a", &a), ("b", &b), ("c", &c)] {
        assert_eq!(ids(client), everything, "{name} has every note");
        assert!(!sync::client::has_unsynced_changes(client).unwrap());
    }
}

#[test]
fn a_push_acknowledged_inside_a_long_pull_is_sent_again_after_a_restore() {
    // The client's `since` stays low while it pulls page by page, but the
    // server had already merged its push at a higher version: that version
    // (the answer's head) is what the server checks after a restore.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let mut server = ServerFile::create(dir.path());
    let (mut a, mut b) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    for i in 0..5 {
        put(&mut a, &format!("a{i}"), "one commit each");
        sync(&mut a, server.store(), &Limits::default());
    }
    server.backup(&backup);

    put(&mut b, "b", "acknowledged while b pulls the first page");
    let one_per_page = Limits {
        page_size: 1,
        ..Limits::default()
    };
    let round = prepare(&b, 1000).unwrap();
    let response = serve(server.store(), &round.request, &one_per_page).unwrap();
    assert!(response.more && response.server_version < response.head);
    absorb(&mut b, &round, &response).unwrap();
    assert!(!sync::client::has_unsynced_changes(&b).unwrap());

    server.restore(&backup);
    for i in 0..10 {
        put(&mut a, &format!("later{i}"), "past b's since and head");
        sync(&mut a, server.store(), &Limits::default());
    }
    assert!(sync(&mut b, server.store(), &Limits::default()));
    sync(&mut a, server.store(), &Limits::default());
    assert!(ids(server.store()).contains(&"b".to_string()));
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn a_new_empty_server_is_rebuilt_from_its_clients() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let mut old = ServerFile::create(&dir.path().join("old").tap_mkdir());
    let (mut a, mut b) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "a", "from a");
    put(&mut b, "b", "from b");
    settle(&mut [&mut a, &mut b], old.store());

    let mut new = ServerFile::create(&dir.path().join("new").tap_mkdir());
    assert!(sync(&mut a, new.store(), &limits));
    assert!(sync(&mut b, new.store(), &limits));
    sync(&mut a, new.store(), &limits);
    assert_eq!(ids(new.store()), ["a", "b"]);
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn a_server_restart_sends_nobody_everything_again() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let mut server = ServerFile::create(dir.path());
    let (mut a, mut b) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "a", "from a");
    put(&mut b, "b", "from b");
    settle(&mut [&mut a, &mut b], server.store());
    for _ in 0..3 {
        server.restart();
        put(&mut a, &format!("a{}", common::now()), "after a restart");
        assert!(!sync(&mut a, server.store(), &limits));
        assert!(!sync(&mut b, server.store(), &limits));
    }
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn a_client_of_the_old_protocol_syncs_everything_once() {
    // A replica whose cursors were kept before epochs existed has none: one
    // full sync, and then it is like any other.
    let limits = Limits::default();
    let (mut a, _, mut server) = common::replicas();
    put(&mut a, "a", "from a");
    sync(&mut a, &mut server, &limits);
    a.conn()
        .execute("DELETE FROM sync_state WHERE key = 'server_epoch'", [])
        .unwrap();
    assert!(sync(&mut a, &mut server, &limits));
    assert!(!sync(&mut a, &mut server, &limits));
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
