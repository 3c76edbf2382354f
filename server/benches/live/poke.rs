//! Part `poke`: commit → poke latency with many streams of one account open.
//!
//! A native client (`store::Store`, as the tests' devices) pushes one new
//! note per `POST /sync`; every stream's reader stamps the moment the poke
//! with the new version arrived. All of it runs in this process on
//! loopback, next to the server process, on the same 2 cores: the figures
//! include the pusher's HTTP round, the server's commit and fan-out, and the
//! readers' wake-up and parsing.
//!
//! Measured with 1 stream open (the commit path alone), with 16 (the
//! default cap per account), then with all of them.

use std::path::Path;
use std::time::{Duration, Instant};

use protocol::SyncResponse;
use store::Store;
use tokio::sync::mpsc;

use super::common::{self, ServerProc, env_usize, source_ip, summary};
use super::stream::{EventStream, Item};

/// A poke that arrived: which stream, which version, when.
type Arrival = (usize, i64, Instant);

pub async fn run(dir: &Path) {
    let n = env_usize("BENCH_POKE_STREAMS", 1000).max(1);
    let commits = env_usize("BENCH_POKE_COMMITS", 200).max(1);
    // Pushes are paced: the account's sync rate limit (30/s sustained) would
    // answer 429 to 200 back-to-back pushes, and a commit every 50 ms is
    // already far above what one account's devices make.
    let gap = Duration::from_millis(env_usize("BENCH_POKE_GAP_MS", 50) as u64);
    let cap = n.max(16).to_string();
    let server = ServerProc::start(
        "127.0.0.1:0",
        &dir.join("poke-data"),
        &dir.join("poke-server.log"),
        &["--max-streams-per-user", &cap],
    );
    let base = server.base();
    let http = reqwest::Client::new();
    let token = common::account(&http, &base, "poke").await;
    let mut pusher = Pusher {
        http,
        url: format!("{base}/sync"),
        token: token.clone(),
        store: Store::open_in_memory().expect("an in-memory store"),
        notes: 0,
    };
    let mut version = pusher.push().await.2;

    let (tx, mut rx) = mpsc::unbounded_channel::<Arrival>();
    let mut open = 0;
    // One stream (the commit path alone), the default cap per account (16),
    // then all of them.
    let mut rounds = vec![(1, "one stream")];
    if n > 16 {
        rounds.push((16, "the default cap"));
    }
    if n > 1 {
        rounds.push((n, "all"));
    }
    for (streams, label) in rounds {
        let t = Instant::now();
        while open < streams {
            let batch = (streams - open).min(200);
            open_streams(&server, &token, open..open + batch, &tx).await;
            // Each stream's first poke (the version at opening) says it is open.
            collect(
                &mut rx,
                open..open + batch,
                version - 1,
                Duration::from_secs(60),
            )
            .await
            .unwrap_or_else(|missing| panic!("{missing} streams did not open"));
            open += batch;
        }
        if streams > 1 {
            println!(
                "live_bench poke: {streams} streams opened in {:.1} s (server RSS {:.1} MiB)",
                t.elapsed().as_secs_f64(),
                common::mib(server.rss_kib())
            );
        }
        let mut r = Results::default();
        // A few unmeasured pushes first: connections and caches warm.
        let warm = 3;
        for k in 0..commits + warm {
            if k == warm {
                r.cpu_from = Some((server.cpu_split(), common::cpu_of("/proc/self/stat")));
            }
            let (sent, answered, v) = pusher.push().await;
            let arrivals =
                match collect(&mut rx, 0..streams, version, Duration::from_secs(10)).await {
                    Ok(a) => a,
                    Err(missing) => {
                        r.lost += missing;
                        version = v;
                        continue;
                    }
                };
            r.mismatched += arrivals.iter().filter(|a| a.1 != v).count();
            version = v;
            if k >= warm {
                r.add(sent, answered, &arrivals);
            }
            tokio::time::sleep(gap).await;
        }
        if let Some(((user0, sys0), own0)) = r.cpu_from {
            let per = |d: Duration| d.as_secs_f64() * 1e3 / commits as f64;
            let (user, sys) = server.cpu_split();
            r.cpu_per_commit = (
                per(user - user0),
                per(sys - sys0),
                per(common::cpu_of("/proc/self/stat") - own0),
            );
        }
        r.print(label, streams, commits);
    }
    drop(server);
}

struct Pusher {
    http: reqwest::Client,
    url: String,
    token: String,
    store: Store,
    notes: usize,
}

impl Pusher {
    /// Saves a new note and pushes it; returns when the request was sent,
    /// when its answer arrived, and the server version it answered.
    async fn push(&mut self) -> (Instant, Instant, i64) {
        self.notes += 1;
        let id = format!("note-{:05}", self.notes);
        self.store
            .save_note(&id, "a new note\nwith two lines", now_ms())
            .expect("saving a note");
        let round = sync::client::prepare(&self.store, 1000).expect("preparing a push");
        let sent = Instant::now();
        let r = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&round.request)
            .send()
            .await
            .expect("POST /sync");
        let status = r.status();
        let body = r.bytes().await.expect("the /sync answer");
        let answered = Instant::now();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let response: SyncResponse = serde_json::from_slice(&body).expect("a SyncResponse");
        sync::client::absorb(&mut self.store, &round, &response).expect("absorbing the answer");
        (sent, answered, response.server_version)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens the streams numbered `ids`; each reports its pokes on `tx`.
async fn open_streams(
    server: &ServerProc,
    token: &str,
    ids: std::ops::Range<usize>,
    tx: &mpsc::UnboundedSender<Arrival>,
) {
    let mut opening = tokio::task::JoinSet::new();
    for i in ids {
        let (addr, token, tx) = (server.addr, token.to_owned(), tx.clone());
        opening.spawn(async move {
            let mut s = EventStream::open(addr, source_ip(i), &token)
                .await
                .unwrap_or_else(|e| panic!("stream {i} did not open: {e}"));
            tokio::spawn(async move {
                while let Ok(Some(item)) = s.next().await {
                    if let Item::Poke(v) = item {
                        let _ = tx.send((i, v, Instant::now()));
                    }
                }
            });
        });
    }
    while let Some(r) = opening.join_next().await {
        r.expect("opening a stream panicked");
    }
}

/// Waits until each stream of `ids` reported a version above `above`;
/// their arrivals, or how many never came within `within`.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    ids: std::ops::Range<usize>,
    above: i64,
    within: Duration,
) -> Result<Vec<Arrival>, usize> {
    let deadline = tokio::time::Instant::now() + within;
    let mut got: Vec<Option<Arrival>> = vec![None; ids.len()];
    let mut missing = ids.len();
    while missing > 0 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(a)) if ids.contains(&a.0) && a.1 > above && got[a.0 - ids.start].is_none() => {
                got[a.0 - ids.start] = Some(a);
                missing -= 1;
            }
            Ok(Some(_)) => {} // an older poke, or a stream not counted here
            Ok(None) | Err(_) => return Err(missing),
        }
    }
    Ok(got.into_iter().flatten().collect())
}

#[derive(Default)]
struct Results {
    /// Per commit: the request sent → its answer at the pusher.
    round_trip: Vec<f64>,
    /// Per commit: answer → the poke on the last stream (negative: every
    /// stream had it before the pusher had its answer).
    answer_to_last: Vec<f64>,
    /// Per commit: request sent → the poke on the last stream.
    sent_to_last: Vec<f64>,
    /// Per commit: first stream → last stream (the fan-out's spread).
    spread: Vec<f64>,
    /// Per stream and commit: answer → poke.
    answer_to_each: Vec<f64>,
    /// Per stream and commit: request sent → poke.
    sent_to_each: Vec<f64>,
    lost: usize,
    mismatched: usize,
    /// CPU of the server and of this process when the measured commits began.
    cpu_from: Option<((Duration, Duration), Duration)>,
    /// CPU milliseconds per commit: the server's user and system, this
    /// process's.
    cpu_per_commit: (f64, f64, f64),
}

impl Results {
    fn add(&mut self, sent: Instant, answered: Instant, arrivals: &[Arrival]) {
        let ms = |a: Instant, b: Instant| {
            if a >= b {
                (a - b).as_secs_f64() * 1e3
            } else {
                -(b - a).as_secs_f64() * 1e3
            }
        };
        let first = arrivals.iter().map(|a| a.2).min().expect("arrivals");
        let last = arrivals.iter().map(|a| a.2).max().expect("arrivals");
        self.round_trip.push(ms(answered, sent));
        self.answer_to_last.push(ms(last, answered));
        self.sent_to_last.push(ms(last, sent));
        self.spread.push(ms(last, first));
        for a in arrivals {
            self.answer_to_each.push(ms(a.2, answered));
            self.sent_to_each.push(ms(a.2, sent));
        }
    }

    fn print(mut self, label: &str, streams: usize, commits: usize) {
        // The commit happens inside the push's round trip, which this side
        // cannot see into: "request sent → last stream" is an upper bound
        // (it adds the push's HTTP, validation, merge and fsync), and
        // "first → last stream" a lower one (the fan-out alone, from the
        // stream that heard first, which hears within ~0.2 ms of the answer
        // with one stream open).
        println!(
            "live_bench poke ({label}): {streams} streams, {commits} commits: \
             commit → poke on every stream (request sent → last stream) {}; \
             per stream {}",
            summary(&mut self.sent_to_last),
            summary(&mut self.sent_to_each),
        );
        println!(
            "    fan-out alone (first → last stream) {}; push round trip {}",
            summary(&mut self.spread),
            summary(&mut self.round_trip),
        );
        println!(
            "    answer at the pusher → last stream {}; per stream {} (the answer's task \
             is queued with the streams the commit woke)",
            summary(&mut self.answer_to_last),
            summary(&mut self.answer_to_each),
        );
        println!(
            "    CPU per commit (user + system, 10 ms ticks averaged over the commits): \
             server {:.2} ms ({:.2} user + {:.2} system), this load generator {:.2} ms",
            self.cpu_per_commit.0 + self.cpu_per_commit.1,
            self.cpu_per_commit.0,
            self.cpu_per_commit.1,
            self.cpu_per_commit.2
        );
        if self.lost + self.mismatched > 0 {
            println!(
                "    pokes missing after 10 s: {}; pokes with another version than the push's answer: {}",
                self.lost, self.mismatched
            );
        }
    }
}
