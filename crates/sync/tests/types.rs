#![allow(clippy::unwrap_used)]
//! A value or key of the wrong SQLite type is refused on either side, before
//! anything merges: cr-sqlite itself would store it and relay it to every
//! device, where the note it belongs to no longer reads.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{notes, put};
use protocol::{SyncRequest, WireValue};
use store::{Change, ChangeFilter, Store, Value};
use sync::client::{absorb, prepare};
use sync::server::{Limits, serve};

/// One column of a hand-packed primary key (cr-sqlite 0.16's format).
enum Part<'a> {
    Int(u8),
    Text(&'a str),
    Blob(&'a [u8]),
}

fn pack(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = vec![u8::try_from(parts.len()).unwrap()];
    for part in parts {
        match part {
            Part::Int(n) => out.extend([(1 << 3) | 1, *n]),
            Part::Text(s) => {
                out.extend([(1 << 3) | 3, u8::try_from(s.len()).unwrap()]);
                out.extend(s.as_bytes());
            }
            Part::Blob(b) => {
                out.extend([(1 << 3) | 4, u8::try_from(b.len()).unwrap()]);
                out.extend(*b);
            }
        }
    }
    out
}

/// A client's push of one new note, and the index of its change `cid`.
fn push_of_a_note() -> (Store, SyncRequest) {
    let mut a = Store::open_in_memory().unwrap();
    put(&mut a, "n", "milk");
    let request = prepare(&a, 100).unwrap().request;
    (a, request)
}

fn index_of(request: &SyncRequest, table: &str, cid: &str) -> usize {
    request
        .changes
        .iter()
        .position(|c| c.table == table && c.cid == cid)
        .unwrap_or_else(|| panic!("no {table}.{cid} in {:?}", request.changes))
}

type Edit = Box<dyn Fn(&mut SyncRequest)>;

fn set(table: &'static str, cid: &'static str, val: Option<WireValue>) -> Edit {
    Box::new(move |r| {
        let i = index_of(r, table, cid);
        r.changes[i].val = val.clone();
    })
}

fn line_key(parts: &'static [Part<'static>]) -> Edit {
    Box::new(move |r| {
        let i = index_of(r, "lines", "text");
        r.changes[i].pk = STANDARD.encode(pack(parts));
    })
}

#[test]
fn a_push_with_a_value_or_key_of_the_wrong_type_is_refused_and_nothing_is_applied() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "column \"text\" of table \"lines\" holds text or NULL, not a blob",
            set("lines", "text", Some(WireValue::blob(b"milk"))),
        ),
        (
            "column \"text\" of table \"lines\" holds text or NULL, not an integer",
            set("lines", "text", Some(WireValue::int(7))),
        ),
        (
            "column \"updated_at\" of table \"notes\" holds an integer, not text",
            set(
                "notes",
                "updated_at",
                Some(WireValue::Text("yesterday".into())),
            ),
        ),
        (
            "column \"updated_at\" of table \"notes\" holds an integer, not a float",
            set("notes", "updated_at", Some(WireValue::real(1.5))),
        ),
        (
            "column \"created_at\" of table \"notes\" holds an integer, not NULL",
            set("notes", "created_at", None),
        ),
        (
            "column \"deleted_at\" of table \"notes\" holds an integer or NULL, not text",
            set("notes", "deleted_at", Some(WireValue::Text("now".into()))),
        ),
        (
            "pk column \"edited_at\" of table \"lines\" holds an integer, not text",
            line_key(&[
                Part::Text("n"),
                Part::Text("a "),
                Part::Text("l1"),
                Part::Text("noon"),
                Part::Text("l1"),
            ]),
        ),
        (
            "pk column \"note_id\" of table \"lines\" holds text, not an integer",
            line_key(&[
                Part::Int(1),
                Part::Text("a "),
                Part::Text("l1"),
                Part::Int(1),
                Part::Text("l1"),
            ]),
        ),
        (
            "pk column \"pos\" of table \"lines\" holds text, not a blob",
            line_key(&[
                Part::Text("n"),
                Part::Blob(b"a "),
                Part::Text("l1"),
                Part::Int(1),
                Part::Text("l1"),
            ]),
        ),
    ];
    for (expected, edit) in cases {
        let (_, mut request) = push_of_a_note();
        edit(&mut request);
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
fn the_same_push_with_every_type_right_is_merged() {
    let (a, request) = push_of_a_note();
    let mut server = Store::open_in_memory().unwrap();
    serve(&mut server, &request, &Limits::default()).unwrap();
    assert_eq!(notes(&server), notes(&a));
}

#[test]
fn a_client_refuses_an_answer_with_a_value_of_the_wrong_type_and_merges_nothing() {
    // A server that took such a change before it checked types, or a
    // hostile one: the client merges none of the answer, keeps its cursors,
    // and says why.
    let (_, request) = push_of_a_note();
    let mut server = Store::open_in_memory().unwrap();
    serve(&mut server, &request, &Limits::default()).unwrap();
    let mut bad: Change = server
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes
        .into_iter()
        .find(|c| c.table == "lines" && c.cid == "text")
        .unwrap();
    bad.val = Value::Blob(b"not text".to_vec());
    bad.col_version += 1;
    server.apply_changes(&[bad]).unwrap();

    let mut b = Store::open_in_memory().unwrap();
    let round = prepare(&b, 100).unwrap();
    let response = serve(&mut server, &round.request, &Limits::default()).unwrap();
    let err = absorb(&mut b, &round, &response).unwrap_err();
    assert!(
        err.to_string()
            .contains("column \"text\" of table \"lines\" holds text or NULL, not a blob"),
        "{err}"
    );
    assert!(notes(&b).is_empty());
    assert_eq!(
        sync::Cursors::load(b.conn())
            .unwrap()
            .received_server_version,
        0
    );
}
