//! A simulated app client for part `restart`: its own `sync::live::Scheduler`
//! decides, and this carries out what it says for real: `OpenStream` opens
//! a raw `GET /sync/events` stream, `StartRound` pulls with `POST /sync`
//! until `more` is false, `CloseStream` drops the stream. Time is the wall
//! clock in milliseconds, as the app's.
//!
//! A client keeps only its cursor (`received`) and a site id, not a
//! `store::Store`: 5,000 in-memory cr-sqlite stores would cost gigabytes
//! (part `restart` prints what one costs), and a pull with nothing to push
//! is the same request to the server either way.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use protocol::{PROTOCOL_VERSION, Seen, SyncRequest, SyncResponse};
use sync::live::{Command, Failure, Input, Millis, Mode, Scheduler, Settings};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::common::source_ip;
use super::stream::{EventStream, Item, OpenError};

/// Seconds after the restart counted one by one.
pub const SECONDS: usize = 120;

/// What all clients share: the server, the goal, and the tallies.
pub struct Shared {
    pub server: std::net::SocketAddr,
    /// One HTTP client per source address (their pools hold the pulls'
    /// connections).
    pub http: Vec<reqwest::Client>,
    /// Per account: the version its clients must reach (`i64::MAX`: not
    /// known yet).
    pub targets: Vec<AtomicI64>,
    pub clients: Vec<ClientState>,
    /// When SIGTERM was sent, and when the new server listened.
    pub down_at: OnceLock<Instant>,
    pub restart_at: OnceLock<Instant>,
    /// Per second after the restart: attempts to open a stream, and opened.
    pub attempts: Vec<AtomicU64>,
    pub opened: Vec<AtomicU64>,
    /// Attempts between SIGTERM and the restart.
    pub attempts_while_down: AtomicU64,
    pub answers_5xx: AtomicU64,
    pub answers_429: AtomicU64,
    /// Requests (stream or pull) that got no answer: refused, reset.
    pub no_answer: AtomicU64,
    pub pulls: AtomicU64,
    /// After the restart: milliseconds from connecting to a stream's
    /// answer (200 or not), and of each pull request.
    pub open_ms: Mutex<Vec<f64>>,
    pub pull_ms: Mutex<Vec<f64>>,
}

/// What the monitor reads of one client.
#[derive(Default)]
pub struct ClientState {
    pub account: usize,
    /// The stream is open and its first poke arrived (`Mode::Live`).
    pub live: AtomicBool,
    pub received: AtomicI64,
    /// The epoch of the last answer, sent back as `seen` with `received`.
    pub epoch: Mutex<Option<String>>,
    pub gave_up: AtomicBool,
}

impl Shared {
    pub fn new(server: std::net::SocketAddr, accounts: usize, per_account: usize) -> Self {
        let counters = || (0..SECONDS).map(|_| AtomicU64::new(0)).collect();
        let http = (0..8)
            .map(|i| {
                reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from(source_ip(i)))
                    .pool_max_idle_per_host(64)
                    .build()
                    .expect("an HTTP client")
            })
            .collect();
        Self {
            server,
            http,
            targets: (0..accounts).map(|_| AtomicI64::new(i64::MAX)).collect(),
            clients: (0..accounts * per_account)
                .map(|i| ClientState {
                    account: i / per_account,
                    ..ClientState::default()
                })
                .collect(),
            down_at: OnceLock::new(),
            restart_at: OnceLock::new(),
            attempts: counters(),
            opened: counters(),
            attempts_while_down: AtomicU64::new(0),
            answers_5xx: AtomicU64::new(0),
            answers_429: AtomicU64::new(0),
            no_answer: AtomicU64::new(0),
            pulls: AtomicU64::new(0),
            open_ms: Mutex::new(Vec::new()),
            pull_ms: Mutex::new(Vec::new()),
        }
    }

    /// Counts an attempt to open a stream (`opened`: one that opened) in its
    /// second after the restart, or as made while the server was down.
    fn tally(&self, opened: bool) {
        let per_second = if opened { &self.opened } else { &self.attempts };
        match self.restart_at.get() {
            Some(t) => {
                let s = t.elapsed().as_secs() as usize;
                per_second[s.min(SECONDS - 1)].fetch_add(1, Relaxed);
            }
            None if !opened && self.down_at.get().is_some() => {
                self.attempts_while_down.fetch_add(1, Relaxed);
            }
            None => {}
        }
    }

    /// How an answer other than 200 is seen by the scheduler.
    /// Keeps how long a request took, if it began after the restart.
    fn took(&self, list: &Mutex<Vec<f64>>, began: Instant) {
        if self.restart_at.get().is_some_and(|r| began >= *r) {
            let ms = began.elapsed().as_secs_f64() * 1e3;
            list.lock().unwrap_or_else(|e| e.into_inner()).push(ms);
        }
    }

    fn failure(&self, status: u16, retry_after_secs: u64) -> Failure {
        if status >= 500 {
            self.answers_5xx.fetch_add(1, Relaxed);
        }
        if status == 429 {
            self.answers_429.fetch_add(1, Relaxed);
        }
        match status {
            401 => Failure::Unauthorized,
            409 => Failure::Outdated,
            _ => Failure::Server {
                retry_after: retry_after_secs * 1000,
            },
        }
    }
}

fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

enum Event {
    /// From the stream opened `n`-th by this client (older ones are stale).
    Stream(u64, Input),
    Round(Result<i64, Failure>),
}

/// A task that ends when its handle is dropped.
struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs client `id` until aborted (or until its scheduler stops it).
pub async fn client(shared: Arc<Shared>, id: usize, token: Arc<str>, seed: u64) {
    let mut sched = Scheduler::new(Settings::default(), seed);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let site_id = format!("{:032x}", rand::random::<u128>());
    let me = &shared.clients[id];
    let (mut stream, mut round, mut opened) = (None::<Task>, None::<Task>, 0u64);
    let mut commands = sched.handle(
        now_ms(),
        Input::Configure {
            signed_in: true,
            auto: true,
            received: 0,
        },
    );
    loop {
        for command in commands.drain(..) {
            match command {
                Command::OpenStream => {
                    opened += 1;
                    let run = hold_stream(shared.clone(), id, opened, token.clone(), tx.clone());
                    stream = Some(Task(tokio::spawn(run)));
                }
                Command::CloseStream => stream = None,
                Command::StartRound => {
                    let since = me.received.load(Relaxed);
                    let run = pull(shared.clone(), id, site_id.clone(), token.clone(), since);
                    let tx = tx.clone();
                    round = Some(Task(tokio::spawn(async move {
                        let _ = tx.send(Event::Round(run.await));
                    })));
                }
            }
        }
        let wake = sched.wake_at().map(|at| {
            tokio::time::Instant::now() + Duration::from_millis(at.saturating_sub(now_ms()))
        });
        let event = tokio::select! {
            e = rx.recv() => e,
            () = async { tokio::time::sleep_until(wake.expect("guarded")).await }, if wake.is_some() => None,
        };
        let now = now_ms();
        commands = match event {
            Some(Event::Stream(n, input)) if n == opened => sched.handle(now, input),
            Some(Event::Stream(..)) => continue,
            Some(Event::Round(result)) => {
                round = None;
                if let Ok(v) = result {
                    me.received.store(v, Relaxed);
                }
                sched.handle(now, Input::RoundDone(result))
            }
            None => sched.tick(now),
        };
        let mode = sched.view(now).mode;
        me.live.store(mode == Mode::Live, Relaxed);
        if let Mode::Stopped(why) = mode {
            eprintln!("live_bench restart: client {id} gave up: {why:?}");
            me.gave_up.store(true, Relaxed);
            drop((stream, round));
            return;
        }
    }
}

/// Opens the stream and reports what happens on it as scheduler inputs.
async fn hold_stream(
    shared: Arc<Shared>,
    id: usize,
    n: u64,
    token: Arc<str>,
    tx: mpsc::UnboundedSender<Event>,
) {
    let send = |input| {
        let _ = tx.send(Event::Stream(n, input));
    };
    shared.tally(false);
    let began = Instant::now();
    let opening = EventStream::open(shared.server, source_ip(id), &token).await;
    if !matches!(opening, Err(OpenError::Io(_))) {
        shared.took(&shared.open_ms, began);
    }
    let mut s = match opening {
        Ok(s) => s,
        Err(OpenError::Io(_)) => {
            shared.no_answer.fetch_add(1, Relaxed);
            return send(Input::StreamEnded(Some(Failure::Offline)));
        }
        Err(OpenError::Status {
            status,
            retry_after,
        }) => {
            let failure = shared.failure(status, retry_after);
            return send(Input::StreamEnded(Some(failure)));
        }
    };
    shared.tally(true);
    send(Input::StreamOpened);
    loop {
        match s.next().await {
            Ok(Some(Item::Poke(v))) => send(Input::Poke(v)),
            Ok(Some(Item::Heartbeat)) => send(Input::Heartbeat),
            Ok(None) => return send(Input::StreamEnded(None)),
            Err(_) => return send(Input::StreamEnded(Some(Failure::Offline))),
        }
    }
}

/// One round: pulls from `since` until the server has nothing more.
async fn pull(
    shared: Arc<Shared>,
    id: usize,
    site_id: String,
    token: Arc<str>,
    mut since: i64,
) -> Result<i64, Failure> {
    let http = &shared.http[id % shared.http.len()];
    let url = format!("http://{}/sync", shared.server);
    let me = &shared.clients[id];
    loop {
        let epoch = me.epoch.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: store::migrations::SCHEMA_VERSION,
            site_id: site_id.clone(),
            since,
            // Pulls only, from a replica that writes nothing.
            head: 0,
            changes: Vec::new(),
            page_size: None,
            seen: epoch.map(|epoch| Seen {
                epoch,
                version: since,
            }),
        };
        shared.pulls.fetch_add(1, Relaxed);
        let began = Instant::now();
        let r = http
            .post(&url)
            .bearer_auth(&*token)
            .json(&request)
            .send()
            .await
            .map_err(|_| {
                shared.no_answer.fetch_add(1, Relaxed);
                Failure::Offline
            })?;
        let status = r.status().as_u16();
        if status != 200 {
            let retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0);
            return Err(shared.failure(status, retry_after));
        }
        let answer: SyncResponse = r.json().await.map_err(|_| {
            shared.no_answer.fetch_add(1, Relaxed);
            Failure::Offline
        })?;
        shared.took(&shared.pull_ms, began);
        since = answer.server_version;
        *me.epoch.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer.epoch);
        if !answer.more {
            return Ok(since);
        }
    }
}
