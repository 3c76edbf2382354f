//! Full-jitter exponential backoff: the n-th retry in a row waits a uniform
//! random time in `[0, min(cap, base · 2^n))`, so that clients cut off
//! together (a server restart) come back spread out instead of in waves.

/// A small, seedable generator (SplitMix64): the caller seeds it from the
/// platform's randomness, tests from a constant.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, below)`; 0 when `below` is 0.
    pub fn below(&mut self, below: u64) -> u64 {
        if below == 0 {
            return 0;
        }
        // Multiply-shift: no modulo bias worth the name at these ranges.
        ((u128::from(self.next_u64()) * u128::from(below)) >> 64) as u64
    }
}

/// Base and cap of the backoff, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Backoff {
    /// The longest wait after `failures` failures in a row (0: the first retry).
    pub fn ceiling(&self, failures: u32) -> u64 {
        let doubled = self
            .base_ms
            .saturating_mul(1u64.checked_shl(failures.min(63)).unwrap_or(u64::MAX));
        doubled.min(self.cap_ms)
    }

    /// How long to wait after `failures` failures in a row, at least `floor`
    /// (a server's `Retry-After`).
    pub fn delay(&self, failures: u32, floor: u64, rng: &mut Rng) -> u64 {
        rng.below(self.ceiling(failures)).max(floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        base_ms: 1_000,
        cap_ms: 30_000,
    };

    #[test]
    fn the_ceiling_doubles_from_the_base_up_to_the_cap() {
        let ceilings: Vec<u64> = (0..8).map(|n| BACKOFF.ceiling(n)).collect();
        assert_eq!(
            ceilings,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(BACKOFF.ceiling(u32::MAX), 30_000);
    }

    #[test]
    fn delays_spread_over_the_whole_range_and_respect_the_floor() {
        let mut rng = Rng::new(7);
        let delays: Vec<u64> = (0..10_000).map(|_| BACKOFF.delay(9, 0, &mut rng)).collect();
        assert!(delays.iter().all(|&d| d < 30_000));
        // Each tenth of the range gets about a tenth of the delays.
        for tenth in 0..10 {
            let n = delays.iter().filter(|&&d| d / 3_000 == tenth).count();
            assert!((800..1_200).contains(&n), "tenth {tenth}: {n}");
        }
        assert!((0..100).all(|_| BACKOFF.delay(0, 5_000, &mut rng) == 5_000));
    }
}
