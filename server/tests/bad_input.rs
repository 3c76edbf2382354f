#![allow(clippy::unwrap_used)]
//! Hostile and broken requests: each gets a 4xx with a JSON error that says
//! what is wrong, nothing is applied, and the server stays up.

mod common;

use common::*;
use serde_json::{Value, json};
use store::ChangeFilter;

struct Req {
    method: reqwest::Method,
    path: &'static str,
    auth: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

type Edit = Box<dyn Fn(&mut Req)>;

/// Edits the JSON body.
fn json_edit(f: impl Fn(&mut Value) + 'static) -> Edit {
    Box::new(move |r: &mut Req| {
        let mut v: Value = serde_json::from_slice(&r.body).unwrap();
        f(&mut v);
        r.body = serde_json::to_vec(&v).unwrap();
    })
}

/// Edits the fourth change, which has a value (three valid ones come before it: atomicity is tested too).
fn change_edit(f: impl Fn(&mut Value) + 'static) -> Edit {
    json_edit(move |v| f(&mut v["changes"][3]))
}

#[tokio::test]
async fn bad_requests_get_a_clear_4xx_and_change_nothing() {
    let server = TestServer::start().await;
    let base = server.url("");
    let token = account(&base, "victim", "password one").await;
    // The user already has data on the server.
    let mut first = Device::new(&base, &token);
    first.put("existing", "must survive");
    first.sync().await;
    // A second device with unsynced notes builds the valid request we break.
    let mut dev = Device::new(&base, &token);
    dev.put("x1", "one");
    dev.put("x2", "two");
    let valid = sync::client::prepare(&dev.store, 100).unwrap().request;
    assert!(valid.changes.len() >= 3);
    let valid_body = serde_json::to_vec(&valid).unwrap();

    let snapshot = || {
        let s = server.state.stores.get(1).unwrap();
        let s = s.lock();
        s.changes_since(0, ChangeFilter::All, usize::MAX)
            .unwrap()
            .changes
    };
    let before = snapshot();

    let too_many: Vec<Value> = (0..10_001)
        .map(|_| serde_json::to_value(&valid.changes[0]).unwrap())
        .collect();
    let cases: Vec<(&str, u16, &str, Edit)> = vec![
        (
            "no auth header",
            401,
            "missing Authorization",
            Box::new(|r| r.auth = None),
        ),
        (
            "empty bearer",
            401,
            "missing Authorization",
            Box::new(|r| r.auth = Some("Bearer ".into())),
        ),
        (
            "basic auth",
            401,
            "missing Authorization",
            Box::new(|r| r.auth = Some("Basic dTpw".into())),
        ),
        (
            "unknown token",
            401,
            "invalid or expired session",
            Box::new(|r| r.auth = Some("Bearer nope".into())),
        ),
        (
            "token too long",
            401,
            "missing Authorization",
            Box::new(|r| r.auth = Some(format!("Bearer {}", "a".repeat(300)))),
        ),
        (
            "text content type",
            415,
            "Content-Type: application/json",
            Box::new(|r| r.content_type = Some("text/plain")),
        ),
        (
            "no content type",
            415,
            "Content-Type: application/json",
            Box::new(|r| r.content_type = None),
        ),
        (
            "truncated JSON",
            400,
            "EOF",
            Box::new(|r| r.body.truncate(r.body.len() / 2)),
        ),
        ("empty body", 400, "EOF", Box::new(|r| r.body.clear())),
        (
            "not an object",
            400,
            "invalid type",
            Box::new(|r| r.body = b"[1,2,3]".to_vec()),
        ),
        (
            "invalid UTF-8",
            400,
            "",
            Box::new(|r| r.body = vec![b'{', 0xff, 0xfe, b'}']),
        ),
        (
            "protocol as string",
            400,
            "invalid type",
            json_edit(|v| v["protocol"] = json!("2")),
        ),
        (
            "missing site_id",
            400,
            "missing field `site_id`",
            json_edit(|v| {
                v.as_object_mut().unwrap().remove("site_id");
            }),
        ),
        (
            "unknown field",
            400,
            "unknown field `admin`",
            json_edit(|v| v["admin"] = json!(true)),
        ),
        (
            "protocol 2",
            400,
            "protocol version 2 is not supported (this side speaks 4); update the app before syncing",
            json_edit(|v| v["protocol"] = json!(2)),
        ),
        (
            "seen epoch not hex",
            400,
            "seen.epoch must be 32 hex digits and seen.version from 0 to 2^53",
            json_edit(|v| v["seen"] = json!({"epoch": "z".repeat(32), "version": 1})),
        ),
        (
            "seen version negative",
            400,
            "seen.epoch must be 32 hex digits",
            json_edit(|v| v["seen"] = json!({"epoch": "0".repeat(32), "version": -1})),
        ),
        (
            "seen with an unknown field",
            400,
            "unknown field `at`",
            json_edit(|v| v["seen"] = json!({"epoch": "0".repeat(32), "version": 1, "at": 2})),
        ),
        (
            "schema from the future",
            409,
            "schema version mismatch",
            json_edit(|v| v["schema_version"] = json!(99)),
        ),
        (
            "site id not hex",
            400,
            "site_id must be 32 hex digits",
            json_edit(|v| v["site_id"] = json!("zz".repeat(16))),
        ),
        (
            "site id too short",
            400,
            "site_id must be 32 hex digits",
            json_edit(|v| v["site_id"] = json!("ab".repeat(15))),
        ),
        (
            "negative since",
            400,
            "since must be from 0 to 2^53",
            json_edit(|v| v["since"] = json!(-1)),
        ),
        (
            "negative head",
            400,
            "head must be from 0 to 2^53",
            json_edit(|v| v["head"] = json!(-1)),
        ),
        (
            "no head",
            400,
            "",
            json_edit(|v| {
                v.as_object_mut().map(|o| o.remove("head"));
            }),
        ),
        (
            "empty page asked",
            400,
            "page_size must be 1 or more",
            json_edit(|v| v["page_size"] = json!(0)),
        ),
        (
            "since too big for i64",
            400,
            "invalid",
            json_edit(|v| v["since"] = json!(u64::MAX)),
        ),
        (
            "changes not a list",
            400,
            "invalid type",
            json_edit(|v| v["changes"] = json!({})),
        ),
        (
            "unknown table",
            400,
            "change 3: unknown table \"secrets\"",
            change_edit(|c| c["table"] = json!("secrets")),
        ),
        (
            "SQL in table name",
            400,
            "unknown table",
            change_edit(|c| c["table"] = json!("notes; DROP TABLE notes")),
        ),
        (
            "internal table",
            400,
            "unknown table",
            change_edit(|c| c["table"] = json!("notes__crsql_clock")),
        ),
        (
            "unknown column",
            400,
            "change 3: unknown column \"owner\"",
            change_edit(|c| c["cid"] = json!("owner")),
        ),
        (
            "pk column as cid",
            400,
            "unknown column \"id\"",
            change_edit(|c| c["cid"] = json!("id")),
        ),
        (
            "pk not base64",
            400,
            "pk is not valid base64",
            change_edit(|c| c["pk"] = json!("%%%")),
        ),
        (
            "pk not a packed key",
            400,
            "pk is not a packed primary key",
            change_edit(|c| c["pk"] = json!("AQ==")),
        ),
        (
            "pk of two columns",
            400,
            "pk is not a packed primary key",
            change_edit(|c| c["pk"] = json!("AhcBYRcBYg==")),
        ),
        (
            "empty pk",
            400,
            "pk is not a packed primary key",
            change_edit(|c| c["pk"] = json!("")),
        ),
        (
            "unknown value tag",
            400,
            "unknown variant `float`",
            change_edit(|c| c["val"] = json!({"float": "1"})),
        ),
        (
            "value as bare number",
            400,
            "changes[3].val",
            change_edit(|c| c["val"] = json!(42)),
        ),
        (
            "int not decimal",
            400,
            "not a decimal 64-bit integer",
            change_edit(|c| c["val"] = json!({"int": "1e3"})),
        ),
        (
            "int overflow",
            400,
            "not a decimal 64-bit integer",
            change_edit(|c| c["val"] = json!({"int": "9223372036854775808"})),
        ),
        (
            "real not hex",
            400,
            "16 hex digits",
            change_edit(|c| c["val"] = json!({"real": "0.5"})),
        ),
        (
            "real NaN",
            400,
            "NaN",
            change_edit(|c| c["val"] = json!({"real": "7ff8000000000000"})),
        ),
        (
            "blob not base64",
            400,
            "blob value is not valid base64",
            change_edit(|c| c["val"] = json!({"blob": "@@"})),
        ),
        (
            "col_version 0",
            400,
            "must be 1 or more",
            change_edit(|c| c["col_version"] = json!(0)),
        ),
        (
            "negative cl",
            400,
            "must be 1 or more",
            change_edit(|c| c["cl"] = json!(-1)),
        ),
        (
            "negative seq",
            400,
            "seq 0 or more",
            change_edit(|c| c["seq"] = json!(-5)),
        ),
        (
            "fractional version",
            400,
            "invalid type",
            change_edit(|c| c["db_version"] = json!(1.5)),
        ),
        (
            "someone else's change",
            400,
            "only its own changes",
            change_edit(|c| c["site_id"] = json!("ab".repeat(16))),
        ),
        (
            "sentinel with a value",
            400,
            "row sentinel",
            change_edit(|c| c["cid"] = json!("-1")),
        ),
        (
            "too many changes",
            413,
            "too many changes",
            json_edit(move |v| v["changes"] = json!(too_many.clone())),
        ),
        (
            "body over 8 MiB",
            413,
            "too large",
            Box::new(|r| r.body = vec![b' '; 9 * 1024 * 1024]),
        ),
        (
            "GET /sync",
            405,
            "method not allowed",
            Box::new(|r| r.method = reqwest::Method::GET),
        ),
        (
            "unknown API path",
            404,
            "not found",
            Box::new(|r| r.path = "/api/admin"),
        ),
    ];
    assert!(cases.len() >= 30);

    for (name, status, message, edit) in cases {
        let mut req = Req {
            method: reqwest::Method::POST,
            path: "/sync",
            auth: Some(format!("Bearer {token}")),
            content_type: Some("application/json"),
            body: valid_body.clone(),
        };
        edit(&mut req);
        let mut b = http()
            .request(req.method, server.url(req.path))
            .body(req.body);
        if let Some(a) = req.auth {
            b = b.header("authorization", a);
        }
        if let Some(ct) = req.content_type {
            b = b.header("content-type", ct);
        }
        let r = b.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{name}");
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{name}: body is not JSON: {e}"));
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no error field: {body}"));
        assert!(
            error.contains(message),
            "{name}: {error:?} does not mention {message:?}"
        );
        assert_eq!(snapshot(), before, "{name}: the user's database changed");
        let health = http().get(server.url("/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{name}: server down");
    }

    // The untouched request still works afterwards.
    let r = http()
        .post(server.url("/sync"))
        .bearer_auth(&token)
        .json(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(snapshot(), before);
    server.stop().await;
}
