//! Server benchmarks (numbers, not pass/fail): `cargo bench -p server --bench sync_bench`.
//!
//! 1. Merge throughput: the same changes merged (a) raw, `INSERT INTO
//!    crsql_changes` in one transaction into a file database configured as the
//!    server's, and (b) end to end through `POST /sync` of a real server on
//!    127.0.0.1 (HTTP + JSON + validation + merge + fsync), in client batches:
//!    once by a client syncing (reading its changes before each request and
//!    recording what it pushes between them), and once as those same
//!    requests replayed into another account, built beforehand as a load
//!    generator sends them, which is the server's own throughput.
//! 2. Resident memory of the server process after N different users synced
//!    (the open-database cache is bounded).
//!
//! Environment: `BENCH_NOTES` (default 10000), `BENCH_USERS` (default 1000),
//! `BENCH_BATCH` (changes per pushed request, default 1000 as the app sends).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use protocol::{SessionToken, SyncResponse};
use store::{ChangeFilter, OpenOptions, Store};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn client_with_notes(n: usize) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    let notes: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("note-{i:06}"),
                format!("Note {i}\nSome text of a typical note, line two."),
            )
        })
        .collect();
    // One transaction per note, as they are written in the app: a single huge
    // transaction would make every push re-read it (a page cannot seek
    // inside one db_version) and measure that instead of the server.
    for (i, (id, body)) in notes.iter().enumerate() {
        s.save_note(id, body, 1_700_000_000_000 + i as i64).unwrap();
    }
    s
}

async fn account(http: &reqwest::Client, base: &str, user: &str) -> String {
    let body = serde_json::json!({ "username": user, "password": "benchmark password" });
    http.post(format!("{base}/api/accounts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let r = http
        .post(format!("{base}/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    r.json::<SessionToken>().await.unwrap().token
}

/// Syncs `client` to the server until done, asking pages as the app does
/// (small first, doubling); returns the number of rounds. Keeps each request
/// body in `sent`, if given.
async fn sync(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client: &mut Store,
    mut sent: Option<&mut Vec<Vec<u8>>>,
) -> usize {
    let batch = env_usize("BENCH_BATCH", 1_000);
    let mut round = sync::client::prepare(client, batch).unwrap();
    for rounds in 1.. {
        let body = serde_json::to_vec(&round.request).unwrap();
        if let Some(sent) = sent.as_deref_mut() {
            sent.push(body.clone());
        }
        let r = http
            .post(format!("{base}/sync"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let response: SyncResponse = r.json().await.unwrap();
        let next = round.next_pull(&response);
        if sync::client::absorb(client, &round, &response)
            .unwrap()
            .done
        {
            return rounds;
        }
        round = match next {
            Some(next) => next,
            None => sync::client::prepare(client, batch).unwrap(),
        };
    }
    unreachable!()
}

/// Sends request bodies built beforehand, one after another, as a load
/// generator would: what the server alone sustains, without the client's
/// own reading and merging between requests.
async fn replay(http: &reqwest::Client, base: &str, token: &str, bodies: &[Vec<u8>]) {
    for body in bodies {
        let r = http
            .post(format!("{base}/sync"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        r.bytes().await.unwrap();
    }
}

fn spawn_server(data: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    // BENCH_SERVER_BIN: another build of the server, to compare two builds
    // on this machine back to back.
    let bin =
        std::env::var_os("BENCH_SERVER_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_server").into());
    let mut child = Command::new(bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            "none",
            "--data-dir",
        ])
        .arg(data)
        .args(extra)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().rsplit(' ').next().unwrap().to_owned())
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::main]
async fn main() {
    let notes = env_usize("BENCH_NOTES", 10_000);
    let users = env_usize("BENCH_USERS", 1_000);
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();

    // 1a. Raw merge, one transaction, a file database set up as the server's.
    let client = client_with_notes(notes);
    let changes = client
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes;
    let mut raw = Store::open(dir.path().join("raw.db"), &OpenOptions::default()).unwrap();
    let t = Instant::now();
    raw.apply_changes(&changes).unwrap();
    let raw_secs = t.elapsed().as_secs_f64();
    let raw_rate = changes.len() as f64 / raw_secs;

    // 1b. The same changes through /sync of the real server process.
    let (mut server, base) = spawn_server(&dir.path().join("data"), &[]);
    let token = account(&http, &base, "bench").await;
    let mut pusher = client_with_notes(notes);
    let mut bodies = Vec::new();
    let t = Instant::now();
    let rounds = sync(&http, &base, &token, &mut pusher, Some(&mut bodies)).await;
    let e2e_secs = t.elapsed().as_secs_f64();
    let e2e_rate = changes.len() as f64 / e2e_secs;

    // The same requests again, built beforehand, into another account's
    // empty database: the server's own throughput.
    let token2 = account(&http, &base, "bench-replay").await;
    let t = Instant::now();
    replay(&http, &base, &token2, &bodies).await;
    let server_secs = t.elapsed().as_secs_f64();
    let server_rate = changes.len() as f64 / server_secs;

    // And the other direction: an empty replica receiving everything.
    let mut fresh = Store::open_in_memory().unwrap();
    let t = Instant::now();
    let pull_rounds = sync(&http, &base, &token, &mut fresh, None).await;
    let pull_secs = t.elapsed().as_secs_f64();
    server.kill().unwrap();
    server.wait().unwrap();

    println!(
        "merge throughput, {} notes = {} changes",
        notes,
        changes.len()
    );
    println!("| path | seconds | changes/s |");
    println!("|---|---:|---:|");
    println!("| raw INSERT INTO crsql_changes, 1 transaction | {raw_secs:.3} | {raw_rate:.0} |");
    println!(
        "| POST /sync end to end, {rounds} requests of <={} | {e2e_secs:.3} | {e2e_rate:.0} |",
        env_usize("BENCH_BATCH", 1_000)
    );
    println!(
        "| POST /sync, the same {} requests built beforehand (the server alone) | {server_secs:.3} | {server_rate:.0} |",
        bodies.len()
    );
    println!(
        "| initial pull into an empty native replica, {pull_rounds} pages | {pull_secs:.3} | {:.0} |",
        changes.len() as f64 / pull_secs
    );
    println!(
        "ratio /sync : raw = {:.2} (the server alone), {:.2} (with the client's own work between requests)",
        server_rate / raw_rate,
        e2e_rate / raw_rate
    );

    // 2. Memory after many users synced, with the default cache of 64 databases.
    let (mut server, base) = spawn_server(&dir.path().join("users"), &["--sync-burst", "1000"]);
    let start_rss = rss_kib(server.id());
    let t = Instant::now();
    for u in 0..users {
        let token = account(&http, &base, &format!("user-{u}")).await;
        let mut device = client_with_notes(3);
        sync(&http, &base, &token, &mut device, None).await;
    }
    let secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let end_rss = rss_kib(server.id());
    server.kill().unwrap();
    server.wait().unwrap();
    println!();
    println!(
        "server RSS: {start_rss} KiB at start, {end_rss} KiB after {users} users signed up, signed in and synced ({secs:.1} s)"
    );
}
