//! The live-sync state machine: one stream, one round at a time.

mod link;
mod view;

use super::{Command, Failure, Input, Millis, Rng, Settings};
use link::Link;

/// Decides when to open the poke stream and when to run sync rounds.
#[derive(Debug)]
pub struct Scheduler {
    s: Settings,
    rng: Rng,
    signed_in: bool,
    auto: bool,
    stopped: Option<Failure>,
    online: bool,
    visible: bool,
    hidden_since: Option<Millis>,

    link: Link,
    /// Failed attempts in a row to keep a stream open.
    link_failures: u32,
    /// Streams in a row that ended at once after opening.
    quick_ends: u32,
    polling: bool,
    link_failure: Option<Failure>,
    /// When the clock was last looked at while the stream was open.
    last_look: Option<Millis>,

    in_flight: bool,
    /// A round is wanted, not before this time.
    want_at: Option<Millis>,
    /// The user asked: the next round runs whatever the state.
    forced: bool,
    /// Local commits wait for a round (once none is in flight).
    to_push: bool,
    /// Local commits made since the last round started, and whether the
    /// round in flight carries some: only such rounds are spaced out.
    committed: bool,
    carrying: bool,
    last_push_end: Option<Millis>,
    /// Failed rounds in a row, and when the next may start because of them.
    round_failures: u32,
    round_failure: Option<Failure>,
    not_before: Millis,
    last_end: Option<Millis>,
    /// The server version this replica has, and the newest it was told of.
    received: i64,
    told: i64,
    /// A stream that had been open ended: the next one to open asks for a
    /// round.
    lost_open: bool,
    /// A stream opened again while a round was in flight: that round may
    /// have been answered by the server as it was before (say, before a
    /// restore), so one more round follows it.
    recheck: bool,
}

impl Scheduler {
    /// A scheduler that has nothing to do until [`Input::Configure`].
    pub fn new(settings: Settings, seed: u64) -> Self {
        Self {
            s: settings,
            rng: Rng::new(seed),
            signed_in: false,
            auto: false,
            stopped: None,
            online: true,
            visible: true,
            hidden_since: None,
            link: Link::Closed,
            link_failures: 0,
            quick_ends: 0,
            polling: false,
            link_failure: None,
            last_look: None,
            in_flight: false,
            want_at: None,
            forced: false,
            to_push: false,
            committed: false,
            carrying: false,
            last_push_end: None,
            round_failures: 0,
            round_failure: None,
            not_before: 0,
            last_end: None,
            received: 0,
            told: 0,
            lost_open: false,
            recheck: false,
        }
    }

    /// Rounds and the stream run by themselves.
    fn active(&self) -> bool {
        self.signed_in && self.auto && self.stopped.is_none()
    }

    /// Every tab has been hidden long enough to close the stream.
    fn paused(&self, now: Millis) -> bool {
        self.hidden_since
            .is_some_and(|t| now.saturating_sub(t) >= self.s.hidden_close_after)
    }

    fn link_wanted(&self, now: Millis) -> bool {
        self.active() && !self.paused(now)
    }

    /// Wants a round at `at`, or sooner if one was already wanted sooner;
    /// never before failed rounds' backoff allows.
    fn want(&mut self, at: Millis) {
        let at = at.max(self.not_before);
        self.want_at = Some(self.want_at.map_or(at, |w| w.min(at)));
    }

    /// Feeds what happened at `now`; returns what to do.
    pub fn handle(&mut self, now: Millis, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        match input {
            Input::Configure {
                signed_in,
                auto,
                received,
            } => self.configure(now, signed_in, auto, received, &mut out),
            Input::LocalCommit => {
                self.to_push = self.active();
                self.committed = self.to_push;
            }
            Input::SyncNow => {
                self.forced = true;
                self.want_at = Some(now);
            }
            Input::Online(online) => {
                self.online = online;
                if online {
                    // The network is back: everything waiting goes now.
                    self.not_before = 0;
                    self.link_failures = 0;
                    if let Link::Waiting { until } = &mut self.link {
                        *until = now;
                    }
                    if self.active() {
                        self.want(now);
                    }
                } else if let Link::Waiting { until } = &mut self.link {
                    *until = (*until).max(now + self.s.offline_probe);
                }
            }
            Input::Visible(visible) => {
                self.visible = visible;
                if visible {
                    self.hidden_since = None;
                    let stale = self
                        .last_end
                        .is_none_or(|t| now.saturating_sub(t) > self.s.visible_pull_after);
                    if self.active() && stale {
                        self.want(now);
                    }
                } else {
                    self.hidden_since.get_or_insert(now);
                }
            }
            Input::StreamOpened => {
                if let Link::Connecting { .. } = self.link {
                    self.link = Link::Open {
                        since: now,
                        heard: now,
                        poked: false,
                    };
                    self.link_failure = None;
                    self.last_look = Some(now);
                    // A stream open again after one was lost: the server may
                    // have restarted from an older copy of the account (a
                    // restored backup), which its version cannot tell, as
                    // cr-sqlite's clock catches up with whatever is merged
                    // into it. A round asks: the server checks the epoch
                    // this replica saw (`sync::server`).
                    if std::mem::take(&mut self.lost_open) {
                        if self.in_flight {
                            self.recheck = true;
                        } else if self.active() {
                            self.want(now);
                        }
                    }
                    // The server is reachable again: work that waited for it
                    // goes now (a server's own Retry-After still holds).
                    if self.round_failure == Some(Failure::Offline) {
                        self.not_before = 0;
                        if self.want_at.is_some() {
                            self.want_at = Some(now);
                        }
                    }
                }
            }
            Input::Poke(version) => {
                let first = matches!(self.link, Link::Open { poked: false, .. });
                self.heard(now, true);
                // A stream's first poke is the server's version now; what
                // older streams told may be from a history since undone.
                self.told = if first {
                    version
                } else {
                    self.told.max(version)
                };
                // A poke below what this replica has is no news: it was
                // sent before a round that got further had ended. During a
                // round, `round_done` looks at what it was told.
                if self.active() && version > self.received && !self.in_flight {
                    self.want(now);
                }
            }
            Input::Heartbeat => self.heard(now, false),
            Input::StreamEnded(failure) => self.link_lost(now, failure),
            Input::RoundDone(result) => self.round_done(now, result, &mut out),
        }
        self.advance(now, &mut out);
        out
    }

    /// Runs what is due at `now` (call at [`Self::wake_at`]).
    pub fn tick(&mut self, now: Millis) -> Vec<Command> {
        let mut out = Vec::new();
        self.advance(now, &mut out);
        out
    }

    fn configure(
        &mut self,
        now: Millis,
        signed_in: bool,
        auto: bool,
        received: i64,
        out: &mut Vec<Command>,
    ) {
        self.signed_in = signed_in;
        self.auto = auto;
        self.stopped = None;
        self.received = received;
        self.told = received;
        self.recheck = false;
        self.lost_open = false;
        self.round_failures = 0;
        self.round_failure = None;
        self.not_before = 0;
        self.link_failures = 0;
        self.quick_ends = 0;
        self.polling = false;
        self.link_failure = None;
        // A new session or setting: the stream starts over with it.
        if matches!(self.link, Link::Open { .. } | Link::Connecting { .. }) {
            out.push(Command::CloseStream);
        }
        self.link = Link::Closed;
        if self.active() {
            self.want(now);
        } else {
            self.want_at = None;
        }
    }

    fn round_done(&mut self, now: Millis, result: Result<i64, Failure>, out: &mut Vec<Command>) {
        self.in_flight = false;
        // A failed round is tried again anyway, against the server as it is.
        let recheck = std::mem::take(&mut self.recheck);
        self.last_end = Some(now);
        if std::mem::take(&mut self.carrying) {
            self.last_push_end = Some(now);
        }
        match result {
            Ok(received) => {
                self.round_failures = 0;
                self.round_failure = None;
                self.not_before = 0;
                self.received = received;
                if self.stopped == Some(Failure::Outdated) {
                    // The user pressed Sync and it worked after all.
                    self.stopped = None;
                }
                if self.active() && (self.told > self.received || recheck) {
                    self.want(now);
                }
                // The server answers: a stream waiting out its backoff can
                // open now (not where streams fail by themselves).
                if let Link::Waiting { until } = &mut self.link
                    && !self.polling
                {
                    *until = (*until).min(now);
                }
            }
            Err(f @ (Failure::Unauthorized | Failure::Outdated)) => {
                self.stop(f);
                if matches!(self.link, Link::Open { .. } | Link::Connecting { .. }) {
                    out.push(Command::CloseStream);
                }
                self.link = Link::Closed;
            }
            Err(f) => {
                let floor = match f {
                    Failure::Server { retry_after } => retry_after,
                    _ => 0,
                };
                let delay = self
                    .s
                    .backoff
                    .delay(self.round_failures, floor, &mut self.rng);
                self.round_failures = self.round_failures.saturating_add(1);
                self.round_failure = Some(f);
                self.not_before = now + delay;
                // What the round was for is still to do.
                self.want(now);
            }
        }
    }

    fn stop(&mut self, why: Failure) {
        self.stopped = Some(why);
        self.want_at = None;
        self.forced = false;
        self.to_push = false;
    }

    /// Whether a wanted round may start now (time aside).
    fn round_allowed(&self) -> bool {
        !self.in_flight && (self.forced || (self.active() && self.online))
    }

    fn advance(&mut self, now: Millis, out: &mut Vec<Command>) {
        if self.to_push && !self.in_flight {
            // Commits made during a round go in one round after it.
            self.to_push = false;
            let gap = self.last_push_end.map_or(now, |t| t + self.s.push_gap);
            self.want(now.max(gap));
        }
        self.look_at_clock(now, out);
        self.keep_link(now, out);
        if self.active() && !self.paused(now) && !self.in_flight && self.want_at.is_none() {
            // The net under lost pokes, and polling where streams fail.
            if let Some(end) = self.last_end {
                if now >= end + self.s.net_every {
                    self.want(now);
                }
                if self.polling && self.visible && now >= end + self.s.poll_every {
                    self.want(now);
                }
            }
        }
        if self.round_allowed() && self.want_at.is_some_and(|t| t <= now) {
            self.want_at = None;
            self.forced = false;
            self.in_flight = true;
            self.carrying = std::mem::take(&mut self.committed);
            out.push(Command::StartRound);
        }
    }

    /// A round is running.
    pub fn round_in_flight(&self) -> bool {
        self.in_flight
    }
}
