#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! Sync rounds between client replicas and a server replica, without a network.

mod common;

use common::{notes, now, put, replicas, sync};
use store::{ChangeFilter, Store};
use sync::client::{FIRST_PULL_PAGE, absorb, pending_changes, prepare};
use sync::server::{Limits, serve};
use sync::{Cursors, SyncError};

/// Small pages, so that a few hundred notes take many rounds.
const SMALL: Limits = Limits {
    max_changes: 50,
    page_size: 40,
    page_bytes: usize::MAX,
};

/// Syncs as the browser's worker does: the next push is read and served
/// while one travels, and once nothing is left to push, the next page of the
/// pull is served before this one is merged. Returns how many answers were
/// served ahead of the one before them being absorbed.
fn sync_ahead(client: &mut Store, server: &mut Store, limits: &Limits, batch: usize) -> usize {
    let mut round = prepare(client, batch).unwrap();
    let mut response = serve(server, &round.request, limits).unwrap();
    let mut ahead = 0;
    loop {
        let mut next = round.next_push(client, batch).unwrap();
        let mut next_response = next
            .as_ref()
            .map(|n| serve(server, &n.request, limits).unwrap());
        if next.is_none() {
            next = round.next_pull(&response);
            next_response = next
                .as_ref()
                .map(|n| serve(server, &n.request, limits).unwrap());
        }
        if absorb(client, &round, &response).unwrap().done {
            return ahead;
        }
        (round, response) = match (next, next_response) {
            (Some(n), Some(r)) => {
                ahead += 1;
                (n, r)
            }
            _ => {
                let r = prepare(client, batch).unwrap();
                let answer = serve(server, &r.request, limits).unwrap();
                (r, answer)
            }
        };
    }
}

#[test]
fn two_clients_converge_through_the_server_in_either_order() {
    let limits = Limits::default();
    for a_first in [true, false] {
        let (mut a, mut b, mut server) = replicas();
        put(&mut a, "a1", "written on a");
        put(&mut b, "b1", "written on b");
        put(&mut a, "shared", "a's version");
        put(&mut b, "shared", "b's version");
        let (first, second) = if a_first {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        sync(first, &mut server, &limits, 100);
        sync(second, &mut server, &limits, 100);
        sync(first, &mut server, &limits, 100); // the first catches up with the second
        assert_eq!(notes(&a), notes(&b));
        assert_eq!(notes(&a).len(), 3);
        assert_eq!(pending_changes(&a).unwrap(), 0);
        assert_eq!(pending_changes(&b).unwrap(), 0);
    }
}

#[test]
fn large_change_sets_are_paged_both_ways_and_arrive_whole() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    for i in 0..300 {
        put(&mut a, &format!("n{i:03}"), &format!("note {i}"));
    }
    let rounds_a = sync(&mut a, &mut server, &limits, 40);
    let rounds_b = sync(&mut b, &mut server, &limits, 40);
    assert!(
        rounds_a > 1 && rounds_b > 1,
        "expected paging: {rounds_a} {rounds_b}"
    );
    assert_eq!(notes(&b).len(), 300);
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn a_round_asks_a_small_first_page_and_doubles_the_pages_it_asks_ahead() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    for i in 0..100 {
        put(&mut a, &format!("n{i:03}"), &format!("note {i}"));
    }
    sync(&mut a, &mut server, &limits, 40);

    let mut round = prepare(&b, 40).unwrap();
    assert_eq!(round.request.page_size, Some(FIRST_PULL_PAGE));
    // Asked for 6 changes, the server stops at the end of the db_version
    // that holds the 6th (a page never splits one)...
    round.request.page_size = Some(6);
    let response = serve(&mut server, &round.request, &limits).unwrap();
    assert!(response.more);
    assert_eq!(response.changes.len(), 10, "two notes of 5 changes each");
    // ...each page asked ahead doubles...
    let next = round.next_pull(&response).unwrap();
    assert_eq!(next.request.page_size, Some(12));
    assert_eq!(
        round
            .next_pull(&response)
            .unwrap()
            .next_pull(&response)
            .unwrap()
            .request
            .page_size,
        Some(24)
    );
    // ...and the server caps what is asked at its own page size.
    let mut huge = next.request.clone();
    huge.page_size = Some(u32::MAX);
    let mut default = next.request.clone();
    default.page_size = None;
    assert_eq!(
        serve(&mut server, &huge, &limits).unwrap(),
        serve(&mut server, &default, &limits).unwrap()
    );
    absorb(&mut b, &round, &response).unwrap();
    sync(&mut b, &mut server, &limits, 40);
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn pushing_the_next_page_while_this_one_travels_ends_the_same() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    for i in 0..60 {
        put(&mut a, &format!("n{i:03}"), &format!("note {i}"));
    }
    put(&mut b, "b-own", "written on b");
    sync(&mut b, &mut server, &limits, 40);

    let pipelined = sync_ahead(&mut a, &mut server, &limits, 40);
    assert!(pipelined > 2, "pushes were sent ahead: {pipelined}");
    assert_eq!(pending_changes(&a).unwrap(), 0);
    sync(&mut b, &mut server, &limits, 40);
    assert_eq!(notes(&a), notes(&b));
    assert_eq!(notes(&b).len(), 61);
}

#[test]
fn a_push_answered_after_one_that_failed_is_refused_and_both_are_sent_again() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    for i in 0..30 {
        put(&mut a, &format!("n{i:03}"), &format!("note {i}"));
    }
    let first = prepare(&a, 40).unwrap();
    let second = first.next_push(&a, 40).unwrap().expect("more to push");
    // The first request is lost on the way; the second reaches the server.
    let answer = serve(&mut server, &second.request, &limits).unwrap();
    assert!(matches!(
        absorb(&mut a, &second, &answer),
        Err(SyncError::OutOfOrder)
    ));
    assert_eq!(
        pending_changes(&a).unwrap(),
        30,
        "nothing counted as pushed"
    );
    // The next sync starts again from what the server acknowledged.
    sync(&mut a, &mut server, &limits, 40);
    sync(&mut b, &mut server, &limits, 40);
    assert_eq!(notes(&b).len(), 30);
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn asking_for_the_next_page_before_merging_this_one_ends_the_same() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    for i in 0..200 {
        put(&mut a, &format!("n{i:03}"), &format!("note {i}"));
    }
    put(&mut b, "b-own", "written on b, pushed in the first round");
    sync(&mut a, &mut server, &limits, 40);

    let pipelined = sync_ahead(&mut b, &mut server, &limits, 40);
    assert!(pipelined > 2, "pages were asked ahead: {pipelined}");
    assert_eq!(notes(&b).len(), 201);
    assert_eq!(pending_changes(&b).unwrap(), 0);
    sync(&mut a, &mut server, &limits, 40);
    assert_eq!(notes(&a), notes(&b));
    // Nothing was missed: another full sync brings nothing new.
    let again = prepare(&b, 40).unwrap();
    assert!(
        serve(&mut server, &again.request, &limits)
            .unwrap()
            .changes
            .is_empty()
    );
}

#[test]
fn one_local_transaction_larger_than_the_servers_limit_still_syncs() {
    let limits = SMALL;
    let (mut a, mut b, mut server) = replicas();
    let ids: Vec<String> = (0..100).map(|i| format!("n{i:03}")).collect();
    let batch: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "bulk")).collect();
    a.save_notes(&batch, now()).unwrap();
    assert_eq!(a.db_version().unwrap(), 1, "one local transaction");
    let total = a
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes
        .len();
    assert!(total >= 300, "{total}");
    let pushes = sync(&mut a, &mut server, &limits, 50);
    assert!(
        pushes >= total / 50,
        "{total} changes in requests of at most 50: {pushes}"
    );
    assert_eq!(pending_changes(&a).unwrap(), 0);
    sync(&mut b, &mut server, &limits, 50);
    assert_eq!(notes(&b).len(), 100);
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn a_failed_round_changes_nothing_and_can_be_retried() {
    let limits = Limits::default();
    let (mut a, mut server) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "n", "offline edit");
    let before = Cursors::load(a.conn()).unwrap();
    let pending = pending_changes(&a).unwrap();

    let _lost = prepare(&a, 100).unwrap(); // the request never reached the server
    assert_eq!(Cursors::load(a.conn()).unwrap(), before);
    assert_eq!(pending_changes(&a).unwrap(), pending);

    sync(&mut a, &mut server, &limits, 100);
    assert_eq!(notes(&server), notes(&a));
    assert_eq!(pending_changes(&a).unwrap(), 0);
}

#[test]
fn a_note_deleted_for_good_is_gone_from_every_client() {
    let limits = Limits::default();
    let (mut a, mut b, mut server) = replicas();
    put(&mut a, "n", "soon gone");
    sync(&mut a, &mut server, &limits, 100);
    sync(&mut b, &mut server, &limits, 100);
    assert!(b.delete_note("n", now()).unwrap());
    assert_eq!(b.empty_trash().unwrap(), 1);
    put(&mut a, "n", "edited while b deleted");
    sync(&mut b, &mut server, &limits, 100);
    sync(&mut a, &mut server, &limits, 100);
    sync(&mut b, &mut server, &limits, 100);
    assert!(notes(&a).is_empty() && notes(&b).is_empty() && notes(&server).is_empty());
}

/// Syncs until done, checking every answer against what a full read of the
/// server's changes gives right after the round.
fn sync_checked(client: &mut Store, server: &mut Store, limits: &Limits) -> usize {
    let own = client.site_id().unwrap();
    for rounds in 1..1000 {
        let round = prepare(client, 7).unwrap();
        let response = serve(server, &round.request, limits).unwrap();
        let since = if round.request.since > server.db_version().unwrap() {
            0
        } else {
            round.request.since
        };
        let full = server
            .changes_since(since, ChangeFilter::NotFrom(own), limits.page_size)
            .unwrap();
        let expected: Vec<_> = full.changes.iter().map(sync::convert::to_wire).collect();
        assert_eq!(response.changes, expected, "round {rounds}");
        assert_eq!(response.server_version, full.next_since, "round {rounds}");
        assert_eq!(response.more, full.more, "round {rounds}");
        if absorb(client, &round, &response).unwrap().done {
            return rounds;
        }
    }
    panic!("sync never finished");
}

#[test]
fn answers_are_those_of_a_full_read_even_when_a_merge_touches_others_clocks() {
    // The server skips reading `crsql_changes` when its clock tables show no
    // other site's change to send. Resurrecting a row another site wrote
    // makes cr-sqlite move that site's column clocks to a new db_version:
    // those must still be sent.
    let limits = Limits {
        page_size: 5,
        ..Limits::default()
    };
    let (mut a, mut b, mut server) = replicas();
    put(&mut a, "n", "first\nsecond");
    put(&mut a, "m", "another note");
    sync_checked(&mut a, &mut server, &limits);
    sync_checked(&mut b, &mut server, &limits);
    // b edits n; a, not having seen that, deletes n for good and writes it
    // anew: the server resurrects a row whose columns b wrote last.
    put(&mut b, "n", "first\nsecond, edited on b");
    sync_checked(&mut b, &mut server, &limits);
    assert!(a.delete_note("n", now()).unwrap());
    assert_eq!(a.empty_trash().unwrap(), 1);
    put(&mut a, "n", "back again");
    sync_checked(&mut a, &mut server, &limits);
    sync_checked(&mut b, &mut server, &limits);
    put(&mut b, "m", "edited on b");
    sync_checked(&mut a, &mut server, &limits);
    sync_checked(&mut b, &mut server, &limits);
    sync_checked(&mut a, &mut server, &limits);
    assert_eq!(notes(&a), notes(&b));
    assert_eq!(notes(&a), notes(&server));
}

#[test]
fn unsynced_changes_are_counted_in_notes_not_rows() {
    let (mut a, mut server) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    put(&mut a, "shopping", "Shopping\nmilk\neggs\nbread");
    put(&mut a, "todo", "To do\ncall mom");
    assert_eq!(pending_changes(&a).unwrap(), 2);
    sync(&mut a, &mut server, &Limits::default(), 1000);
    assert_eq!(pending_changes(&a).unwrap(), 0);
    put(&mut a, "todo", "To do\ncall mom\nwater plants");
    assert_eq!(pending_changes(&a).unwrap(), 1);
}

#[test]
fn anything_unsynced_is_noticed_before_sign_out_and_nothing_after_a_sync() {
    let (mut a, mut b, mut server) = replicas();
    assert!(!sync::client::has_unsynced_changes(&a).unwrap());
    put(&mut a, "n", "text");
    assert!(sync::client::has_unsynced_changes(&a).unwrap());
    sync(&mut a, &mut server, &Limits::default(), 1000);
    assert!(!sync::client::has_unsynced_changes(&a).unwrap());
    // Changes merged from another device are not this device's to push.
    sync(&mut b, &mut server, &Limits::default(), 1000);
    assert!(!sync::client::has_unsynced_changes(&b).unwrap());
    assert_eq!(pending_changes(&b).unwrap(), 0);
}
