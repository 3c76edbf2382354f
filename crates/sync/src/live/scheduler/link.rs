//! The poke stream's half of the scheduler: opening it, noticing that it
//! died, and when to try again.

use super::Scheduler;
use crate::live::{Command, Failure, Millis};

/// The poke stream's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Link {
    /// Not wanted: signed out, automatic sync off, stopped, or paused.
    Closed,
    /// To be (re)opened at `until`.
    Waiting {
        until: Millis,
    },
    Connecting {
        since: Millis,
    },
    Open {
        since: Millis,
        /// When anything last arrived on it.
        heard: Millis,
        /// The server's first poke arrived.
        poked: bool,
    },
}

impl Scheduler {
    pub(super) fn heard(&mut self, now: Millis, poke: bool) {
        if let Link::Open { heard, poked, .. } = &mut self.link {
            *heard = now;
            *poked |= poke;
        }
    }

    /// The stream ended or could not open.
    pub(super) fn link_lost(&mut self, now: Millis, failure: Option<Failure>) {
        let lived = match self.link {
            Link::Open { since, .. } => Some(now.saturating_sub(since)),
            Link::Connecting { .. } => None,
            // Ended after it was closed on purpose: nothing to do.
            Link::Closed | Link::Waiting { .. } => return,
        };
        if let Some(f @ (Failure::Unauthorized | Failure::Outdated)) = failure {
            self.stop(f);
            self.link = Link::Closed;
            return;
        }
        if failure.is_some() {
            self.link_failure = failure;
        }
        self.reconnect_later(now, lived, failure);
    }

    /// Schedules the next attempt after a stream that lived `lived` (`None`:
    /// it never opened) ended.
    pub(super) fn reconnect_later(
        &mut self,
        now: Millis,
        lived: Option<Millis>,
        failure: Option<Failure>,
    ) {
        self.lost_open |= lived.is_some();
        match lived {
            Some(l) if l >= self.s.healthy_after => {
                self.link_failures = 0;
                self.quick_ends = 0;
            }
            Some(l) if l < self.s.quick_end => self.quick_ends += 1,
            Some(_) => self.quick_ends = 0,
            None => {}
        }
        let floor = match failure {
            Some(Failure::Server { retry_after }) => retry_after,
            _ => 0,
        };
        let mut delay = self
            .s
            .backoff
            .delay(self.link_failures, floor, &mut self.rng);
        self.link_failures = self.link_failures.saturating_add(1);
        if self.quick_ends >= self.s.fallback_after {
            // Something on the way (a proxy) cuts or holds streams: poll
            // instead, and try a stream again now and then.
            self.polling = true;
            delay = delay.max(self.s.stream_retry_when_polling);
        }
        if !self.online {
            let probe = self.s.offline_probe;
            delay = delay.max(probe + self.rng.below(probe / 2));
        }
        self.link = Link::Waiting { until: now + delay };
    }

    /// A long gap since the last look: the device slept, and an open stream
    /// may be a dead socket that looks alive.
    pub(super) fn look_at_clock(&mut self, now: Millis, out: &mut Vec<Command>) {
        let Link::Open { .. } = self.link else {
            self.last_look = None;
            return;
        };
        let slept = self
            .last_look
            .is_some_and(|t| now.saturating_sub(t) > self.s.sleep_gap);
        self.last_look = Some(now);
        if slept {
            out.push(Command::CloseStream);
            self.link = Link::Waiting { until: now };
            if self.active() {
                self.want(now);
            }
        }
    }

    pub(super) fn keep_link(&mut self, now: Millis, out: &mut Vec<Command>) {
        if !self.link_wanted(now) {
            if matches!(self.link, Link::Open { .. } | Link::Connecting { .. }) {
                out.push(Command::CloseStream);
            }
            self.link = Link::Closed;
            return;
        }
        match self.link {
            Link::Closed => {
                self.link = Link::Waiting { until: now };
                self.keep_link(now, out);
            }
            Link::Waiting { until } if until <= now => {
                out.push(Command::OpenStream);
                self.link = Link::Connecting { since: now };
            }
            Link::Waiting { .. } => {}
            // An answer that never comes is as dead as a silent stream.
            Link::Connecting { since } if now >= since + self.s.watchdog => {
                out.push(Command::CloseStream);
                self.link_failure = Some(Failure::Offline);
                self.reconnect_later(now, None, None);
            }
            Link::Connecting { .. } => {}
            Link::Open {
                since,
                heard,
                poked,
            } => {
                let lived = now.saturating_sub(since);
                if lived >= self.s.healthy_after {
                    self.link_failures = 0;
                    self.quick_ends = 0;
                    self.polling = false;
                }
                let dead = now >= heard + self.s.watchdog;
                let held_back = !poked && lived >= self.s.first_poke_within;
                if dead || held_back {
                    out.push(Command::CloseStream);
                    // Held back counts as ending at once (a buffering
                    // proxy); a silent stream is reconnected at once.
                    let lived = if held_back { 0 } else { lived };
                    self.reconnect_later(now, Some(lived), None);
                    if dead && !held_back {
                        self.link = Link::Waiting { until: now };
                        self.keep_link(now, out);
                    }
                }
            }
        }
    }
}
