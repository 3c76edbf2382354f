#![cfg(not(target_family = "wasm"))]
#![allow(clippy::unwrap_used)]
//! The server's decode + validate + merge of a `SyncRequest`, fed arbitrary
//! JSON and mutations of valid requests: it never panics, never fails as its
//! own fault (a 5xx), and a refused request changes nothing.
//!
//! CI runs a bounded number of cases (proptest's 256 per property). A longer
//! hunt: `PROPTEST_CASES=20000 cargo test --release -p sync --test fuzz` (14
//! minutes on 2 cores, all passing when written).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::put;
use proptest::prelude::*;
use protocol::{Seen, SyncRequest, WireValue};
use store::{ChangeFilter, Store};
use sync::client::prepare;
use sync::server::{Limits, serve};

/// Everything the server's database holds, to see that a refusal changed
/// nothing.
fn snapshot(s: &Store) -> (i64, Vec<store::Change>) {
    (
        s.db_version().unwrap(),
        s.changes_since(0, ChangeFilter::All, usize::MAX)
            .unwrap()
            .changes,
    )
}

/// A server that already holds another device's notes, and a valid push
/// from a second device.
fn world() -> (Store, SyncRequest) {
    let (mut a, mut b, mut server) = common::replicas();
    put(&mut a, "n1", "milk\neggs");
    put(&mut a, "n2", "one line");
    common::sync(&mut a, &mut server, &Limits::default(), 1000);
    put(&mut b, "n3", "tea\ncoffee\nbread");
    put(&mut b, "n1", "milk\nbutter");
    (server, prepare(&b, 1000).unwrap().request)
}

/// Runs `request` and checks the three promises.
fn served(server: &mut Store, request: &SyncRequest) -> Result<(), TestCaseError> {
    let before = snapshot(server);
    match serve(server, request, &Limits::default()) {
        Ok(_) => {}
        Err(e) => {
            prop_assert!(e.is_bad_input(), "refused as the server's own fault: {e}");
            prop_assert!(
                snapshot(server) == before,
                "a refused request changed the database: {e}"
            );
        }
    }
    Ok(())
}

fn counter() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(1 << 53),
        Just((1 << 53) + 1),
        Just(i64::MAX),
        Just(i64::MIN),
        0i64..1000,
        any::<i64>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("notes".to_string()),
        Just("lines".to_string()),
        Just("note_versions".to_string()),
        Just("-1".to_string()),
        Just("text".to_string()),
        Just("updated_at".to_string()),
        Just("sqlite_master".to_string()),
        Just("notes__crsql_clock".to_string()),
        Just("!".repeat(10_000)),
        ".{0,12}",
    ]
}

fn wire_value() -> impl Strategy<Value = Option<WireValue>> {
    prop_oneof![
        Just(None),
        any::<i64>().prop_map(|n| Some(WireValue::int(n))),
        any::<f64>().prop_map(|f| Some(WireValue::real(f))),
        ".{0,40}".prop_map(|s| Some(WireValue::Text(s))),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| Some(WireValue::blob(&b))),
        ".{0,20}".prop_map(|s| Some(WireValue::Int(s))),
        ".{0,20}".prop_map(|s| Some(WireValue::Real(s))),
        ".{0,20}".prop_map(|s| Some(WireValue::Blob(s))),
    ]
}

/// A change to a pk's bytes: cr-sqlite reads them in C, so they must never
/// get past the check malformed.
#[derive(Clone, Debug)]
enum PkEdit {
    Flip { at: usize, bit: u8 },
    Truncate { to: usize },
    Append(Vec<u8>),
    Replace(Vec<u8>),
    NotBase64(String),
}

fn pk_edit() -> impl Strategy<Value = PkEdit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| PkEdit::Flip { at, bit }),
        any::<usize>().prop_map(|to| PkEdit::Truncate { to }),
        proptest::collection::vec(any::<u8>(), 1..10).prop_map(PkEdit::Append),
        proptest::collection::vec(any::<u8>(), 0..60).prop_map(PkEdit::Replace),
        ".{0,12}".prop_map(PkEdit::NotBase64),
    ]
}

/// One mutation of a valid request.
#[derive(Clone, Debug)]
enum Mutation {
    Table(usize, String),
    Cid(usize, String),
    Val(usize, Option<WireValue>),
    Pk(usize, PkEdit),
    ColVersion(usize, i64),
    DbVersion(usize, i64),
    Cl(usize, i64),
    Seq(usize, i64),
    SiteId(usize, Option<String>),
    Duplicate(usize),
    Remove(usize),
    Swap(usize, usize),
    Since(i64),
    Head(i64),
    Seen(Option<(String, i64)>),
    PageSize(Option<u32>),
    RequestSite(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        (i, text()).prop_map(|(i, t)| Mutation::Table(i, t)),
        (i, text()).prop_map(|(i, t)| Mutation::Cid(i, t)),
        (i, wire_value()).prop_map(|(i, v)| Mutation::Val(i, v)),
        (i, pk_edit()).prop_map(|(i, e)| Mutation::Pk(i, e)),
        (i, counter()).prop_map(|(i, n)| Mutation::ColVersion(i, n)),
        (i, counter()).prop_map(|(i, n)| Mutation::DbVersion(i, n)),
        (i, counter()).prop_map(|(i, n)| Mutation::Cl(i, n)),
        (i, counter()).prop_map(|(i, n)| Mutation::Seq(i, n)),
        (i, proptest::option::of("[0-9a-fA-F]{30,34}")).prop_map(|(i, s)| Mutation::SiteId(i, s)),
        i.prop_map(Mutation::Duplicate),
        i.prop_map(Mutation::Remove),
        (i, i).prop_map(|(a, b)| Mutation::Swap(a, b)),
        counter().prop_map(Mutation::Since),
        counter().prop_map(Mutation::Head),
        proptest::option::of(("[0-9a-f]{31,33}", counter())).prop_map(Mutation::Seen),
        proptest::option::of(any::<u32>()).prop_map(Mutation::PageSize),
        "[0-9a-f]{0,34}".prop_map(Mutation::RequestSite),
    ]
}

fn apply(request: &mut SyncRequest, m: &Mutation) {
    let n = request.changes.len();
    let at = |i: usize| i % n.max(1);
    let changes = &mut request.changes;
    match m.clone() {
        Mutation::Table(i, t) if n > 0 => changes[at(i)].table = t,
        Mutation::Cid(i, t) if n > 0 => changes[at(i)].cid = t,
        Mutation::Val(i, v) if n > 0 => changes[at(i)].val = v,
        Mutation::Pk(i, edit) if n > 0 => {
            let change = &mut changes[at(i)];
            let mut bytes = STANDARD.decode(&change.pk).unwrap_or_default();
            match edit {
                PkEdit::Flip { at, bit } if !bytes.is_empty() => {
                    let at = at % bytes.len();
                    bytes[at] ^= 1 << bit;
                }
                PkEdit::Truncate { to } => bytes.truncate(to % (bytes.len() + 1)),
                PkEdit::Append(more) => bytes.extend(more),
                PkEdit::Replace(new) => bytes = new,
                PkEdit::NotBase64(s) => {
                    change.pk = s;
                    return;
                }
                PkEdit::Flip { .. } => {}
            }
            change.pk = STANDARD.encode(bytes);
        }
        Mutation::ColVersion(i, v) if n > 0 => changes[at(i)].col_version = v,
        Mutation::DbVersion(i, v) if n > 0 => changes[at(i)].db_version = v,
        Mutation::Cl(i, v) if n > 0 => changes[at(i)].cl = v,
        Mutation::Seq(i, v) if n > 0 => changes[at(i)].seq = v,
        Mutation::SiteId(i, s) if n > 0 => changes[at(i)].site_id = s,
        Mutation::Duplicate(i) if n > 0 => {
            let c = changes[at(i)].clone();
            changes.push(c);
        }
        Mutation::Remove(i) if n > 0 => {
            changes.remove(at(i));
        }
        Mutation::Swap(a, b) if n > 0 => changes.swap(at(a), at(b)),
        Mutation::Since(v) => request.since = v,
        Mutation::Head(v) => request.head = v,
        Mutation::Seen(seen) => {
            request.seen = seen.map(|(epoch, version)| Seen { epoch, version });
        }
        Mutation::PageSize(p) => request.page_size = p,
        Mutation::RequestSite(s) => request.site_id = s,
        _ => {}
    }
}

proptest! {
    #[test]
    fn mutated_valid_requests_never_panic_never_fail_as_the_servers_fault_and_change_nothing_when_refused(
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (mut server, mut request) = world();
        for m in &mutations {
            apply(&mut request, m);
        }
        served(&mut server, &request)?;
    }

    #[test]
    fn arbitrary_json_never_panics_and_what_parses_is_served_safely(
        json in prop_oneof![
            ".{0,200}",
            // Near-valid shapes: a request's fields with random contents.
            (counter(), "[0-9a-f]{32}", ".{0,8}", ".{0,8}", ".{0,16}", counter(), counter())
                .prop_map(|(since, site, table, cid, pk, v, cl)| format!(
                    r#"{{"protocol":4,"schema_version":9,"site_id":"{site}","since":{since},"head":{v},
                    "changes":[{{"table":{table:?},"pk":{pk:?},"cid":{cid:?},"val":null,
                    "col_version":{v},"db_version":{v},"cl":{cl},"seq":0}}]}}"#
                )),
        ],
    ) {
        let (mut server, _) = world();
        if let Ok(request) = serde_json::from_str::<SyncRequest>(&json) {
            served(&mut server, &request)?;
        }
    }
}
