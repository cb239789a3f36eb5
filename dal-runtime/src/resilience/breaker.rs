//! [`CircuitBreaker`]: stop calling a backend that keeps failing, so callers fail at once
//! instead of piling up behind timeouts, and let a few probes through to notice recovery.
//!
//! Closed: calls pass; a failure that says the backend is unreachable or too slow (connection,
//! timeout, pool timeout) is remembered for `window`. `failure_threshold` of them within the
//! window open the breaker. Open: calls are refused with [`ErrorKind::CircuitOpen`] until
//! `open_for` has passed. Half-open: up to `probes` calls at a time go through; `probes`
//! successes close the breaker, one failure opens it again. Errors that prove the backend
//! answered (constraint, syntax, not found, …) are successes here.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};

/// The state of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls are refused.
    Open,
    /// A few probe calls pass.
    HalfOpen,
}

/// Thresholds and timings of a [`CircuitBreaker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerOptions {
    /// Failures within `window` that open the breaker.
    pub failure_threshold: u32,
    /// How long a failure counts.
    pub window: Duration,
    /// How long the breaker stays open before probing.
    pub open_for: Duration,
    /// Probe calls at a time when half-open, and successes needed to close.
    pub probes: u32,
}

impl Default for BreakerOptions {
    /// 5 failures in 10 s open it for 5 s; 2 probes.
    fn default() -> Self {
        BreakerOptions {
            failure_threshold: 5,
            window: Duration::from_secs(10),
            open_for: Duration::from_secs(5),
            probes: 2,
        }
    }
}

impl BreakerOptions {
    /// Sets the failures that open the breaker.
    pub fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n.max(1);
        self
    }

    /// Sets how long a failure counts.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets how long the breaker stays open.
    pub fn open_for(mut self, open_for: Duration) -> Self {
        self.open_for = open_for;
        self
    }

    /// Sets the probes when half-open.
    pub fn probes(mut self, probes: u32) -> Self {
        self.probes = probes.max(1);
        self
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: VecDeque<Instant>,
    opened_at: Instant,
    probes_running: u32,
    probe_successes: u32,
}

/// A circuit breaker (see the module documentation for its rules).
///
/// ```
/// # async fn demo() -> dal_runtime::Result<()> {
/// use dal_runtime::{BreakerOptions, CircuitBreaker};
/// let breaker = CircuitBreaker::new("payments-db", BreakerOptions::default());
/// let n = breaker.call(|| async { Ok::<_, dal_runtime::Error>(42) }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct CircuitBreaker {
    name: String,
    options: BreakerOptions,
    inner: Mutex<Inner>,
}

/// Whether an error says the backend is unreachable or overloaded (what trips a breaker).
fn is_backend_failure(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::PoolTimeout)
}

impl CircuitBreaker {
    /// A closed breaker named `name` (the name appears in its errors).
    pub fn new(name: impl Into<String>, options: BreakerOptions) -> Self {
        CircuitBreaker {
            name: name.into(),
            options,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: VecDeque::new(),
                opened_at: Instant::now(),
                probes_running: 0,
                probe_successes: 0,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves the state consistent; a panic elsewhere cannot break it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state now (an open breaker whose time is up reads as half-open).
    pub fn state(&self) -> BreakerState {
        let mut inner = self.inner();
        self.refresh(&mut inner);
        inner.state
    }

    fn refresh(&self, inner: &mut Inner) {
        if inner.state == BreakerState::Open && inner.opened_at.elapsed() >= self.options.open_for {
            inner.state = BreakerState::HalfOpen;
            inner.probes_running = 0;
            inner.probe_successes = 0;
        }
    }

    /// Runs `op` through the breaker: refused at once with [`ErrorKind::CircuitOpen`] while
    /// open (or while half-open with every probe slot taken), counted otherwise.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let probing = self.admit()?;
        let result = op().await;
        self.record(probing, result.as_ref().err());
        result
    }

    /// Lets a call in, or refuses it. Returns whether it is a half-open probe.
    fn admit(&self) -> Result<bool> {
        let mut inner = self.inner();
        self.refresh(&mut inner);
        match inner.state {
            BreakerState::Closed => Ok(false),
            BreakerState::HalfOpen if inner.probes_running < self.options.probes => {
                inner.probes_running += 1;
                Ok(true)
            }
            _ => Err(Error::new(
                ErrorKind::CircuitOpen,
                format!(
                    "circuit breaker `{}` is open after repeated connection or timeout failures; calls are refused until it has probed the backend again",
                    self.name
                ),
            )),
        }
    }

    fn record(&self, probing: bool, error: Option<&Error>) {
        let mut inner = self.inner();
        let failed = error.is_some_and(is_backend_failure);
        let now = Instant::now();
        if probing {
            inner.probes_running = inner.probes_running.saturating_sub(1);
            if inner.state != BreakerState::HalfOpen {
                return;
            }
            if failed {
                self.open(&mut inner, now);
            } else {
                inner.probe_successes += 1;
                if inner.probe_successes >= self.options.probes {
                    inner.state = BreakerState::Closed;
                    inner.failures.clear();
                }
            }
            return;
        }
        if !failed || inner.state != BreakerState::Closed {
            return;
        }
        inner.failures.push_back(now);
        while inner.failures.front().is_some_and(|t| now.duration_since(*t) > self.options.window) {
            inner.failures.pop_front();
        }
        if inner.failures.len() >= self.options.failure_threshold as usize {
            self.open(&mut inner, now);
        }
    }

    fn open(&self, inner: &mut Inner, now: Instant) {
        inner.state = BreakerState::Open;
        inner.opened_at = now;
        inner.failures.clear();
        tracing::warn!(breaker = %self.name, "circuit breaker opened");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        let options = BreakerOptions::default()
            .failure_threshold(3)
            .window(Duration::from_secs(10))
            .open_for(Duration::from_secs(5))
            .probes(2);
        CircuitBreaker::new("test", options)
    }

    async fn fail(b: &CircuitBreaker, kind: ErrorKind) -> Result<()> {
        b.call(|| async move { Err(Error::new(kind, "down")) }).await
    }

    async fn succeed(b: &CircuitBreaker) -> Result<()> {
        b.call(|| async { Ok(()) }).await
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_the_threshold_and_rejects_at_once() {
        let b = breaker();
        for _ in 0..3 {
            assert_eq!(
                fail(&b, ErrorKind::Connection).await.expect_err("down").kind(),
                ErrorKind::Connection
            );
        }
        assert_eq!(b.state(), BreakerState::Open);
        let e = succeed(&b).await.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::CircuitOpen);
        assert!(e.to_string().contains("`test` is open"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn answers_from_the_backend_never_trip_it() {
        let b = breaker();
        for kind in [ErrorKind::Constraint, ErrorKind::Syntax, ErrorKind::NotFound] {
            for _ in 0..1000 {
                let _ = fail(&b, kind).await;
            }
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn old_failures_leave_the_window() {
        let b = breaker();
        for _ in 0..2 {
            let _ = fail(&b, ErrorKind::Timeout).await;
        }
        tokio::time::advance(Duration::from_secs(11)).await;
        let _ = fail(&b, ErrorKind::Timeout).await;
        assert_eq!(b.state(), BreakerState::Closed, "two of the three failures are too old");
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_probes_close_it_or_open_it_again() {
        let b = breaker();
        for _ in 0..3 {
            let _ = fail(&b, ErrorKind::Connection).await;
        }
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let _ = fail(&b, ErrorKind::Connection).await;
        assert_eq!(b.state(), BreakerState::Open, "a failed probe opens it again");
        tokio::time::advance(Duration::from_secs(5)).await;
        succeed(&b).await.expect("probe 1");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        succeed(&b).await.expect("probe 2");
        assert_eq!(b.state(), BreakerState::Closed);
        succeed(&b).await.expect("closed again");
    }
}
