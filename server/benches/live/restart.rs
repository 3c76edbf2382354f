//! Part `restart`: thousands of live clients (see `sim.rs`), the server
//! stopped with SIGTERM (its graceful shutdown ends every stream) and
//! started again at once on the same port and data; right after it listens,
//! a writer commits one note to every account, so every client must
//! reconnect and pull. Measured from the moment the new server listens:
//! when 95 % and all of the clients have their stream open again (first poke
//! in) and have pulled up to their account's new version.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use protocol::SyncResponse;
use store::Store;
use tokio::task::JoinSet;

use super::common::{self, ServerProc, env_usize, mib};
use super::sim::{self, SECONDS, Shared};

pub async fn run(dir: &Path) {
    let accounts = env_usize("BENCH_RESTART_ACCOUNTS", 50).max(1);
    let per_account = env_usize("BENCH_RESTART_PER_ACCOUNT", 100).max(1);
    let total = accounts * per_account;
    let data = dir.join("restart-data");
    let log = dir.join("restart-server.log");
    let cap = per_account.to_string();
    let args = ["--max-streams-per-user", &cap, "--max-password-hashes", "2"];
    let server = ServerProc::start("127.0.0.1:0", &data, &log, &args);
    let (addr, base) = (server.addr, server.base());
    let tokens: Vec<Arc<str>> = common::accounts(&base, "restart", accounts)
        .await
        .into_iter()
        .map(Arc::from)
        .collect();

    // One writer per account, a real replica: what a store costs decides
    // whether every simulated client could have one.
    let own_rss = || rss_of_self();
    let before = own_rss();
    let mut writers: Vec<Writer> = tokens
        .iter()
        .map(|t| Writer::new(&base, t.clone()))
        .collect();
    let shared = Arc::new(Shared::new(addr, accounts, per_account));
    push_all(&mut writers, &shared).await;
    let store_kib = own_rss().saturating_sub(before) as f64 / accounts as f64;
    println!(
        "live_bench restart: an in-memory store::Store with one note costs ~{store_kib:.0} KiB \
         here: {total} of them would be ~{:.0} MiB, so clients keep only a cursor and site id",
        store_kib * total as f64 / 1024.0
    );

    // The clients come up over a few seconds, as devices do, not in one burst.
    let mut clients = JoinSet::new();
    let t = Instant::now();
    for id in 0..total {
        let token = tokens[id / per_account].clone();
        let seed = (id as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ rand::random::<u64>();
        clients.spawn(sim::client(shared.clone(), id, token, seed));
        if id % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let (settled, _, _) = caught_up(&shared, &server, Duration::from_secs(120)).await;
    println!(
        "live_bench restart: {total} clients live and caught up: {settled} after {:.1} s \
         (server: {} streams, RSS {:.0} MiB; {} pulls, 429: {}, 5xx: {})",
        t.elapsed().as_secs_f64(),
        common::metric(&base, "notes_live_streams")
            .await
            .unwrap_or(0),
        mib(server.rss_kib()),
        shared.pulls.load(Relaxed),
        shared.answers_429.load(Relaxed),
        shared.answers_5xx.load(Relaxed),
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (pulls0, no_answer0, r429_0, r5xx_0) = (
        shared.pulls.load(Relaxed),
        shared.no_answer.load(Relaxed),
        shared.answers_429.load(Relaxed),
        shared.answers_5xx.load(Relaxed),
    );

    // Down and up again on the same address.
    for t in &shared.targets {
        t.store(i64::MAX, Relaxed);
    }
    let down = Instant::now();
    let _ = shared.down_at.set(down);
    server.terminate();
    let mut server = server;
    let clean = server.wait_exit(Duration::from_secs(30)).await;
    let exited = down.elapsed();
    let listen = addr.to_string();
    let server = ServerProc::start(&listen, &data, &log, &args);
    let restart = Instant::now();
    let _ = shared.restart_at.set(restart);
    let committed = push_all(&mut writers, &shared).await;
    let pushed = restart.elapsed();

    let (back, times, threads) = caught_up(&shared, &server, Duration::from_secs(60)).await;
    let since = |from: Instant| {
        let mut secs: Vec<f64> = times
            .iter()
            .flatten()
            .map(|t| t.saturating_duration_since(from).as_secs_f64())
            .collect();
        secs.sort_by(f64::total_cmp);
        secs
    };
    let secs = since(restart);
    // Nobody can be caught up before their account's commit, which waits
    // for the server like everyone else: the delay from it, per client.
    let mut after_commit: Vec<f64> = shared
        .clients
        .iter()
        .zip(&times)
        .filter_map(|(c, t)| Some(t.as_ref()?.saturating_duration_since(committed[c.account])))
        .map(|d| d.as_secs_f64() * 1e3)
        .collect();
    let gave_up = shared
        .clients
        .iter()
        .filter(|c| c.gave_up.load(Relaxed))
        .count();
    let at = |q: f64| {
        let need = (q * total as f64).ceil() as usize;
        secs.get(need.max(1) - 1)
            .map_or("never".into(), |s| format!("{s:.2} s"))
    };
    println!(
        "live_bench restart: SIGTERM → exited {:.2} s ({}), → listening again {:.2} s; \
         a writer's commit to each of the {accounts} accounts answered within {:.0} ms after",
        exited.as_secs_f64(),
        if clean {
            "cleanly"
        } else {
            "killed after 30 s"
        },
        (restart - down).as_secs_f64(),
        pushed.as_secs_f64() * 1e3,
    );
    println!(
        "live_bench restart: {total} streams: 95 % back and caught up in {} (all in {}; {back} of \
         {total} within 60 s); 5xx: {}; 429: {}; no answer (refused/reset): {}; gave up: {gave_up}; \
         pulls: {}",
        at(0.95),
        at(1.0),
        shared.answers_5xx.load(Relaxed) - r5xx_0,
        shared.answers_429.load(Relaxed) - r429_0,
        shared.no_answer.load(Relaxed) - no_answer0,
        shared.pulls.load(Relaxed) - pulls0,
    );
    println!(
        "    from the account's commit (the writer's answer) to a client caught up: {}",
        common::summary(&mut after_commit)
    );
    let lock = |m: &std::sync::Mutex<Vec<f64>>| {
        std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner()))
    };
    println!(
        "    after the restart: a stream's answer took {}; a pull {}; the server had up to \
         {threads} threads",
        common::summary(&mut lock(&shared.open_ms)),
        common::summary(&mut lock(&shared.pull_ms)),
    );
    print_table(&shared, &secs);
    clients.abort_all();
    drop(server);
}

/// Polls the clients every 10 ms until all are live and at their account's
/// target, for up to `within`; returns how many were, when each first was,
/// and the most threads the server had meanwhile.
async fn caught_up(
    shared: &Shared,
    server: &ServerProc,
    within: Duration,
) -> (usize, Vec<Option<Instant>>, u64) {
    let start = Instant::now();
    let mut first: Vec<Option<Instant>> = vec![None; shared.clients.len()];
    let (mut done, mut threads) = (0, 0);
    while done < first.len() && start.elapsed() < within {
        threads = threads.max(server.threads());
        for (c, t) in shared.clients.iter().zip(&mut first) {
            let target = shared.targets[c.account].load(Relaxed);
            if t.is_none() && c.live.load(Relaxed) && c.received.load(Relaxed) >= target {
                *t = Some(Instant::now());
                done += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (done, first, threads)
}

fn print_table(shared: &Shared, caught: &[f64]) {
    println!(
        "    while down: {} attempts to open a stream",
        shared.attempts_while_down.load(Relaxed)
    );
    println!("    second after restart | attempts | opened | caught up (cumulative)");
    let last = (0..SECONDS)
        .rev()
        .find(|&s| shared.attempts[s].load(Relaxed) > 0)
        .unwrap_or(0);
    for s in 0..=last {
        let upto = caught.iter().filter(|&&t| t < (s + 1) as f64).count();
        println!(
            "    {s:>20} | {:>8} | {:>6} | {upto:>6}",
            shared.attempts[s].load(Relaxed),
            shared.opened[s].load(Relaxed)
        );
    }
}

/// A device with a real replica that commits one note per account.
struct Writer {
    store: Store,
    http: reqwest::Client,
    url: String,
    token: Arc<str>,
}

impl Writer {
    fn new(base: &str, token: Arc<str>) -> Self {
        Self {
            store: Store::open_in_memory().expect("an in-memory store"),
            http: reqwest::Client::new(),
            url: format!("{base}/sync"),
            token,
        }
    }

    /// Saves a note and syncs until done; the account's server version.
    async fn commit(&mut self) -> i64 {
        let id = format!("w-{}", rand::random::<u64>());
        self.store
            .save_note(&id, "from the writer", 1_700_000_000_000)
            .expect("saving a note");
        for _ in 0..100 {
            let round = sync::client::prepare(&self.store, 1000).expect("preparing a push");
            let r = self
                .http
                .post(&self.url)
                .bearer_auth(&*self.token)
                .json(&round.request)
                .send()
                .await
                .expect("the writer's POST /sync");
            assert_eq!(r.status(), 200, "the writer's push");
            let answer: SyncResponse = r.json().await.expect("a SyncResponse");
            let progress = sync::client::absorb(&mut self.store, &round, &answer)
                .expect("absorbing the answer");
            if progress.done {
                return answer.server_version;
            }
        }
        panic!("the writer's sync did not finish")
    }
}

/// Every writer commits at once; each account's target is its new version,
/// set as soon as its answer arrives. Returns when each answer arrived.
async fn push_all(writers: &mut [Writer], shared: &Shared) -> Vec<Instant> {
    let commits = writers.iter_mut().enumerate().map(|(i, w)| async move {
        let v = w.commit().await;
        shared.targets[i].store(v, Relaxed);
        Instant::now()
    });
    futures_util::future::join_all(commits).await
}

fn rss_of_self() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
