//! Operating the server: `/metrics` and who may read it, the log line of
//! each request, and the security headers on every response.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{Device, TestServer, account, http};
use server::config::MetricsToken;

async fn metrics_text(server: &TestServer) -> String {
    let r = http().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The value of the series `name` (with its labels, as rendered).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_sync_work() {
    let server = TestServer::start().await;
    let base = server.url("");
    let token = account(&base, "ann", "password one").await;
    let mut device = Device::new(&base, &token);
    device.put("n1", "milk");
    device.put("n2", "eggs");
    let mut pushed = 0;
    loop {
        let (done, _, sent) = device.round().await.unwrap();
        pushed += sent.len();
        if done {
            break;
        }
    }
    // Refused: no token, and a path of the API that is not there (twice,
    // under different paths: one label).
    let r = http().post(server.url("/sync")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    for path in ["/api/nope", "/api/nope/again?token=secret"] {
        assert_eq!(
            http().get(server.url(path)).send().await.unwrap().status(),
            404
        );
    }
    let text = metrics_text(&server).await;
    let series = |s: &str| value(&text, s).unwrap_or_else(|| panic!("{s} in\n{text}"));
    assert_eq!(
        series(r#"notes_http_requests_total{route="/api/accounts",status="201"}"#),
        1.0
    );
    assert_eq!(
        series(r#"notes_http_requests_total{route="/api/sessions",status="200"}"#),
        1.0
    );
    assert!(series(r#"notes_http_requests_total{route="/sync",status="200"}"#) >= 1.0);
    assert_eq!(
        series(r#"notes_http_refused_total{route="/sync",status="401"}"#),
        1.0
    );
    assert_eq!(
        series(r#"notes_http_refused_total{route="/api/*",status="404"}"#),
        2.0
    );
    assert!(pushed > 0);
    #[allow(clippy::cast_precision_loss)]
    let pushed = pushed as f64;
    assert_eq!(series("notes_sync_changes_merged_total"), pushed);
    assert_eq!(series("notes_sync_changes_sent_total"), 0.0);
    assert!(series("notes_sync_seconds_count") >= 1.0);
    assert!(series("notes_sync_merge_seconds_count") >= 1.0);
    assert!(series(r#"notes_http_request_seconds_count{route="/sync"}"#) >= 1.0);
    assert_eq!(series("notes_open_databases"), 1.0);
    assert_eq!(series("notes_live_streams"), 0.0);
    assert_eq!(series("notes_password_hashes_waiting"), 0.0);
    assert_eq!(series("notes_password_hashes_running"), 0.0);
    assert!(
        text.contains("# TYPE notes_sync_seconds histogram"),
        "{text}"
    );
    // Never a path a client made up, nor a user's name.
    assert!(!text.contains("nope") && !text.contains("ann"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn sign_in_flood_shows_429s_and_the_password_queue() {
    let server = TestServer::start_with(|c| {
        c.sign_ins_per_minute = 1;
        c.max_password_hashes = Some(1);
    })
    .await;
    let base = server.url("");
    account(&base, "bob", "password two").await;
    let body = serde_json::json!({ "username": "bob", "password": "password two" });
    let r = http()
        .post(server.url("/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let text = metrics_text(&server).await;
    assert_eq!(
        value(
            &text,
            r#"notes_http_rate_limited_total{route="/api/sessions"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // Hashing is over: nothing waits or runs.
    assert_eq!(value(&text, "notes_password_hashes_running"), Some(0.0));
    assert!(text.contains("# TYPE notes_password_hashes_waiting gauge"));
    server.stop().await;
}

#[tokio::test]
async fn the_password_queue_shows_sign_ins_waiting_their_turn() {
    let server = TestServer::start_with(|c| c.max_password_hashes = Some(1)).await;
    // Every hashing turn taken: a sign-up waits.
    let turn = server
        .state
        .password_hashes
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    let base = server.url("");
    let sign_up = tokio::spawn(async move { account(&base, "dana", "password three").await });
    let mut waiting = None;
    for _ in 0..100 {
        waiting = value(
            &metrics_text(&server).await,
            "notes_password_hashes_waiting",
        );
        if waiting == Some(1.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(waiting, Some(1.0));
    drop(turn);
    sign_up.await.unwrap();
    let text = metrics_text(&server).await;
    assert_eq!(value(&text, "notes_password_hashes_waiting"), Some(0.0));
    assert_eq!(value(&text, "notes_password_hashes_running"), Some(0.0));
    server.stop().await;
}

#[tokio::test]
async fn with_a_token_only_the_token_reads_metrics_even_from_loopback() {
    let server = TestServer::start_with(|c| {
        c.metrics_token = Some("a-long-metrics-token".parse::<MetricsToken>().unwrap());
    })
    .await;
    let r = http().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not found");
    let r = http()
        .get(server.url("/metrics"))
        .bearer_auth("a-long-metrics-tokeN")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http()
        .get(server.url("/metrics"))
        .bearer_auth("a-long-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("notes_open_databases 0"));
    server.stop().await;
}

#[test]
fn short_metrics_tokens_are_refused() {
    assert!("short".parse::<MetricsToken>().is_err());
    assert!(
        format!(
            "{:?}",
            "a-long-metrics-token".parse::<MetricsToken>().unwrap()
        )
        .contains("..")
    );
}

/// The real binary with `--log-format json`: one line per request, with its
/// route, status, time and user, and never a token, a password or a query.
#[tokio::test]
async fn json_logs_have_one_line_per_request_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            "no-dist",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // Log lines may come before the address.
    let base = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server ended");
        if let Some(url) = line.trim().strip_prefix("notes server listening on ") {
            break url.to_owned();
        }
    };
    let password = "a password that must not show";
    let token = account(&base, "carol", password).await;
    let mut device = Device::new(&base, &token);
    device.put("n1", "milk");
    device.sync().await;
    let r = http()
        .get(format!("{base}/api/nope?token=querysecret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    common::stop_server(child);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();

    let lines: Vec<serde_json::Value> = rest
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["message"] == "request").collect();
    let summary = |l: &serde_json::Value| {
        (
            l["span"]["method"].as_str().unwrap_or("").to_owned(),
            l["span"]["route"].as_str().unwrap_or("").to_owned(),
            l["status"].as_u64().unwrap_or(0),
        )
    };
    let seen: Vec<_> = requests.iter().map(|l| summary(l)).collect();
    let sign_ups = seen.iter().filter(|s| s.1 == "/api/accounts").count();
    let syncs: Vec<_> = requests
        .iter()
        .filter(|l| l["span"]["route"] == "/sync")
        .collect();
    assert_eq!(sign_ups, 1, "{seen:?}");
    assert!(
        seen.contains(&("POST".into(), "/api/sessions".into(), 200)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("GET".into(), "/api/*".into(), 404)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("GET".into(), "/health".into(), 200)),
        "{seen:?}"
    );
    // Rounds until done: each one line with its user.
    assert!(!syncs.is_empty(), "{seen:?}");
    for s in &syncs {
        assert_eq!(s["status"], 200);
        assert!(s["span"]["user"].as_i64().is_some(), "{s}");
        assert!(s["ms"].as_f64().is_some(), "{s}");
    }
    assert_eq!(requests.len(), 4 + syncs.len(), "{seen:?}");
    for secret in [token.as_str(), password, "querysecret"] {
        assert!(!rest.contains(secret), "{secret} in the log:\n{rest}");
    }
}

/// The app's page and the API answer with the security headers; the policy
/// names the page's inline script by its hash and allows no other inline one.
#[tokio::test]
async fn security_headers_name_the_pages_inline_scripts() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join("index.html"),
        "<!DOCTYPE html><html><head><script type=\"module\">alert(1)</script>\
         <script type=\"module\" src=\"/app.js\"></script></head><body></body></html>",
    )
    .unwrap();
    let static_dir = app.path().to_owned();
    let server = TestServer::start_with(move |c| c.static_dir = static_dir).await;
    for path in ["/", "/some/page", "/health", "/api/nope"] {
        let r = http().get(server.url(path)).send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{name} on {path}"))
                .to_owned()
        };
        let csp = header("content-security-policy");
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert!(
            csp.contains(
                "script-src 'self' 'wasm-unsafe-eval' \
                 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=';"
            ),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
    }
    // A new build put in place while the server runs: its page names its script.
    let index = app.path().join("index.html");
    std::fs::write(&index, "<html><script>alert(2)</script></html>").unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let r = http().get(server.url("/")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    // printf 'alert(2)' | openssl dgst -sha256 -binary | base64
    let new_hash = "'sha256-4axlHpxgDbFzJObpXPFZgZhULrEGgJiud3OwxN9unHg='";
    assert!(csp.contains(new_hash) && !csp.contains("bhHHL3z2"), "{csp}");
    server.stop().await;
}
