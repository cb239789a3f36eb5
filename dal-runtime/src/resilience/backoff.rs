//! [`Backoff`]: how long to wait before a retry.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Exponential backoff with full jitter: before retry `n` (1-based), wait a uniformly random
/// time between zero and `min(max, base × 2ⁿ⁻¹)`. Randomness spreads competing retries apart,
/// which is what lets conflicting transactions stop colliding.
///
/// ```
/// use std::time::Duration;
/// use dal_runtime::Backoff;
/// let b = Backoff::new(Duration::from_millis(10), Duration::from_millis(100));
/// assert!(b.delay(1) <= Duration::from_millis(10));
/// assert!(b.delay(10) <= Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The cap of the first delay.
    pub base: Duration,
    /// The largest delay.
    pub max: Duration,
}

impl Backoff {
    /// A backoff starting at `base`, never above `max`.
    pub const fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, max }
    }

    /// The upper bound of the delay before retry `attempt` (1-based).
    pub fn cap(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1));
        self.base.saturating_mul(factor).min(self.max)
    }

    /// A random delay before retry `attempt` (1-based), within [`Backoff::cap`].
    pub fn delay(&self, attempt: u32) -> Duration {
        // The fraction is below 1 (at most 1 - 2^-53), so even a cap of `Duration::MAX` gives
        // a product that fits: no overflow to check.
        self.cap(attempt).mul_f64(random_fraction())
    }
}

impl Default for Backoff {
    /// 10 ms doubling up to 1 s.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// A number in [0, 1) from the standard library's randomly keyed hasher: enough to decorrelate
/// retries without a random-number dependency.
fn random_fraction() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_grow_exponentially_to_the_max() {
        let b = Backoff::new(Duration::from_millis(10), Duration::from_millis(100));
        let caps: Vec<u128> = (1..=6).map(|n| b.cap(n).as_millis()).collect();
        assert_eq!(caps, vec![10, 20, 40, 80, 100, 100]);
    }

    #[test]
    fn huge_durations_saturate_instead_of_overflowing() {
        let b = Backoff::new(Duration::MAX, Duration::MAX);
        for attempt in [1, 2, 64, u32::MAX] {
            assert_eq!(b.cap(attempt), Duration::MAX);
            assert!(b.delay(attempt) <= Duration::MAX);
        }
        let doubling = Backoff::new(Duration::from_secs(u64::MAX / 2), Duration::MAX);
        assert_eq!(doubling.cap(3), Duration::MAX);
    }

    #[test]
    fn delays_are_jittered_within_the_cap() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let delays: Vec<Duration> = (0..200).map(|_| b.delay(3)).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(400)));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 150, "jitter spreads the delays");
    }
}
