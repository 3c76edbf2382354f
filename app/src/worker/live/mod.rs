//! Live sync in the leader worker: drives `sync::live::Scheduler` with the
//! poke stream, rounds, timers, the tabs' visibility and the network. The
//! decisions are the scheduler's; this is only their I/O.

mod stream;

use std::cell::Cell;
use std::rc::{Rc, Weak};

use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use futures::channel::oneshot;
use futures::future::{Either, select};
use sync::live::{Command, Failure, Input, Millis, Mode, Scheduler, Settings, View};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::leader::Leader;
use crate::locks;
use crate::rpc::{Live, RpcError, RpcResult};

/// How long a hidden tab's lock takes to go, at most: the lock manager lets
/// go of it after the page's promise settles, a moment after it is told.
const LOCK_RELEASE_MS: u32 = 300;

/// What the driver hears.
pub enum Msg {
    Input(Input),
    /// From stream number `id` (inputs of a stream closed since are dropped).
    Stream {
        id: u64,
        input: Input,
    },
    /// Round number `id` ended.
    Round {
        id: u64,
        outcome: RoundOutcome,
    },
    /// The user pressed Sync: answered when a round started after it ends.
    SyncNow(oneshot::Sender<RpcResult>),
    /// A tab's page saw its visibility or the network change.
    Presence {
        visible: bool,
        online: bool,
    },
    /// The stream was told the account is deleted.
    AccountGone,
}

/// How a round went.
pub struct RoundOutcome {
    /// The server version received, or why the round failed.
    pub result: Result<i64, Failure>,
    /// What a Sync pressed meanwhile answers.
    pub answer: RpcResult,
    /// Something changed locally (merged, or purged from the trash).
    pub changed: bool,
}

/// What the driver tells the tabs.
pub enum Notice {
    /// A round changed the notes: re-read them (and the status).
    Changed,
    /// Sync's state changed.
    Status,
}

/// The leader's side of the driver.
#[derive(Clone)]
pub struct LiveHandle {
    tx: UnboundedSender<Msg>,
    view: Rc<Cell<View>>,
}

impl LiveHandle {
    pub fn new() -> (Self, UnboundedReceiver<Msg>) {
        let (tx, rx) = mpsc::unbounded();
        let view = Rc::new(Cell::new(Scheduler::new(Settings::default(), 0).view(0)));
        (Self { tx, view }, rx)
    }

    pub fn send(&self, input: Input) {
        let _ = self.tx.unbounded_send(Msg::Input(input));
    }

    /// Runs a round now (after the one in flight) and says how it went.
    pub async fn sync_now(&self) -> RpcResult {
        let (tx, rx) = oneshot::channel();
        if self.tx.unbounded_send(Msg::SyncNow(tx)).is_err() {
            return Err(RpcError::NotReady);
        }
        rx.await.unwrap_or(Err(RpcError::NotReady))
    }

    pub fn presence(&self, visible: bool, online: bool) {
        let _ = self.tx.unbounded_send(Msg::Presence { visible, online });
    }

    /// Where live sync stands, for the status.
    pub fn status(&self) -> (Live, Option<f64>, bool) {
        let view = self.view.get();
        let live = match view.mode {
            Mode::Off => Live::Off,
            Mode::Stopped(_) => Live::Stopped,
            Mode::Connecting => Live::Connecting,
            Mode::Live => Live::Live,
            Mode::Polling => Live::Polling,
            Mode::Retrying => Live::Retrying,
            Mode::Paused => Live::Paused,
        };
        let offline = view.offline
            || (view.mode == Mode::Retrying && view.link_failure == Some(Failure::Offline))
            || view.round_failure == Some(Failure::Offline);
        (live, view.retry_at.map(|t| t as f64), offline)
    }
}

fn now() -> Millis {
    js_sys::Date::now().max(0.0) as Millis
}

/// Starts the driver; it ends when the leader is gone.
pub fn start(
    live: &LiveHandle,
    rx: UnboundedReceiver<Msg>,
    leader: Weak<Leader>,
    notify: Rc<dyn Fn(Notice)>,
) {
    watch_network(&live.tx);
    let driver = Driver {
        scheduler: Scheduler::new(
            Settings::default(),
            (js_sys::Math::random() * 2f64.powi(53)) as u64,
        ),
        tx: live.tx.clone(),
        view: live.view.clone(),
        leader,
        notify,
        stream: None,
        streams_opened: 0,
        rounds_started: 0,
        waiters: Vec::new(),
    };
    wasm_bindgen_futures::spawn_local(driver.run(rx));
}

/// The worker's own view of the network, besides what pages report.
fn watch_network(tx: &UnboundedSender<Msg>) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if !scope.navigator().on_line() {
        let _ = tx.unbounded_send(Msg::Input(Input::Online(false)));
    }
    for (online, event) in [(true, "online"), (false, "offline")] {
        let tx = tx.clone();
        let on = Closure::<dyn Fn()>::new(move || {
            let _ = tx.unbounded_send(Msg::Input(Input::Online(online)));
        });
        let _ = scope.add_event_listener_with_callback(event, on.as_ref().unchecked_ref());
        on.forget(); // for the worker's life
    }
}

struct Driver {
    scheduler: Scheduler,
    tx: UnboundedSender<Msg>,
    view: Rc<Cell<View>>,
    leader: Weak<Leader>,
    notify: Rc<dyn Fn(Notice)>,
    stream: Option<(u64, stream::Stream)>,
    streams_opened: u64,
    rounds_started: u64,
    /// Syncs pressed, with how many rounds had started then.
    waiters: Vec<(u64, oneshot::Sender<RpcResult>)>,
}

impl Driver {
    async fn run(mut self, mut rx: UnboundedReceiver<Msg>) {
        loop {
            let msg = match self.scheduler.wake_at() {
                Some(at) => {
                    // Timers fire late after a sleep; the scheduler sees
                    // the gap on the clock and acts on it.
                    let wait = u32::try_from(at.saturating_sub(now())).unwrap_or(u32::MAX);
                    let timer = gloo_timers::future::TimeoutFuture::new(wait);
                    match select(rx.next(), timer).await {
                        Either::Left((Some(msg), _)) => Some(msg),
                        Either::Left((None, _)) => return,
                        Either::Right(_) => None,
                    }
                }
                None => match rx.next().await {
                    Some(msg) => Some(msg),
                    None => return,
                },
            };
            if self.leader.strong_count() == 0 {
                return;
            }
            let before = (self.view.get(), self.scheduler.round_in_flight());
            let commands = match msg {
                None => self.scheduler.tick(now()),
                Some(msg) => self.on(msg),
            };
            for command in commands {
                self.carry_out(command);
            }
            let now = now();
            self.view.set(self.scheduler.view(now));
            if (self.view.get(), self.scheduler.round_in_flight()) != before {
                (self.notify)(Notice::Status);
            }
        }
    }

    fn on(&mut self, msg: Msg) -> Vec<Command> {
        let now = now();
        match msg {
            Msg::Input(input) => self.scheduler.handle(now, input),
            Msg::Stream { id, input } => {
                if self.stream.as_ref().is_none_or(|(open, _)| *open != id) {
                    return Vec::new(); // closed since
                }
                if let Input::StreamEnded(failure) = input {
                    self.stream = None;
                    if failure == Some(Failure::Unauthorized)
                        && let Some(leader) = self.leader.upgrade()
                    {
                        leader.session_is_over();
                    }
                }
                self.scheduler.handle(now, input)
            }
            Msg::Round { id, outcome } => {
                let (done, waiting) = std::mem::take(&mut self.waiters)
                    .into_iter()
                    .partition(|(asked_after, _)| *asked_after < id);
                self.waiters = waiting;
                for (_, tx) in done {
                    let _ = tx.send(outcome.answer.clone());
                }
                if outcome.changed {
                    (self.notify)(Notice::Changed);
                    // What arrived is indexed for search meanwhile.
                    crate::worker::leader::indexing::index_soon(
                        self.leader.clone(),
                        self.notify.clone(),
                    );
                }
                self.scheduler.handle(now, Input::RoundDone(outcome.result))
            }
            Msg::AccountGone => {
                if let Some(leader) = self.leader.upgrade() {
                    if let Err(e) = leader.account_gone() {
                        web_sys::console::error_1(
                            &format!("notes: keeping a deleted account's notes failed: {e}").into(),
                        );
                    }
                    (self.notify)(Notice::Changed);
                    (self.notify)(Notice::Status);
                }
                Vec::new()
            }
            Msg::SyncNow(tx) => {
                self.waiters.push((self.rounds_started, tx));
                self.scheduler.handle(now, Input::SyncNow)
            }
            Msg::Presence { visible, online } => {
                let mut commands = self.scheduler.handle(now, Input::Online(online));
                if visible {
                    commands.extend(self.scheduler.handle(now, Input::Visible(true)));
                } else {
                    // This tab is hidden; whether another is visible, the
                    // tabs' locks tell (a closed tab holds none).
                    let tx = self.tx.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        gloo_timers::future::TimeoutFuture::new(LOCK_RELEASE_MS).await;
                        let any = locks::held(locks::VISIBLE).await.map_or(true, |n| n > 0);
                        let _ = tx.unbounded_send(Msg::Input(Input::Visible(any)));
                    });
                }
                commands
            }
        }
    }

    fn carry_out(&mut self, command: Command) {
        let Some(leader) = self.leader.upgrade() else {
            return;
        };
        match command {
            Command::OpenStream => {
                self.streams_opened += 1;
                let id = self.streams_opened;
                self.stream = None;
                match leader.token() {
                    Some(token) => {
                        self.stream = stream::open(id, token, self.tx.clone()).map(|s| (id, s));
                    }
                    None => {
                        let _ = self.tx.unbounded_send(Msg::Input(Input::StreamEnded(Some(
                            Failure::Unauthorized,
                        ))));
                    }
                }
            }
            Command::CloseStream => self.stream = None,
            Command::StartRound => {
                self.rounds_started += 1;
                let id = self.rounds_started;
                // Running from now: the status the tabs are about to be
                // sent says "Syncing…".
                leader.syncing.set(true);
                let tx = self.tx.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = leader.round().await;
                    let _ = tx.unbounded_send(Msg::Round { id, outcome });
                });
            }
        }
    }
}
