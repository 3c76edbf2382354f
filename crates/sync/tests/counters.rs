#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! Counters near i64::MAX would pin the clock of every replica that merged
//! them: the server refuses them in a push, and a client refuses them in an
//! answer, and neither stores anything of such a message.

mod common;

use common::{notes, put, replicas, sync};
use protocol::{MAX_COUNTER, SyncRequest, SyncResponse};
use store::{ChangeFilter, Store};
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};
use sync::{Cursors, SyncError};

fn applied(server: &Store) -> usize {
    server
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes
        .len()
}

#[test]
fn a_push_with_a_counter_past_two_to_the_53_is_refused_whole() {
    type Edit = fn(&mut SyncRequest);
    let edits: [(&str, Edit); 5] = [
        ("db_version", |r| r.changes[1].db_version = i64::MAX),
        ("col_version", |r| {
            r.changes[1].col_version = MAX_COUNTER + 1
        }),
        ("cl", |r| r.changes[1].cl = i64::MAX),
        ("seq", |r| r.changes[1].seq = i64::MAX),
        ("since", |r| r.since = MAX_COUNTER + 1),
    ];
    for (what, edit) in edits {
        let (mut a, _, mut server) = replicas();
        put(&mut a, "n", "x");
        let mut request = prepare(&a, 100).unwrap().request;
        edit(&mut request);
        let err = serve(&mut server, &request, &Limits::default()).unwrap_err();
        assert!(err.is_bad_input(), "{what}: {err}");
        assert!(err.to_string().contains("2^53"), "{what}: {err}");
        assert_eq!(applied(&server), 0, "{what}: something was applied");
    }
    // At the bound itself it is taken.
    let (mut a, _, mut server) = replicas();
    put(&mut a, "n", "x");
    let mut request = prepare(&a, 100).unwrap().request;
    request.changes[0].col_version = MAX_COUNTER;
    serve(&mut server, &request, &Limits::default()).unwrap();
}

#[test]
fn an_answer_with_a_counter_past_two_to_the_53_is_refused_and_changes_nothing() {
    let (mut a, mut b, mut server) = replicas();
    put(&mut a, "n1", "from a");
    sync(&mut a, &mut server, &Limits::default(), 100);
    put(&mut b, "n2", "b's own, unsynced");
    let cursors = Cursors::load(b.conn()).unwrap();
    type Edit = fn(&mut SyncResponse);
    let edits: [(&str, Edit); 3] = [
        ("db_version", |r| r.changes[0].db_version = i64::MAX),
        ("cl", |r| r.changes[0].cl = MAX_COUNTER + 1),
        ("server_version", |r| r.server_version = i64::MAX),
    ];
    for (what, edit) in edits {
        let round = prepare(&b, 100).unwrap();
        // The server takes b's push; its answer is spoiled on the way.
        let mut response = serve(&mut server, &round.request, &Limits::default()).unwrap();
        assert!(!response.changes.is_empty());
        edit(&mut response);
        let err = absorb(&mut b, &round, &response).unwrap_err();
        assert!(matches!(err, SyncError::BadResponse(_)), "{what}: {err}");
        assert_eq!(Cursors::load(b.conn()).unwrap(), cursors, "{what}");
        assert_eq!(
            notes(&b),
            [("n2".to_owned(), "b's own, unsynced".to_owned())],
            "{what}: something was merged"
        );
        assert!(
            sync::client::has_unsynced_changes(&b).unwrap(),
            "{what}: b's words still count as unsynced"
        );
    }
}
