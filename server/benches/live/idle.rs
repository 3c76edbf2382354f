//! Part `idle`: many idle streams on one server: its resident memory per
//! stream, and its CPU while they only get heartbeats.
//!
//! Streams are spread over accounts (the cap per account is lifted to
//! `BENCH_IDLE_PER_USER`) and source addresses 127.0.0.2–9. The first
//! stream of an account makes the server open that account's database (to
//! read its version), so memory is measured three times: before any stream,
//! after one stream per account, and after all of them; the per-stream
//! figure is the growth between the last two.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::common::{self, ServerProc, env_usize, mib, source_ip};
use super::stream::{EventStream, Item, OpenError};

#[derive(Default)]
struct Counters {
    opened: AtomicU64,
    heartbeats: AtomicU64,
    pokes: AtomicU64,
    ended: AtomicU64,
    /// Attempts to open that failed (retried up to 5 times).
    refused: AtomicU64,
}

pub async fn run(dir: &Path) {
    let total = env_usize("BENCH_IDLE_STREAMS", 10_000).max(1);
    let per_user = env_usize("BENCH_IDLE_PER_USER", 100).max(1);
    let users = total.div_ceil(per_user);
    let window = Duration::from_secs(env_usize("BENCH_IDLE_SECS", 60) as u64);
    let heartbeat = std::env::var("BENCH_IDLE_HEARTBEAT").unwrap_or_else(|_| "15s".into());
    let cap = per_user.to_string();
    let server = ServerProc::start(
        "127.0.0.1:0",
        &dir.join("idle-data"),
        &dir.join("idle-server.log"),
        &[
            "--max-streams-per-user",
            &cap,
            "--max-password-hashes",
            "2",
            "--heartbeat",
            &heartbeat,
        ],
    );
    let base = server.base();
    let t = Instant::now();
    let tokens = common::accounts(&base, "idle", users).await;
    println!(
        "live_bench idle: {users} accounts signed up and in ({:.1} s); server's open-files limit {}",
        t.elapsed().as_secs_f64(),
        server.fd_limit()
    );
    // The server's CPU with no stream open: what the idle figure compares to.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu0, t) = (server.cpu(), Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_base = (server.cpu() - cpu0).as_secs_f64() / t.elapsed().as_secs_f64() * 100.0;
    let rss_start = server.rss_kib();

    let counters = Arc::new(Counters::default());
    let mut streams = JoinSet::new();
    // Opening is bounded: a few hundred handshakes at once, as many clients
    // coming back together would make, not 10,000 SYNs into the backlog.
    let opening = Arc::new(Semaphore::new(256));
    let spawn = |i: usize, streams: &mut JoinSet<()>| {
        let (addr, token) = (server.addr, tokens[i % users].clone());
        let (counters, opening) = (counters.clone(), opening.clone());
        streams.spawn(hold(addr, i, token, counters, opening));
    };
    // One stream per account first: the server opens their databases.
    for i in 0..users.min(total) {
        spawn(i, &mut streams);
    }
    let opened_by = |n: u64, within: Duration| {
        let counters = counters.clone();
        async move {
            let deadline = Instant::now() + within;
            while counters.opened.load(Relaxed) < n && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            counters.opened.load(Relaxed)
        }
    };
    opened_by(users as u64, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_first = server.rss_kib();
    let t = Instant::now();
    for i in users..total {
        spawn(i, &mut streams);
    }
    let opened = opened_by(total as u64, Duration::from_secs(120)).await;
    let open_secs = t.elapsed().as_secs_f64();
    if opened < total as u64 {
        println!(
            "live_bench idle: gave up after 120 s of opening: {opened} of {total} streams open \
             ({} failed attempts); measuring those",
            counters.refused.load(Relaxed)
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_all = server.rss_kib();
    let live = common::metric(&base, "notes_live_streams")
        .await
        .unwrap_or(0);
    let rest = opened.saturating_sub(users as u64).max(1) as f64;
    println!(
        "live_bench idle: {opened} streams opened in {open_secs:.1} s ({} failed attempts, retried); \
         the server counts {live} open",
        counters.refused.load(Relaxed)
    );
    println!(
        "live_bench idle: {opened} streams: RSS {:.1} MiB → {:.1} MiB (one stream per account, \
         their databases opened) → {:.1} MiB: {:.1} KiB per stream beyond the first of each \
         account ({:.1} KiB per stream over all)",
        mib(rss_start),
        mib(rss_first),
        mib(rss_all),
        rss_all.saturating_sub(rss_first) as f64 / rest,
        rss_all.saturating_sub(rss_start) as f64 / opened.max(1) as f64,
    );

    // Idle: only heartbeats flow (and the server's per-stream timers).
    let (hb0, cpu0, own0) = (
        counters.heartbeats.load(Relaxed),
        server.cpu(),
        common::cpu_of("/proc/self/stat"),
    );
    let t = Instant::now();
    tokio::time::sleep(window).await;
    let secs = t.elapsed().as_secs_f64();
    let (hb1, cpu1, own1) = (
        counters.heartbeats.load(Relaxed),
        server.cpu(),
        common::cpu_of("/proc/self/stat"),
    );
    let rss_end = server.rss_kib();
    println!(
        "live_bench idle: {opened} streams, heartbeat {heartbeat}: CPU over {secs:.0} s: \
         {:.2} % of a core ({:.2} s; {idle_base:.2} % with no stream open); {} heartbeats \
         arrived ({:.0} µs of server CPU each); this client {:.2} % of a core; \
         RSS after {:.1} MiB; streams ended meanwhile: {}, pokes: {}",
        (cpu1 - cpu0).as_secs_f64() / secs * 100.0,
        (cpu1 - cpu0).as_secs_f64(),
        hb1 - hb0,
        (cpu1 - cpu0).as_secs_f64() * 1e6 / (hb1 - hb0).max(1) as f64,
        (own1 - own0).as_secs_f64() / secs * 100.0,
        mib(rss_end),
        counters.ended.load(Relaxed),
        counters.pokes.load(Relaxed),
    );
    streams.abort_all();
    drop(server);
}

/// Opens stream `i` (retrying a few times), then reads it until it ends.
async fn hold(
    addr: std::net::SocketAddr,
    i: usize,
    token: String,
    counters: Arc<Counters>,
    opening: Arc<Semaphore>,
) {
    let mut stream = None;
    for attempt in 0..5 {
        let permit = opening
            .acquire()
            .await
            .expect("the semaphore is never closed");
        match EventStream::open(addr, source_ip(i), &token).await {
            Ok(mut s) => {
                // Open once its first poke, sent at once, arrived.
                let first = s.next().await;
                drop(permit);
                if let Ok(Some(Item::Poke(_))) = first {
                    stream = Some(s);
                    break;
                }
            }
            Err(OpenError::Status { status, .. }) if status < 500 && status != 429 => {
                panic!("stream {i}: answered {status}")
            }
            Err(_) => drop(permit),
        }
        counters.refused.fetch_add(1, Relaxed);
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
    }
    let Some(mut stream) = stream else { return };
    counters.opened.fetch_add(1, Relaxed);
    loop {
        match stream.next().await {
            Ok(Some(Item::Heartbeat)) => counters.heartbeats.fetch_add(1, Relaxed),
            Ok(Some(Item::Poke(_))) => counters.pokes.fetch_add(1, Relaxed),
            Ok(None) | Err(_) => {
                counters.ended.fetch_add(1, Relaxed);
                return;
            }
        };
    }
}
