//! Shards an operator asked to move (`server shard move`): the holder gives
//! the shard up at once, the node asked for takes it without waiting, and
//! the others leave it free for a lease. A shard that just arrived is not
//! handed on again by the balancing for a while.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::leases::ShardId;

/// How many leases a moved shard stays out of the balancing.
const SETTLE_LEASES: u32 = 10;

#[derive(Default)]
pub struct Moves {
    /// Shard → the node asked for, and when the ask was seen.
    asked: BTreeMap<ShardId, (String, Instant)>,
    /// Shards that arrived here by a move, and when.
    arrived: BTreeMap<ShardId, Instant>,
}

impl Moves {
    /// The bucket's `move.<n>` key says `target` (`None`: no move asked).
    pub fn observe(&mut self, shard: ShardId, target: Option<String>, now: Instant) {
        match target {
            Some(t) => {
                self.asked.insert(shard, (t, now));
            }
            None => {
                self.asked.remove(&shard);
            }
        }
    }

    /// The node `shard` is asked to move to.
    pub fn target(&self, shard: ShardId) -> Option<&str> {
        self.asked.get(&shard).map(|(t, _)| t.as_str())
    }

    /// Whether a free `shard` waits for another node than `me` (for a
    /// lease at most: a node asked for that never comes does not keep it).
    pub fn kept_for_another(
        &self,
        shard: ShardId,
        me: &str,
        now: Instant,
        lease: Duration,
    ) -> bool {
        self.asked
            .get(&shard)
            .is_some_and(|(t, since)| t != me && now.duration_since(*since) < lease)
    }

    pub fn arrived(&mut self, shard: ShardId, now: Instant) {
        self.arrived.insert(shard, now);
        self.asked.remove(&shard);
    }

    /// Whether `shard` arrived by a move lately: the balancing leaves it.
    pub fn settling(&self, shard: ShardId, now: Instant, lease: Duration) -> bool {
        self.arrived
            .get(&shard)
            .is_some_and(|since| now.duration_since(*since) < lease * SETTLE_LEASES)
    }
}
