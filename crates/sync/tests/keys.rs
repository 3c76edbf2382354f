#![allow(clippy::unwrap_used)]
//! Ids, line positions and lineages from another replica are bounded and of
//! a known alphabet: either side refuses a change carrying a crafted one
//! before anything merges. The notes code sorts by them, extends them and
//! hands positions to the fractional-index code, and every device would
//! receive them.

mod common;

use common::{notes, put};
use store::{ChangeFilter, Store};
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};

/// A replica holding one note, plus one line written straight into its table
/// with the given key columns (as a buggy or hostile replica would).
fn with_line(note_id: &str, pos: &str, lineage: &str, id: &str) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    put(&mut s, "n", "milk");
    s.conn()
        .execute(
            "INSERT INTO lines (note_id, pos, lineage, edited_at, id, text)
             VALUES (?1, ?2, ?3, 1, ?4, 'eggs')",
            [note_id, pos, lineage, id],
        )
        .unwrap();
    s
}

/// A replica holding one note and a `devices` row written straight into
/// its table.
fn with_device(site_id: &str, name: &str) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    put(&mut s, "n", "milk");
    s.conn()
        .execute(
            "INSERT INTO devices (site_id, name) VALUES (?1, ?2)",
            [site_id, name],
        )
        .unwrap();
    s
}

fn crafted() -> Vec<(&'static str, Store)> {
    let bangs = "!".repeat(100_000);
    let tildes = format!("a0{}", "~".repeat(20_000));
    vec![
        (
            "pk column \"lineage\" of table \"lines\" is not a lineage",
            with_line("n", "a V", &bangs, "l1"),
        ),
        (
            "pk column \"lineage\" of table \"lines\" is not a lineage",
            with_line("n", "a V", "two words", "l1"),
        ),
        (
            "pk column \"pos\" of table \"lines\" is not a line position",
            with_line("n", &tildes, "l1", "l1"),
        ),
        (
            "pk column \"pos\" of table \"lines\" is not a line position",
            with_line("n", "zz", "l1", "l1"),
        ),
        (
            "pk column \"id\" of table \"lines\" is not an id",
            with_line("n", "a V", "l1", "l 1"),
        ),
        (
            "pk column \"note_id\" of table \"lines\" is not an id",
            with_line("é", "a V", "l1", "l1"),
        ),
        (
            "pk column \"site_id\" of table \"devices\" is not a site id",
            with_device("Laptop", "Laptop"),
        ),
        (
            "column \"name\" of table \"devices\" is not a device name",
            with_device("00112233445566778899aabbccddeeff", &"x".repeat(500)),
        ),
    ]
}

#[test]
fn a_push_with_a_crafted_id_position_or_lineage_is_refused_and_nothing_is_applied() {
    for (expected, client) in crafted() {
        let request = prepare(&client, 100).unwrap().request;
        let mut server = Store::open_in_memory().unwrap();
        let err = serve(&mut server, &request, &Limits::default()).unwrap_err();
        assert!(err.is_bad_input(), "{expected}: {err}");
        assert!(
            err.to_string().contains(expected),
            "{expected:?}: got {err}"
        );
        let left = server
            .changes_since(0, ChangeFilter::All, usize::MAX)
            .unwrap();
        assert!(left.changes.is_empty(), "{expected}: something was applied");
    }
}

#[test]
fn a_client_refuses_an_answer_with_a_crafted_key_and_merges_nothing() {
    // A server that took such a change before it checked keys, or a hostile
    // one: here the crafted rows are written straight into its database.
    for (expected, mut server) in crafted() {
        let mut b = Store::open_in_memory().unwrap();
        let round = prepare(&b, 100).unwrap();
        let response = serve(&mut server, &round.request, &Limits::default()).unwrap();
        let err = absorb(&mut b, &round, &response).unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{expected:?}: got {err}"
        );
        assert!(notes(&b).is_empty(), "{expected}: something was merged");
    }
}

#[test]
fn device_names_sync_to_every_replica() {
    let (mut a, mut b) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    a.set_device_name("Laptop").unwrap();
    b.set_device_name("Phone").unwrap();
    let mut server = Store::open_in_memory().unwrap();
    let mut sync = |replica: &mut Store| {
        let round = prepare(replica, 100).unwrap();
        let response = serve(&mut server, &round.request, &Limits::default()).unwrap();
        absorb(replica, &round, &response).unwrap();
    };
    sync(&mut a);
    sync(&mut b);
    sync(&mut a);
    let names: Vec<String> = a
        .conn()
        .prepare("SELECT name FROM devices ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["Laptop", "Phone"]);
}

#[test]
fn keys_the_app_made_while_typing_at_one_place_sync() {
    // Thousands of lines typed one after another in the middle of a note,
    // each its own save: every key stays within the bounds and is accepted.
    let mut a = Store::open_in_memory().unwrap();
    let mut text = String::from("top\nbottom");
    put(&mut a, "n", &text);
    for i in 0..3_000 {
        let at = text.rfind("\nbottom").unwrap();
        text.insert_str(at, &format!("\nline {i}"));
        put(&mut a, "n", &text);
    }
    let mut server = Store::open_in_memory().unwrap();
    common::sync(&mut a, &mut server, &Limits::default(), 10_000);
    let mut b = Store::open_in_memory().unwrap();
    common::sync(&mut b, &mut server, &Limits::default(), 10_000);
    assert_eq!(notes(&b), notes(&a));
}
