//! Live pokes under load (numbers, not pass/fail):
//! `cargo bench -p server --bench live_bench`.
//!
//! The release server binary runs as a child process on 127.0.0.1; this
//! process is the load: raw `GET /sync/events` streams from 127.0.0.2–9 and
//! `POST /sync` clients. Parts, chosen with `BENCH_PARTS` (comma list,
//! default all):
//!
//! - `poke`: commit → poke latency on every stream of one account with
//!   `BENCH_POKE_STREAMS` (1,000) open, over `BENCH_POKE_COMMITS` (200)
//!   commits `BENCH_POKE_GAP_MS` (50) apart; first with one stream open.
//! - `idle`: `BENCH_IDLE_STREAMS` (10,000) idle streams, `BENCH_IDLE_PER_USER`
//!   (100) per account: the server's RSS per stream, and its CPU over
//!   `BENCH_IDLE_SECS` (60) with heartbeats every `BENCH_IDLE_HEARTBEAT` (15s).
//! - `restart`: `BENCH_RESTART_ACCOUNTS` (50) × `BENCH_RESTART_PER_ACCOUNT`
//!   (100) simulated clients, each driven by its own `sync::live::Scheduler`;
//!   the server restarted (SIGTERM, then again on the same port) and a commit
//!   to every account: how soon they are back and caught up.
//!
//! `BENCH_SERVER_BIN` runs another build of the server. The host is shared:
//! its CPU pressure is printed at the start and the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod live;

use live::common;

fn main() {
    let parts = std::env::var("BENCH_PARTS").unwrap_or_else(|_| "poke,idle,restart".into());
    let parts: Vec<&str> = parts.split(',').map(str::trim).collect();
    if let Some(unknown) = parts
        .iter()
        .find(|p| !["poke", "idle", "restart"].contains(p))
    {
        panic!("BENCH_PARTS: unknown part {unknown:?} (poke, idle, restart)");
    }
    let fds = common::raise_fd_limit();
    println!(
        "live_bench: parts {}; open-files limit {fds}; host CPU pressure (some avg10) {}",
        parts.join(","),
        common::cpu_pressure()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    runtime.block_on(async {
        for part in &parts {
            let t = std::time::Instant::now();
            match *part {
                "poke" => live::poke::run(dir.path()).await,
                "idle" => live::idle::run(dir.path()).await,
                _ => live::restart::run(dir.path()).await,
            }
            println!(
                "live_bench {part}: done in {:.0} s; host CPU pressure (some avg10) {}",
                t.elapsed().as_secs_f64(),
                common::cpu_pressure()
            );
        }
    });
    // Streams' tasks still hold sockets: do not wait for them.
    runtime.shutdown_background();
}
