//! Slow-call tracking for `#[track_slow]`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static SLOW_CALLS: AtomicU64 = AtomicU64::new(0);

/// How many tracked calls were slower than their threshold since the process started.
pub fn slow_calls() -> u64 {
    SLOW_CALLS.load(Ordering::Relaxed)
}

/// Times a call from its creation to its drop; a call slower than the threshold is logged
/// (function name and elapsed time) and counted. `#[track_slow]` puts one at the top of the
/// function body.
#[derive(Debug)]
pub struct SlowCallGuard {
    function: &'static str,
    threshold: Duration,
    started: Instant,
}

impl SlowCallGuard {
    /// Starts timing `function`.
    pub fn new(function: &'static str, threshold: Duration) -> Self {
        SlowCallGuard { function, threshold, started: Instant::now() }
    }
}

impl Drop for SlowCallGuard {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        if elapsed > self.threshold {
            SLOW_CALLS.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                function = self.function,
                elapsed_ms = elapsed.as_millis() as u64,
                threshold_ms = self.threshold.as_millis() as u64,
                "slow call: {} took {:?} (threshold {:?})",
                self.function,
                elapsed,
                self.threshold
            );
        }
    }
}
