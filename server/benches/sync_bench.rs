//! Server benchmarks (numbers, not pass/fail): `cargo bench -p server --bench sync_bench`.
//!
//! 1. Merge throughput: the same changes merged (a) raw, `INSERT INTO
//!    crsql_changes` in one transaction into a file database configured as the
//!    server's, and (b) end to end through `POST /sync` of a real server on
//!    127.0.0.1 (HTTP + JSON + validation + merge + fsync), in client batches:
//!    once by a client syncing as the app's worker does (reading the next
//!    push while one travels, recording what it pushes), and once as those same
//!    requests replayed into another account, built beforehand as a load
//!    generator sends them, which is the server's own throughput.
//! 2. Resident memory of the server process after N different users synced
//!    (the open-database cache is bounded).
//!
//! Environment: `BENCH_NOTES` (default 10000), `BENCH_USERS` (default 1000),
//! `BENCH_BATCH` (changes per pushed request; by default the app's pages:
//! 1,000 first, doubling while pages are sent ahead, up to 4,000),
//! `BENCH_REPS` (runs of part 1, default 3).
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

/// Sends one request body; its answer arrives on the returned handle.
fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: Vec<u8>,
) -> tokio::task::JoinHandle<SyncResponse> {
    let request = http
        .post(format!("{base}/sync"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body);
    tokio::spawn(async move {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    })
}

/// Syncs `client` to the server until done as the app's worker does: the
/// next push is read and sent while one travels, and once nothing is left
/// to push the next page of the pull is asked while one merges (small
/// first, doubling). Returns the number of rounds; keeps each request body
/// in `sent`, if given.
async fn sync(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client: &mut Store,
    mut sent: Option<&mut Vec<Vec<u8>>>,
) -> usize {
    let (first, max) = push_pages();
    let mut body_of = |round: &sync::client::Round| {
        let body = serde_json::to_vec(&round.request).unwrap();
        if let Some(sent) = sent.as_deref_mut() {
            sent.push(body.clone());
        }
        body
    };
    let mut round = sync::client::prepare(client, first).unwrap();
    let mut in_flight = send(http, base, token, body_of(&round));
    for rounds in 1.. {
        let mut next = round.next_push(client, max).unwrap();
        let mut next_flight = next.as_ref().map(|n| send(http, base, token, body_of(n)));
        let response = in_flight.await.unwrap();
        if next.is_none() {
            next = round.next_pull(&response);
            next_flight = next.as_ref().map(|n| send(http, base, token, body_of(n)));
        }
        if sync::client::absorb(client, &round, &response)
            .unwrap()
            .done
        {
            return rounds;
        }
        (round, in_flight) = match (next, next_flight) {
            (Some(n), Some(f)) => (n, f),
            _ => {
                let r = sync::client::prepare(client, first).unwrap();
                let f = send(http, base, token, body_of(&r));
                (r, f)
            }
        };
    }
    unreachable!()
}

/// The first and the largest push page: the app's, or `BENCH_BATCH` for both.
fn push_pages() -> (usize, usize) {
    match env_usize("BENCH_BATCH", 0) {
        0 => (sync::client::FIRST_PUSH_PAGE, sync::client::MAX_PUSH_PAGE),
        batch => (batch, batch),
    }
}

/// How many changes each request of a push of all of `client`'s changes
/// carries, paged as [`sync`] pages them.
fn push_page_sizes(client: &Store) -> Vec<usize> {
    let (first, max) = push_pages();
    let mut round = sync::client::prepare(client, first).unwrap();
    let mut sizes = vec![round.request.changes.len()];
    while let Some(next) = round.next_push(client, max).unwrap() {
        sizes.push(next.request.changes.len());
        round = next;
    }
    sizes
}

/// Sends request bodies built beforehand, as a load generator would, with
/// the next one on its way while one is answered (as the app pushes): what
/// the server alone sustains, without a client's own work.
async fn replay(http: &reqwest::Client, base: &str, token: &str, bodies: &[Vec<u8>]) {
    let mut in_flight = None;
    for body in bodies {
        let next = send(http, base, token, body.clone());
        if let Some(answer) = in_flight.replace(next) {
            answer.await.unwrap();
        }
    }
    if let Some(answer) = in_flight {
        answer.await.unwrap();
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
        // Every simulated client is on loopback, one address: the limits
        // per address would stop a benchmark's thousand sign-ups.
        .env("NOTES_SIGN_UPS_PER_HOUR_PER_ADDRESS", "1000000")
        .env("NOTES_SIGN_UPS_PER_MINUTE", "1000000")
        .env("NOTES_SIGN_INS_PER_MINUTE_PER_ADDRESS", "1000000")
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

    // 1. The three merges, BENCH_REPS times in turn (this machine's speed
    // drifts within seconds): medians and ranges are reported.
    let reps = env_usize("BENCH_REPS", 3).max(1);
    let client = client_with_notes(notes);
    let changes = client
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes;
    let pages = push_page_sizes(&client);
    let (mut server, base) = spawn_server(&dir.path().join("data"), &[]);
    let (mut raw_secs, mut split_secs, mut e2e_secs, mut server_secs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut rounds, mut requests, mut token) = (0, 0, String::new());
    for rep in 0..reps {
        // a. Raw merge, one transaction, into a file database set up as the server's.
        let mut raw = Store::open(
            dir.path().join(format!("raw-{rep}.db")),
            &OpenOptions::default(),
        )
        .unwrap();
        let t = Instant::now();
        raw.apply_changes(&changes).unwrap();
        raw_secs.push(t.elapsed().as_secs_f64());

        // a'. The same, in the transactions the server makes for the pushes'
        // pages (one commit, so one fsync, each): what splitting costs.
        let mut split = Store::open(
            dir.path().join(format!("split-{rep}.db")),
            &OpenOptions::default(),
        )
        .unwrap();
        let t = Instant::now();
        let mut rest = &changes[..];
        for &size in &pages {
            let (chunk, after) = rest.split_at(size.min(rest.len()));
            split.apply_changes(chunk).unwrap();
            rest = after;
        }
        split_secs.push(t.elapsed().as_secs_f64());

        // b. The same changes through /sync of the real server process, by a
        // client syncing as the app does.
        token = account(&http, &base, &format!("bench-{rep}")).await;
        let mut pusher = client_with_notes(notes);
        let mut bodies = Vec::new();
        let t = Instant::now();
        rounds = sync(&http, &base, &token, &mut pusher, Some(&mut bodies)).await;
        e2e_secs.push(t.elapsed().as_secs_f64());

        // c. The same requests again, built beforehand, into another
        // account's empty database: the server's own throughput.
        let other = account(&http, &base, &format!("bench-replay-{rep}")).await;
        let t = Instant::now();
        replay(&http, &base, &other, &bodies).await;
        server_secs.push(t.elapsed().as_secs_f64());
        requests = bodies.len();
    }

    // And the other direction: an empty replica receiving everything.
    let mut fresh = Store::open_in_memory().unwrap();
    let t = Instant::now();
    let pull_rounds = sync(&http, &base, &token, &mut fresh, None).await;
    let pull_secs = t.elapsed().as_secs_f64();
    server.kill().unwrap();
    server.wait().unwrap();

    // Each run's raw merge and its /sync runs follow one another within a
    // second or two; this machine's speed drifts over longer spans, so the
    // ratios of a run's own figures scatter less than the medians' ratio.
    let per_run = |ours: &[f64]| {
        let mut ratios: Vec<f64> = raw_secs.iter().zip(ours).map(|(r, o)| r / o).collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    };
    let (alone_ratios, e2e_ratios) = (per_run(&server_secs), per_run(&e2e_secs));
    let n = changes.len() as f64;
    let row = |what: &str, secs: &mut Vec<f64>| {
        secs.sort_by(f64::total_cmp);
        let median = secs[secs.len() / 2];
        println!(
            "| {what} | {median:.3} ({:.3}–{:.3}) | {:.0} |",
            secs[0],
            secs[secs.len() - 1],
            n / median
        );
        median
    };
    println!(
        "merge throughput, {} notes = {} changes, median of {reps} runs (range)",
        notes,
        changes.len()
    );
    println!("| path | seconds | changes/s |");
    println!("|---|---:|---:|");
    let raw = row(
        "raw INSERT INTO crsql_changes, 1 transaction",
        &mut raw_secs,
    );
    let page_list = pages
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    row(
        &format!(
            "raw, in {} transactions as /sync commits the pushes ({page_list} changes)",
            pages.len()
        ),
        &mut split_secs,
    );
    let e2e = row(
        &format!("POST /sync end to end, {rounds} requests, a client syncing as the app does"),
        &mut e2e_secs,
    );
    let alone = row(
        &format!("POST /sync, the same {requests} requests built beforehand (the server alone)"),
        &mut server_secs,
    );
    println!(
        "| initial pull into an empty native replica, {pull_rounds} pages | {pull_secs:.3} | {:.0} |",
        n / pull_secs
    );
    println!(
        "ratio /sync : raw = {:.2} (the server alone), {:.2} (a client syncing as the app does)",
        raw / alone,
        raw / e2e
    );
    let spread = |r: &[f64]| {
        format!(
            "median {:.2} ({:.2}–{:.2})",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        )
    };
    println!(
        "ratio /sync : raw within each run = {} (the server alone), {} (a client syncing as the app does)",
        spread(&alone_ratios),
        spread(&e2e_ratios)
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
