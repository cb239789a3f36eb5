//! Load shedding: a token-bucket rate limit on acquires, and the priority an acquire runs at.
//!
//! Shedding refuses work at once with [`ErrorKind::PoolExhausted`] rather than letting it
//! queue: under overload a fast "no" keeps latency bounded for the work that is let in.

use std::sync::Mutex;
#[cfg(test)]
use std::time::Duration;
use std::time::Instant;

use crate::config::RateLimit;
use crate::error::{Error, ErrorKind};

/// How urgently an acquire wants a connection.
///
/// Bulk work (batch jobs, backfills, reports) holds at most
/// [`PoolOptions::bulk_limit`](crate::PoolOptions::bulk_limit) connections at once, so the rest
/// stay for normal work, which therefore never queues behind more than that many bulk callers.
///
/// ```no_run
/// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
/// use dal_runtime::Priority;
/// let batch = db.with_priority(Priority::Bulk);
/// batch.query("DELETE FROM sessions WHERE expires_at < now()").execute().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Priority {
    /// Requests users wait on. May use every connection.
    #[default]
    Normal,
    /// Work nobody waits on. Limited to a share of the pool.
    Bulk,
}

/// A token bucket refilled continuously, read against a clock passed in (so it is tested
/// without sleeping).
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        TokenBucket { limit, state: Mutex::new((f64::from(limit.burst), now)) }
    }

    /// Takes one token if there is one.
    pub(crate) fn try_take(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (tokens, last) = &mut *state;
        let earned =
            now.saturating_duration_since(*last).as_secs_f64() * f64::from(self.limit.per_second);
        *tokens = (*tokens + earned).min(f64::from(self.limit.burst));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The error for a spent bucket.
    pub(crate) fn spent(&self, pool: &dyn std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::PoolExhausted,
            format!(
                "the pool for {pool} refused the request: its rate limit of {} acquires per second (bursts of {}) is spent; retry later or raise rate_limit",
                self.limit.per_second, self.limit.burst
            ),
        )
    }
}

/// The error for a full waiting line.
pub(crate) fn too_many_waiters(pool: &dyn std::fmt::Display, max: usize) -> Error {
    Error::new(
        ErrorKind::PoolExhausted,
        format!(
            "the pool for {pool} refused the request: {max} callers are already waiting for a connection (max_waiters); retry later, raise max_waiters or max_connections"
        ),
    )
}

/// How long until a bucket of `limit` earns one token (for messages and tests).
#[cfg(test)]
fn refill_time(limit: RateLimit) -> Duration {
    Duration::from_secs_f64(1.0 / f64::from(limit.per_second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_a_burst_through_then_the_rate() {
        let start = Instant::now();
        let limit = RateLimit::new(10).burst(3);
        let bucket = TokenBucket::new(limit, start);
        assert_eq!((0..5).filter(|_| bucket.try_take(start)).count(), 3, "the burst");
        let later = start + refill_time(limit);
        assert!(bucket.try_take(later), "one token earned");
        assert!(!bucket.try_take(later), "and only one");
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| bucket.try_take(much_later)).count(), 3, "capped at burst");
    }

    #[test]
    fn shedding_errors_name_the_limit_and_are_retryable() {
        let bucket = TokenBucket::new(RateLimit::new(7), Instant::now());
        let e = bucket.spent(&"postgres://db");
        assert_eq!(e.kind(), ErrorKind::PoolExhausted);
        assert!(e.to_string().contains("7 acquires per second"), "{e}");
        assert!(e.is_retryable());
        let e = too_many_waiters(&"postgres://db", 4);
        assert!(e.to_string().contains("4 callers are already waiting"), "{e}");
    }
}
