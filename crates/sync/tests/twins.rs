#![allow(clippy::unwrap_used)]
//! Two replicas from one file (a copied browser profile, a restored backup of
//! a device, a copied data directory) share a site id, and a server never
//! sends a site its own changes. The server notices, both take new ids, and
//! every edit reaches every replica.

mod common;

use common::{notes, put};
use store::{OpenOptions, Store};
use sync::SyncError;
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};

/// Syncs as the app does: on "site shared", takes a new id and goes on.
/// Returns whether it had to.
fn sync(client: &mut Store, server: &mut Store) -> bool {
    let mut renamed = false;
    for _ in 0..100 {
        let round = prepare(client, 1000).unwrap();
        match serve(server, &round.request, &Limits::default()) {
            Ok(response) => {
                if absorb(client, &round, &response).unwrap().done {
                    return renamed;
                }
            }
            Err(SyncError::SharedSite) => {
                assert!(!renamed, "a new id was refused too");
                sync::new_site::take_new_site(client).unwrap();
                renamed = true;
            }
            Err(e) => panic!("sync failed: {e}"),
        }
    }
    panic!("sync never finished");
}

/// A replica that synced `text` as note "shared", and a copy of its file.
fn twins(dir: &tempfile::TempDir, server: &mut Store) -> (Store, Store) {
    let (a_path, b_path) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let mut a = Store::open(&a_path, &OpenOptions::default()).unwrap();
    put(&mut a, "shared", "one\ntwo\nthree");
    assert!(!sync(&mut a, server));
    a.close().unwrap();
    std::fs::copy(&a_path, &b_path).unwrap();
    let a = Store::open(&a_path, &OpenOptions::default()).unwrap();
    let b = Store::open(&b_path, &OpenOptions::default()).unwrap();
    assert_eq!(a.site_id().unwrap(), b.site_id().unwrap());
    (a, b)
}

fn settle(replicas: &mut [&mut Store], server: &mut Store) {
    for _ in 0..3 {
        for r in replicas.iter_mut() {
            sync(r, server);
        }
    }
}

#[test]
fn two_replicas_from_one_file_both_edit_and_sync_and_every_edit_reaches_every_replica() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Store::open_in_memory().unwrap();
    let (mut a, mut b) = twins(&dir, &mut server);
    // One edit each: the same number of writes, so their versions match.
    put(&mut a, "from-a", "written on a");
    put(&mut b, "from-b", "written on b");
    assert!(!sync(&mut a, &mut server), "the first to push keeps its id");
    assert!(
        sync(&mut b, &mut server),
        "the second is refused and renamed"
    );
    assert!(sync(&mut a, &mut server), "then the first is refused too");
    // More edits on both, also to the note they share.
    put(&mut a, "shared", "one (a)\ntwo\nthree");
    put(&mut b, "shared", "one\ntwo\nthree (b)");
    settle(&mut [&mut a, &mut b], &mut server);
    let expected = vec![
        ("from-a".to_owned(), "written on a".to_owned()),
        ("from-b".to_owned(), "written on b".to_owned()),
        ("shared".to_owned(), "one (a)\ntwo\nthree (b)".to_owned()),
    ];
    for (name, s) in [("a", &a), ("b", &b), ("server", &server)] {
        let mut got = notes(s);
        got.sort();
        assert_eq!(got, expected, "{name}");
    }
    assert_ne!(a.site_id().unwrap(), b.site_id().unwrap());
}

#[test]
fn a_copy_that_only_reads_is_found_by_its_lower_version_and_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Store::open_in_memory().unwrap();
    let (mut a, mut b) = twins(&dir, &mut server);
    assert!(!sync(&mut b, &mut server), "nothing tells them apart yet");
    put(&mut a, "from-a", "written on a");
    assert!(!sync(&mut a, &mut server));
    // b never writes: only its version, below what the id sent, shows it.
    assert!(sync(&mut b, &mut server));
    assert!(notes(&b).contains(&("from-a".to_owned(), "written on a".to_owned())));
    settle(&mut [&mut a, &mut b], &mut server);
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn a_push_sent_again_after_its_answer_was_lost_is_not_taken_for_a_copy() {
    let mut server = Store::open_in_memory().unwrap();
    let mut a = Store::open_in_memory().unwrap();
    put(&mut a, "n", "one\ntwo");
    put(&mut a, "m", "other");
    let round = prepare(&a, 1000).unwrap();
    serve(&mut server, &round.request, &Limits::default()).unwrap(); // answer lost
    // Sent again with more: a line of the same note edited again (its
    // earlier change is no longer reported), and a new note.
    put(&mut a, "n", "one\ntwo, edited");
    put(&mut a, "o", "new");
    assert!(!sync(&mut a, &mut server));
    let mut b = Store::open_in_memory().unwrap();
    assert!(!sync(&mut b, &mut server));
    assert_eq!(notes(&b), notes(&a));
}

#[test]
fn pages_of_a_long_push_that_merge_out_of_order_are_not_taken_for_a_copy() {
    let mut server = Store::open_in_memory().unwrap();
    let mut a = Store::open_in_memory().unwrap();
    for i in 0..30 {
        put(&mut a, &format!("n{i}"), &format!("note {i}\nline"));
    }
    let first = prepare(&a, 20).unwrap();
    let second = first.next_push(&a, 20).unwrap().unwrap();
    assert!(!second.request.changes.is_empty());
    assert_eq!(second.request.head, first.request.head);
    // The page sent second merges first.
    let later = serve(&mut server, &second.request, &Limits::default()).unwrap();
    let earlier = serve(&mut server, &first.request, &Limits::default()).unwrap();
    absorb(&mut a, &first, &earlier).unwrap();
    absorb(&mut a, &second, &later).unwrap();
    assert!(!sync(&mut a, &mut server));
    let mut b = Store::open_in_memory().unwrap();
    assert!(!sync(&mut b, &mut server));
    assert_eq!(notes(&b), notes(&a));
}

#[test]
fn a_site_found_shared_is_refused_and_nothing_of_its_push_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Store::open_in_memory().unwrap();
    let (mut a, mut b) = twins(&dir, &mut server);
    put(&mut a, "from-a", "written on a");
    put(&mut b, "from-b", "written on b");
    sync(&mut a, &mut server);
    let before = server.db_version().unwrap();
    let round = prepare(&b, 1000).unwrap();
    let err = serve(&mut server, &round.request, &Limits::default()).unwrap_err();
    assert!(matches!(err, SyncError::SharedSite), "{err}");
    assert!(err.to_string().contains("nothing is lost"), "{err}");
    assert_eq!(server.db_version().unwrap(), before, "nothing merged");
    assert!(!notes(&server).iter().any(|(id, _)| id == "from-b"));
    // Every later request with that id, from either copy, is refused too.
    let round = prepare(&a, 1000).unwrap();
    let err = serve(&mut server, &round.request, &Limits::default()).unwrap_err();
    assert!(matches!(err, SyncError::SharedSite), "{err}");
}
