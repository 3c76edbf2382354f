//! What `GET /metrics` reports, kept with the `metrics` crate in a
//! Prometheus recorder, and the one log line per request.
//!
//! Each [`AppState`] has a recorder of its own rather than a global one: a
//! test process runs many servers, and each must count only its own
//! requests. Recording sites set it as the thread's recorder for the moment
//! they record ([`metrics::with_local_recorder`]), or hold handles taken from
//! it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Gauge, Histogram, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use tracing::Instrument;

use crate::state::AppState;

/// Upper bounds of the latency histograms' buckets, in seconds: a /sync of
/// a few changes takes about a millisecond, a first pull's page a second.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Histogram samples wait in the recorder until rendered or drained; a
/// server nobody scrapes drains them this often, so they cannot pile up.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// What `/metrics` reads from the server as it is: of one state, or summed
/// over the shards a node serves.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gauges {
    pub streams: usize,
    pub users: usize,
    pub opened: u64,
    pub pokes: u64,
    pub databases: usize,
    /// Multi-node mode: shards this node serves.
    pub shards: Option<usize>,
}

impl Gauges {
    pub fn of(state: &AppState) -> Self {
        let (streams, users) = state.live.open();
        let (opened, pokes) = state.live.totals();
        Self {
            streams,
            users,
            opened,
            pokes,
            databases: state.stores.len(),
            shards: None,
        }
    }

    /// These and `other`'s together.
    pub fn plus(self, other: Self) -> Self {
        Self {
            streams: self.streams + other.streams,
            users: self.users + other.users,
            opened: self.opened + other.opened,
            pokes: self.pokes + other.pokes,
            databases: self.databases + other.databases,
            shards: self.shards,
        }
    }
}

pub struct Telemetry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    started: Instant,
    /// Milliseconds after `started` of the last upkeep.
    last_upkeep_ms: AtomicU64,
    hashes_waiting: Gauge,
    hashes_running: Gauge,
    sync_seconds: Histogram,
    merge_seconds: Histogram,
    changes_merged: Counter,
    changes_sent: Counter,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            // Fails only for no buckets at all.
            .unwrap_or_default()
            .build_recorder();
        let handle = recorder.handle();
        let (hashes_waiting, hashes_running, sync_seconds, merge_seconds, merged, sent) =
            metrics::with_local_recorder(&recorder, || {
                describe();
                (
                    metrics::gauge!("notes_password_hashes_waiting"),
                    metrics::gauge!("notes_password_hashes_running"),
                    metrics::histogram!("notes_sync_seconds"),
                    metrics::histogram!("notes_sync_merge_seconds"),
                    metrics::counter!("notes_sync_changes_merged_total"),
                    metrics::counter!("notes_sync_changes_sent_total"),
                )
            });
        Self {
            recorder,
            handle,
            started: Instant::now(),
            last_upkeep_ms: AtomicU64::new(0),
            hashes_waiting,
            hashes_running,
            sync_seconds,
            merge_seconds,
            changes_merged: merged,
            changes_sent: sent,
        }
    }

    /// The Prometheus text, with the gauges read from the server as it is now.
    pub fn render(&self, g: Gauges) -> String {
        metrics::with_local_recorder(&self.recorder, || {
            metrics::gauge!("notes_live_streams").set(count(g.streams));
            metrics::gauge!("notes_live_users").set(count(g.users));
            metrics::counter!("notes_live_streams_opened_total").absolute(g.opened);
            metrics::counter!("notes_live_pokes_total").absolute(g.pokes);
            metrics::gauge!("notes_open_databases").set(count(g.databases));
            if let Some(shards) = g.shards {
                metrics::gauge!("notes_cluster_shards_held").set(count(shards));
            }
        });
        self.handle.render()
    }

    /// A finished request: `route` is the pattern it matched, never its path.
    fn request(&self, route: &str, status: u16, took: Duration) {
        let route = route.to_owned();
        metrics::with_local_recorder(&self.recorder, || {
            let code = status.to_string();
            metrics::counter!("notes_http_requests_total", "route" => route.clone(), "status" => code.clone())
                .increment(1);
            metrics::histogram!("notes_http_request_seconds", "route" => route.clone())
                .record(took.as_secs_f64());
            // 503 is the password queue saying "busy": refused as well.
            if (400..500).contains(&status) || status == 503 {
                metrics::counter!("notes_http_refused_total", "route" => route.clone(), "status" => code)
                    .increment(1);
            }
            if status == 429 {
                metrics::counter!("notes_http_rate_limited_total", "route" => route).increment(1);
            }
        });
        self.upkeep_now_and_then();
    }

    fn upkeep_now_and_then(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_upkeep_ms.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= UPKEEP_EVERY.as_millis() as u64;
        // One request does it; the others go on.
        if due
            && self
                .last_upkeep_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.handle.run_upkeep();
        }
    }

    /// Times a whole `/sync` request until dropped.
    pub fn sync_timer(&self) -> Timer {
        Timer(self.sync_seconds.clone(), Instant::now())
    }

    /// Times a `/sync`'s work on the user's database (merge, then the answer's
    /// page) until dropped.
    pub fn merge_timer(&self) -> Timer {
        Timer(self.merge_seconds.clone(), Instant::now())
    }

    /// A `/sync` merged `merged` changes and sent `sent`.
    pub fn synced(&self, merged: usize, sent: usize) {
        self.changes_merged.increment(count_u64(merged));
        self.changes_sent.increment(count_u64(sent));
    }

    /// A sign-up or sign-in waits for its turn to hash, until the guard is
    /// dropped or turned into a [`HashQueue::running`] one.
    pub fn hash_waiting(&self) -> HashQueue {
        HashQueue {
            waiting: Some(Up::new(self.hashes_waiting.clone())),
            running: self.hashes_running.clone(),
        }
    }
}

fn describe() {
    metrics::describe_counter!(
        "notes_http_requests_total",
        "Requests answered, by matched route and status."
    );
    metrics::describe_histogram!(
        "notes_http_request_seconds",
        Unit::Seconds,
        "Time until the response's head, by matched route."
    );
    metrics::describe_counter!(
        "notes_http_refused_total",
        "Requests refused (4xx, or 503 busy), by matched route and status."
    );
    metrics::describe_counter!(
        "notes_http_rate_limited_total",
        "Requests refused with 429 (sync rate, sign-in attempts, live streams), by route."
    );
    metrics::describe_histogram!(
        "notes_sync_seconds",
        Unit::Seconds,
        "Time to answer a POST /sync, from its head to its answer."
    );
    metrics::describe_histogram!(
        "notes_sync_merge_seconds",
        Unit::Seconds,
        "Time a POST /sync worked on the user's database: merge, then the answer's page."
    );
    metrics::describe_counter!(
        "notes_sync_changes_merged_total",
        "Changes received from devices by POST /sync."
    );
    metrics::describe_counter!(
        "notes_sync_changes_sent_total",
        "Changes sent to devices by POST /sync."
    );
    metrics::describe_gauge!(
        "notes_password_hashes_waiting",
        "Sign-ups and sign-ins waiting for their turn to hash a password."
    );
    metrics::describe_gauge!(
        "notes_password_hashes_running",
        "Password hashes running now."
    );
    metrics::describe_gauge!("notes_live_streams", "Open GET /sync/events streams.");
    metrics::describe_gauge!(
        "notes_live_users",
        "Accounts with at least one open stream."
    );
    metrics::describe_counter!(
        "notes_live_streams_opened_total",
        "Streams opened since the server started."
    );
    metrics::describe_counter!(
        "notes_live_pokes_total",
        "Commits that woke the streams of their account."
    );
    metrics::describe_gauge!("notes_open_databases", "User databases open in the cache.");
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn count(n: usize) -> f64 {
    n as f64
}

fn count_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Records the time since its start when dropped.
pub struct Timer(Histogram, Instant);

impl Drop for Timer {
    fn drop(&mut self) {
        self.0.record(self.1.elapsed().as_secs_f64());
    }
}

/// A gauge one higher while it lives.
struct Up(Gauge);

impl Up {
    fn new(gauge: Gauge) -> Self {
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A password hash waiting for its turn.
pub struct HashQueue {
    waiting: Option<Up>,
    running: Gauge,
}

/// A password hash running, until dropped.
pub struct HashRunning(#[allow(dead_code)] Up);

impl HashQueue {
    /// Its turn came: it no longer waits, it runs.
    pub fn running(mut self) -> HashRunning {
        self.waiting = None;
        HashRunning(Up::new(self.running.clone()))
    }
}

/// The label of a request's route: the pattern it matched (a bounded set),
/// never the path a client sent.
fn route_of(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None if request.uri().path().starts_with("/api/") => "/api/*".to_owned(),
        None => "app".to_owned(),
    }
}

/// Counts each request and logs one line for it: method, matched route,
/// status, time and, once the auth extractor has found it, the user id. Never
/// the path's query, nor any header: tokens travel there.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        user = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.telemetry.request(&route, status, took);
    #[allow(clippy::cast_precision_loss)] // microseconds of one request
    let ms = took.as_micros() as f64 / 1000.0;
    span.in_scope(|| tracing::info!(status, ms, "request"));
    response
}
