//! Request rate limits: a token bucket per key (a user for `/sync`, a
//! username and a client address for sign-in attempts, ...).

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct RateLimit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> RateLimit<K> {
    /// `per_second` sustained, and `burst` at once.
    pub fn per_second(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self::new(Quota::per_second(per_second).allow_burst(burst))
    }

    /// `n` a minute, all of them at once if need be.
    pub fn per_minute(n: NonZeroU32) -> Self {
        Self::new(Quota::per_minute(n))
    }

    /// `n` an hour, all of them at once if need be.
    pub fn per_hour(n: NonZeroU32) -> Self {
        Self::new(Quota::per_hour(n))
    }

    fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` to go ahead, or how long to wait (at least a second).
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.limiter.check_key(key).map_err(|not_until| {
            not_until
                .wait_time_from(self.clock.now())
                .max(Duration::from_secs(1))
        })?;
        // Forget keys idle long enough to be back at a full bucket.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
