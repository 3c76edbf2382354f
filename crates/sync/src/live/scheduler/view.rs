//! What the scheduler shows of itself: when it must next be woken, and
//! where live sync stands for the status line.

use super::Scheduler;
use super::link::Link;
use crate::live::{Millis, Mode, View};

impl Scheduler {
    /// When [`Self::tick`] must be called next, if anything is timed.
    pub fn wake_at(&self) -> Option<Millis> {
        let mut at: Option<Millis> = None;
        let mut at_least = |t: Millis| at = Some(at.map_or(t, |a| a.min(t)));
        if self.round_allowed()
            && let Some(t) = self.want_at
        {
            at_least(t);
        }
        if self.active() {
            match self.link {
                Link::Waiting { until } => at_least(until),
                Link::Connecting { since } => at_least(since + self.s.watchdog),
                Link::Open {
                    since,
                    heard,
                    poked,
                } => {
                    at_least(heard + self.s.watchdog);
                    at_least(self.last_look.unwrap_or(since) + self.s.tick);
                    if !poked {
                        at_least(since + self.s.first_poke_within);
                    }
                    if self.polling || self.link_failures > 0 {
                        at_least(since + self.s.healthy_after);
                    }
                }
                Link::Closed => {}
            }
            if let Some(t) = self.hidden_since
                && self.link != Link::Closed
            {
                at_least(t + self.s.hidden_close_after);
            }
            if let Some(end) = self.last_end
                && !self.in_flight
                && self.want_at.is_none()
                && self.link != Link::Closed
            {
                at_least(end + self.s.net_every);
                if self.polling && self.visible {
                    at_least(end + self.s.poll_every);
                }
            }
        }
        at
    }

    /// Where live sync stands at `now`.
    pub fn view(&self, now: Millis) -> View {
        let mode = if !self.signed_in {
            Mode::Off
        } else if let Some(why) = self.stopped {
            Mode::Stopped(why)
        } else if !self.auto {
            Mode::Off
        } else if self.paused(now) {
            Mode::Paused
        } else if self.polling {
            Mode::Polling
        } else {
            match self.link {
                Link::Open { poked: true, .. } => Mode::Live,
                Link::Waiting { until } if until > now => Mode::Retrying,
                _ => Mode::Connecting,
            }
        };
        let link_retry = match self.link {
            Link::Waiting { until } if until > now => Some(until),
            _ => None,
        };
        let round_retry =
            (self.want_at.is_some() && self.not_before > now).then_some(self.not_before);
        let retry_at = match mode {
            Mode::Retrying | Mode::Polling => link_retry.or(round_retry),
            Mode::Live | Mode::Connecting => round_retry,
            _ => None,
        };
        View {
            mode,
            retry_at,
            offline: !self.online,
            link_failure: self.link_failure,
            round_failure: self.round_failure.filter(|_| self.want_at.is_some()),
        }
    }
}
