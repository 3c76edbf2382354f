//! When to sync, without I/O: the live-sync scheduler of a client.
//!
//! A client holds one poke stream (`GET /sync/events`) and runs sync rounds
//! (`POST /sync`), one at a time. [`Scheduler`] decides when to open and
//! close the stream and when to start a round, from what happened (a local
//! commit, a poke, the stream ending, the network coming back, a tab becoming
//! visible) and from the time. The caller feeds it [`Input`]s with the time,
//! carries out the [`Command`]s it returns, and calls [`Scheduler::tick`] at
//! [`Scheduler::wake_at`]. The browser's DB worker drives it with `fetch` and
//! timers; the tests drive it with a clock they move by hand.

mod backoff;
mod scheduler;

pub use backoff::{Backoff, Rng};
pub use scheduler::Scheduler;

/// Milliseconds on the caller's clock (the wall clock: a device that slept
/// must see the time it slept).
pub type Millis = u64;

/// The scheduler's timings. The defaults are what the app uses.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Reconnecting the stream and retrying a failed round.
    pub backoff: Backoff,
    /// A stream open this long is healthy: its failures are forgotten.
    pub healthy_after: Millis,
    /// A stream that ends sooner than this after opening failed.
    pub quick_end: Millis,
    /// An open stream whose first poke (sent at once by the server) has not
    /// arrived by then is held back by something on the way: it failed.
    pub first_poke_within: Millis,
    /// Nothing heard on an open stream for this long, not even a heartbeat:
    /// it is dead (a socket that survived a sleep, a silent proxy).
    pub watchdog: Millis,
    /// Streams in a row that end at once before polling instead.
    pub fallback_after: u32,
    /// Polling: a round this often while a tab is visible.
    pub poll_every: Millis,
    /// Polling: the stream is tried again after this long.
    pub stream_retry_when_polling: Millis,
    /// A round this long after the last one, whatever happened: a net under
    /// lost pokes.
    pub net_every: Millis,
    /// Every tab hidden this long: the stream closes until one is visible.
    pub hidden_close_after: Millis,
    /// A tab becoming visible pulls if the last round is older than this.
    pub visible_pull_after: Millis,
    /// The device says it is offline: the stream is tried at most this often.
    pub offline_probe: Millis,
    /// A round for local commits starts at least this long after the last
    /// round that carried local commits ended: typing saves often, and a
    /// burst costs a few rounds, not one per save. Pulls never wait for it.
    pub push_gap: Millis,
    /// How often the clock is looked at while the stream is open.
    pub tick: Millis,
    /// A gap this long between two looks at the clock: the device slept.
    pub sleep_gap: Millis,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            backoff: Backoff {
                base_ms: 1_000,
                cap_ms: 30_000,
            },
            healthy_after: 30_000,
            quick_end: 5_000,
            first_poke_within: 10_000,
            watchdog: 45_000,
            fallback_after: 3,
            poll_every: 30_000,
            stream_retry_when_polling: 300_000,
            net_every: 300_000,
            hidden_close_after: 300_000,
            visible_pull_after: 5_000,
            offline_probe: 30_000,
            push_gap: 1_000,
            tick: 10_000,
            sleep_gap: 30_000,
        }
    }
}

/// Why a request (a round, or opening the stream) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer: no network, or the server is down.
    Offline,
    /// The server answered with an error that may pass (5xx, 429, 507, an
    /// unreadable answer); `retry_after` is its `Retry-After`, 0 if none.
    Server { retry_after: Millis },
    /// 401: the session is over. Nothing is retried until the user signs in
    /// again (a new [`Input::Configure`]).
    Unauthorized,
    /// 409: this release cannot sync with the server. Nothing is retried
    /// until the app is reloaded, or the user presses Sync.
    Outdated,
    /// This device could not store what arrived (its storage is full).
    Local,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// What the scheduler works for: at start (becoming the leader), and
    /// whenever one of these changes or the session is new (signing in, in
    /// again, out; turning automatic sync on or off). `received` is the
    /// server version the replica has.
    Configure {
        signed_in: bool,
        auto: bool,
        received: i64,
    },
    /// Something was written locally: it should be pushed.
    LocalCommit,
    /// The user pressed Sync: a round now, whatever the state.
    SyncNow,
    /// The device says it is online (or not).
    Online(bool),
    /// Whether any tab of the app is visible.
    Visible(bool),
    /// The stream answered 200.
    StreamOpened,
    /// A poke: the server is at this version.
    Poke(i64),
    /// A heartbeat (or anything else) arrived on the stream.
    Heartbeat,
    /// The stream ended: `None` when the server closed it, else why it failed
    /// (also when it failed to open).
    StreamEnded(Option<Failure>),
    /// A round ended: the server version now received, or why it failed.
    RoundDone(Result<i64, Failure>),
}

/// What the caller must do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    OpenStream,
    /// Abort the open stream (or the attempt to open it); no
    /// [`Input::StreamEnded`] is expected for it.
    CloseStream,
    /// Run a round: push what is local, pull until done.
    StartRound,
}

/// Where live sync stands, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Not signed in, or automatic sync is off: rounds run when asked.
    Off,
    /// Stopped by a refusal that retrying cannot fix.
    Stopped(Failure),
    /// Opening the stream.
    Connecting,
    /// The stream is open and the server's first poke arrived.
    Live,
    /// Streams do not stay open on this network: a round every
    /// [`Settings::poll_every`] while a tab is visible.
    Polling,
    /// Waiting to reconnect, until `View::retry_at`.
    Retrying,
    /// Every tab hidden for a while: the stream is closed.
    Paused,
}

/// The scheduler's state, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub mode: Mode,
    /// When the next attempt to reach the server is due, if one waits.
    pub retry_at: Option<Millis>,
    /// The device says it is offline.
    pub offline: bool,
    /// Why the last attempt to open the stream failed, until one opens.
    pub link_failure: Option<Failure>,
    /// Why the last round failed, while its retry waits.
    pub round_failure: Option<Failure>,
}
