//! Per-user request rate limits for `/sync` (a token bucket per user).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::accounts::UserId;
use crate::error::ApiError;

pub struct SyncRateLimit {
    limiter: DefaultKeyedRateLimiter<UserId>,
    clock: DefaultClock,
}

impl SyncRateLimit {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` to go ahead, or a 429 that says when to retry.
    pub fn check(&self, user: UserId) -> Result<(), ApiError> {
        self.limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            }
        })?;
        // Forget users idle long enough to be back at a full bucket.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
