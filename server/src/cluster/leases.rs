//! Which shards this node holds, takes, renews and gives up: decisions only
//! (sans-IO). The directory (`directory.rs`) feeds in what the key-value
//! bucket says and carries out the writes this returns.
//!
//! Safety rests on one clock per node and no clock shared between them:
//! - a holder serves a shard until [`SERVE_FRACTION`] of the lease after it
//!   *sent* its last successful renewal;
//! - another node takes it over only after it has seen the entry's revision
//!   unchanged for a whole lease, counted from when *it* first saw that
//!   revision, which is after the holder sent it.
//!
//! So the holder has stopped before anyone else starts, and the take is a
//! compare-and-set on the revision it saw: of two nodes racing, one wins.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::moves::Moves;

pub type ShardId = u16;

/// A holder serves for this part of the lease after each renewal sent.
pub const SERVE_FRACTION: f64 = 0.75;

/// Most shards given up in one round when the cluster grows: each gives
/// its clients a second of 503 while it moves.
const RELEASES_PER_ROUND: usize = 16;

/// Who holds a shard, as written in the bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub node: String,
    /// Where other nodes forward this shard's requests.
    pub url: String,
}

/// A shard entry's value: `None` when its last holder gave it up.
pub type LeaseValue = Option<Holder>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The shard has never had an entry: create it.
    Create {
        shard: ShardId,
    },
    /// Take the shard (free, or its holder's lease ran out) if its entry
    /// is still at `revision`.
    Take {
        shard: ShardId,
        revision: u64,
    },
    Renew {
        shard: ShardId,
        revision: u64,
    },
    /// Give the shard up (the cluster grew): stop serving it first.
    Release {
        shard: ShardId,
        revision: u64,
    },
}

impl Action {
    pub fn shard(&self) -> ShardId {
        match self {
            Self::Create { shard }
            | Self::Take { shard, .. }
            | Self::Renew { shard, .. }
            | Self::Release { shard, .. } => *shard,
        }
    }
}

/// What became of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Written: the entry's new revision.
    Done(u64),
    /// Someone else wrote first (the revision moved on, or the key exists).
    Lost,
    /// NATS did not answer: nothing is known.
    Unknown,
}

/// What the node must do with its serving after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Start serving the shard, until the given instant (moved on by renewals).
    Serve { shard: ShardId, until: Instant },
    /// Stop serving the shard now (lost, fenced, or given up).
    Stop { shard: ShardId },
}

#[derive(Clone, Debug)]
struct Seen {
    revision: u64,
    holder: LeaseValue,
    /// When this node first saw this revision.
    since: Instant,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    revision: u64,
    /// When the write that made `revision` was sent.
    sent: Instant,
}

pub struct Book {
    me: Holder,
    shards: ShardId,
    lease: Duration,
    started: Instant,
    seen: BTreeMap<ShardId, Seen>,
    held: BTreeMap<ShardId, Held>,
    /// Other nodes' heartbeats: revision and when it was first seen.
    nodes: BTreeMap<String, (u64, Instant)>,
    /// Shards being released: no longer served, not yet written free.
    releasing: BTreeSet<ShardId>,
    moves: Moves,
    /// Where this node starts looking for shards to take.
    start_at: ShardId,
}

impl Book {
    pub fn new(me: Holder, shards: ShardId, lease: Duration, now: Instant) -> Self {
        Self {
            start_at: start_at(&me.node, shards),
            me,
            shards,
            lease,
            started: now,
            seen: BTreeMap::new(),
            held: BTreeMap::new(),
            nodes: BTreeMap::new(),
            releasing: BTreeSet::new(),
            moves: Moves::default(),
        }
    }

    /// An operator asked for `shard` to move to `target` (`None`: the ask
    /// is gone, done or withdrawn).
    pub fn observe_move(&mut self, shard: ShardId, target: Option<String>, now: Instant) {
        if shard < self.shards {
            self.moves.observe(shard, target, now);
        }
    }

    /// Whether `shard` is asked to move anywhere.
    pub fn move_asked(&self, shard: ShardId) -> bool {
        self.moves.target(shard).is_some()
    }

    /// Whether `shard` is asked to move here: once taken, the ask is done
    /// and its key can go.
    pub fn asked_here(&self, shard: ShardId) -> bool {
        self.moves.target(shard) == Some(self.me.node.as_str())
    }

    pub fn me(&self) -> &Holder {
        &self.me
    }

    /// How often to heartbeat and run [`Book::plan`]: four times a lease,
    /// so a renewal has two more chances before the holder stops serving.
    pub fn round(&self) -> Duration {
        self.lease / 4
    }

    fn serve_for(&self) -> Duration {
        self.lease.mul_f64(SERVE_FRACTION)
    }

    /// The bucket says `shard` is at `revision`, held by `holder`.
    pub fn observe(
        &mut self,
        shard: ShardId,
        revision: u64,
        holder: LeaseValue,
        now: Instant,
    ) -> Option<Change> {
        if shard >= self.shards {
            return None;
        }
        let newer = self.seen.get(&shard).is_none_or(|s| revision > s.revision);
        if !newer {
            return None;
        }
        let ours = holder.as_ref().is_some_and(|h| h.node == self.me.node);
        self.seen.insert(
            shard,
            Seen {
                revision,
                holder,
                since: now,
            },
        );
        // A write that is not ours past the revision we hold: someone took
        // the shard (we must have missed our own deadline). Stop at once.
        match self.held.get(&shard) {
            Some(h) if revision > h.revision && !ours => {
                self.held.remove(&shard);
                Some(Change::Stop { shard })
            }
            _ => None,
        }
    }

    /// Another node's heartbeat key is at `revision`.
    pub fn observe_node(&mut self, node: &str, revision: u64, now: Instant) {
        if node == self.me.node {
            return;
        }
        let entry = self.nodes.entry(node.to_owned()).or_insert((0, now));
        if revision > entry.0 {
            *entry = (revision, now);
        }
    }

    fn alive_nodes(&self, now: Instant) -> usize {
        1 + self
            .nodes
            .values()
            .filter(|(_, since)| now.duration_since(*since) < self.lease)
            .count()
    }

    /// How many shards each live node should hold, at most.
    pub fn target(&self, now: Instant) -> usize {
        usize::from(self.shards).div_ceil(self.alive_nodes(now))
    }

    fn holder_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for seen in self.seen.values() {
            if let Some(h) = &seen.holder {
                *counts.entry(h.node.as_str()).or_default() += 1;
            }
        }
        counts
    }

    /// Where to forward `shard`'s requests, when another node holds it.
    pub fn owner_url(&self, shard: ShardId) -> Option<&str> {
        let seen = self.seen.get(&shard)?;
        match &seen.holder {
            Some(h) if h.node != self.me.node => Some(&h.url),
            _ => None,
        }
    }

    /// Shards whose serving time ran out without a renewal: stop them.
    pub fn expire(&mut self, now: Instant) -> Vec<Change> {
        let serve_for = self.serve_for();
        let gone: Vec<ShardId> = self
            .held
            .iter()
            .filter(|(_, h)| now >= h.sent + serve_for)
            .map(|(s, _)| *s)
            .collect();
        gone.into_iter()
            .map(|shard| {
                self.held.remove(&shard);
                Change::Stop { shard }
            })
            .collect()
    }

    /// This round's writes: renewals first, then releases or takes.
    pub fn plan(&mut self, now: Instant) -> Vec<Action> {
        let mut actions: Vec<Action> = self
            .held
            .iter()
            .filter(|(s, _)| !self.releasing.contains(s))
            .map(|(&shard, h)| Action::Renew {
                shard,
                revision: h.revision,
            })
            .collect();
        // Asked to move elsewhere: given up at once, whatever the balance.
        let asked_away: Vec<(ShardId, u64)> = self
            .held
            .iter()
            .filter(|(s, _)| !self.releasing.contains(s))
            .filter(|(s, _)| self.moves.target(**s).is_some_and(|t| t != self.me.node))
            .map(|(s, h)| (*s, h.revision))
            .collect();
        for (shard, revision) in asked_away {
            self.releasing.insert(shard);
            actions.retain(|a| a.shard() != shard);
            actions.push(Action::Release { shard, revision });
        }
        // Before taking anything, listen for a round: the other nodes'
        // heartbeats say how many share the shards.
        if now.duration_since(self.started) < self.round() {
            return actions;
        }
        // Asked to move here: taken as soon as it is free, beyond the share.
        let asked_here: Vec<Action> = self
            .seen
            .iter()
            .filter(|(s, seen)| {
                !self.held.contains_key(s)
                    && seen.holder.is_none()
                    && self.moves.target(**s) == Some(self.me.node.as_str())
            })
            .map(|(&shard, seen)| Action::Take {
                shard,
                revision: seen.revision,
            })
            .collect();
        actions.extend(asked_here);
        let target = self.target(now);
        let held = self.held.len();
        if held > target {
            let counts = self.holder_counts();
            let someone_has_room = self.nodes.iter().any(|(node, (_, since))| {
                now.duration_since(*since) < self.lease
                    && counts.get(node.as_str()).copied().unwrap_or(0) < target
            });
            if someone_has_room {
                let extra = (held - target).min(RELEASES_PER_ROUND);
                let give_up: Vec<(ShardId, u64)> = self
                    .held
                    .iter()
                    .rev()
                    .filter(|(s, _)| !self.releasing.contains(s))
                    .filter(|(s, _)| !self.moves.settling(**s, now, self.lease))
                    .take(extra)
                    .map(|(s, h)| (*s, h.revision))
                    .collect();
                for (shard, revision) in give_up {
                    self.releasing.insert(shard);
                    actions.retain(|a| a.shard() != shard);
                    actions.push(Action::Release { shard, revision });
                }
            }
            return actions;
        }
        let room = target - held;
        let me = self.me.node.as_str();
        let planned: BTreeSet<ShardId> = actions.iter().map(Action::shard).collect();
        // Each node looks from its own place in the ring: nodes started
        // together do not all race for shard 0, then 1, …
        let from = self.start_at;
        let takes = (0..self.shards)
            .map(|i| ((u32::from(i) + u32::from(from)) % u32::from(self.shards)) as ShardId)
            .filter(|s| !self.held.contains_key(s) && !planned.contains(s))
            .filter(|s| !self.moves.kept_for_another(*s, me, now, self.lease))
            .filter_map(|shard| match self.seen.get(&shard) {
                None => Some(Action::Create { shard }),
                Some(seen) => {
                    let free = seen.holder.is_none();
                    let ran_out = now.duration_since(seen.since) >= self.lease;
                    (free || ran_out).then_some(Action::Take {
                        shard,
                        revision: seen.revision,
                    })
                }
            })
            .take(room);
        actions.extend(takes);
        actions
    }

    /// The outcome of an action sent at `sent`.
    pub fn settle(&mut self, action: &Action, outcome: Outcome, sent: Instant) -> Option<Change> {
        let shard = action.shard();
        match (action, outcome) {
            (Action::Create { .. } | Action::Take { .. }, Outcome::Done(revision)) => {
                self.held.insert(shard, Held { revision, sent });
                self.note_own_write(shard, revision, sent);
                if self.moves.target(shard) == Some(self.me.node.as_str()) {
                    self.moves.arrived(shard, sent);
                }
                Some(Change::Serve {
                    shard,
                    until: sent + self.serve_for(),
                })
            }
            (Action::Renew { .. }, Outcome::Done(revision)) => {
                let held = self.held.get_mut(&shard)?;
                *held = Held { revision, sent };
                self.note_own_write(shard, revision, sent);
                Some(Change::Serve {
                    shard,
                    until: sent + self.serve_for(),
                })
            }
            (Action::Renew { .. }, Outcome::Lost) => {
                self.held.remove(&shard);
                Some(Change::Stop { shard })
            }
            (Action::Release { .. }, Outcome::Done(_) | Outcome::Lost) => {
                self.releasing.remove(&shard);
                self.held.remove(&shard);
                None
            }
            // Not written, or not known to be: a release is tried again
            // next round (the shard is not served meanwhile); a renewal's
            // deadline keeps running.
            (Action::Release { .. }, Outcome::Unknown) => {
                self.releasing.remove(&shard);
                None
            }
            _ => None,
        }
    }

    /// Our own write, seen before the watch brings it back.
    fn note_own_write(&mut self, shard: ShardId, revision: u64, now: Instant) {
        if self.seen.get(&shard).is_none_or(|s| revision > s.revision) {
            self.seen.insert(
                shard,
                Seen {
                    revision,
                    holder: Some(self.me.clone()),
                    since: now,
                },
            );
        }
    }

    /// Shards held now (for shutting down: each is given up).
    pub fn held(&self) -> Vec<(ShardId, u64)> {
        self.held.iter().map(|(s, h)| (*s, h.revision)).collect()
    }

    pub fn holds(&self, shard: ShardId) -> bool {
        self.held.contains_key(&shard) && !self.releasing.contains(&shard)
    }
}

/// A place in `0..shards` from a node's name (FNV-1a).
fn start_at(node: &str, shards: ShardId) -> ShardId {
    let hash = node.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ShardId::try_from(hash % u64::from(shards.max(1))).unwrap_or(0)
}

#[cfg(test)]
#[path = "leases_tests.rs"]
mod tests;
