#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! What the server refuses in a push, and that a refused push applies nothing.

mod common;

use common::{notes, put, replicas, sync};
use store::{ChangeFilter, Store};
use sync::SyncError;
use sync::client::{pending_changes, prepare};
use sync::server::{Limits, serve};

fn rejected(edit: impl Fn(&mut protocol::SyncRequest)) -> (SyncError, usize) {
    let (mut a, mut server) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "n", "x");
    let mut request = prepare(&a, 100).unwrap().request;
    edit(&mut request);
    let err = serve(&mut server, &request, &Limits::default()).unwrap_err();
    let left = server
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes
        .len();
    (err, left)
}

type Edit = dyn Fn(&mut protocol::SyncRequest);

#[test]
fn malformed_changes_are_refused_and_nothing_is_applied() {
    let cases: Vec<(&str, Box<Edit>)> = vec![
        (
            "unknown table",
            Box::new(|r| r.changes[1].table = "secrets".into()),
        ),
        (
            "unknown column",
            Box::new(|r| r.changes[1].cid = "nope".into()),
        ),
        (
            "pk is not a packed",
            Box::new(|r| r.changes[1].pk = "AQ==".into()),
        ),
        (
            "pk is not a packed",
            Box::new(|r| r.changes[1].pk = "Ag0EYWJjZA==".into()),
        ),
        (
            "pk is not valid base64",
            Box::new(|r| r.changes[1].pk = "%%%".into()),
        ),
        ("must be 1 or more", Box::new(|r| r.changes[1].cl = 0)),
        (
            "only its own changes",
            Box::new(|r| r.changes[1].site_id = Some("ab".repeat(16))),
        ),
        (
            "not a decimal",
            Box::new(|r| r.changes[1].val = Some(protocol::WireValue::Int("x".into()))),
        ),
    ];
    for (expected, edit) in cases {
        let (err, left) = rejected(edit);
        assert!(err.is_bad_input(), "{expected}: {err}");
        assert!(
            err.to_string().contains(expected),
            "expected {expected:?}, got {err}"
        );
        assert!(err.to_string().starts_with("change 1"), "{err}");
        assert_eq!(left, 0, "{expected}: something was applied");
    }
}

#[test]
fn a_push_is_checked_and_decoded_before_the_servers_database_is_needed() {
    let mut a = Store::open_in_memory().unwrap();
    put(&mut a, "n", "x");
    let limits = Limits::default();
    let request = prepare(&a, 100).unwrap().request;
    let push = sync::server::decode(&request, &limits).unwrap();
    assert_eq!(push.changes().len(), request.changes.len());

    let mut bad = request.clone();
    bad.changes[1].pk = "%%%".into();
    let err = sync::server::decode(&bad, &limits).unwrap_err();
    assert!(
        err.is_bad_input() && err.to_string().starts_with("change 1"),
        "{err}"
    );

    // What only the database knows is checked with it: a push of its own
    // site's changes is refused, and nothing is merged.
    let err = sync::server::merge_and_answer(&mut a, &push, &limits).unwrap_err();
    assert!(matches!(err, SyncError::BadSiteId), "{err}");
    let mut server = Store::open_in_memory().unwrap();
    sync::server::merge_and_answer(&mut server, &push, &limits).unwrap();
    assert_eq!(notes(&server), notes(&a));
}

#[test]
fn a_different_schema_version_is_refused_with_a_clear_error() {
    let (err, _) = rejected(|r| r.schema_version += 1);
    assert!(matches!(err, SyncError::SchemaMismatch { .. }));
    assert!(err.to_string().contains("update the app"));
}

#[test]
fn a_server_out_of_room_refuses_a_push_as_its_own_fault_and_applies_nothing() {
    let limits = Limits::default();
    let (mut a, _, mut server) = replicas();
    put(&mut a, "small", "fits");
    sync(&mut a, &mut server, &limits, 100);
    let pages: i64 = server
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    server
        .conn()
        .pragma_update(None, "max_page_count", pages + 2)
        .unwrap();
    put(&mut a, "big", &"a line of a long note\n".repeat(5_000));
    let (version, pending) = (server.db_version().unwrap(), pending_changes(&a).unwrap());

    let round = prepare(&a, 10_000).unwrap();
    let err = serve(&mut server, &round.request, &limits).unwrap_err();

    assert!(
        matches!(&err, SyncError::Store(e) if e.is_disk_full()),
        "{err:?}"
    );
    assert!(!err.is_bad_input());
    assert_eq!(server.db_version().unwrap(), version);
    assert_eq!(pending_changes(&a).unwrap(), pending);
    // Once the server has room again, the same changes go through.
    server
        .conn()
        .pragma_update(None, "max_page_count", 1_000_000)
        .unwrap();
    sync(&mut a, &mut server, &limits, 10_000);
    assert_eq!(notes(&server), notes(&a));
}
