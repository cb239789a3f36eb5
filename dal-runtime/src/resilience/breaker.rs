//! [`CircuitBreaker`]: stop calling a backend that keeps failing, so callers fail at once
//! instead of piling up behind timeouts, and let a few probes through to notice recovery.
//!
//! Closed: calls pass; a failure that says the backend is unreachable or too slow (connection,
//! timeout, pool timeout) is remembered for `window` (to a twentieth: the window moves in
//! steps of `window / 20`; see `window.rs`). `failure_threshold` of them within the
//! window open the breaker. Open: calls are refused with [`ErrorKind::CircuitOpen`] until
//! `open_for` has passed. Half-open: up to `probes` calls at a time go through; `probes`
//! successes close the breaker, one failure opens it again. Errors that prove the backend
//! answered (constraint, syntax, not found, …) are successes here.
//!
//! Failures are counted by category (connection, timeout, transaction aborts) in fixed memory,
//! so recording one and reading the verdict cost the same however many there are, and a
//! [`BreakerReport`] can tell a dead server ([`BreakerHealth::Failed`]) from a slow-query storm
//! or a burst of deadlocks ([`BreakerHealth::Degraded`]). Transaction aborts are counted but
//! never open the breaker: the server answered.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use tokio::time::Instant;

use super::window::FailureWindow;
use crate::config::BreakerOptions;
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

/// What kind of failure a breaker counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureCategory {
    /// The backend could not be reached or the connection broke.
    Connection,
    /// A connect, query or acquire deadline passed.
    Timeout,
    /// The server aborted a transaction (serialization failure, deadlock). Counted, but it
    /// never opens the breaker.
    Transaction,
}

impl FailureCategory {
    /// Every category.
    const ALL: [FailureCategory; 3] =
        [FailureCategory::Connection, FailureCategory::Timeout, FailureCategory::Transaction];

    /// The category of `e`, if it is a failure a breaker counts.
    pub fn of(e: &Error) -> Option<Self> {
        match e.kind() {
            ErrorKind::Connection => Some(FailureCategory::Connection),
            ErrorKind::Timeout | ErrorKind::PoolTimeout => Some(FailureCategory::Timeout),
            ErrorKind::Serialization => Some(FailureCategory::Transaction),
            _ => None,
        }
    }

    /// Whether failures of this category open the breaker.
    const fn trips(self) -> bool {
        matches!(self, FailureCategory::Connection | FailureCategory::Timeout)
    }
}

/// A verdict for dashboards and health endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerHealth {
    /// No counted failure in the window.
    Healthy,
    /// Failures in the window, or open because of timeouts: the backend answers, slowly or
    /// with aborted transactions.
    Degraded,
    /// Open (or probing) because the backend could not be reached.
    Failed,
}

/// A breaker's state and the failures it counts now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerReport {
    /// The breaker's name.
    pub name: String,
    /// Its state.
    pub state: BreakerState,
    /// The verdict drawn from state and counts.
    pub health: BreakerHealth,
    /// Connection failures within the window.
    pub connection_failures: u32,
    /// Timeouts within the window.
    pub timeout_failures: u32,
    /// Aborted transactions within the window.
    pub transaction_failures: u32,
    /// Calls refused while open, since the breaker was created.
    pub rejected: u64,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    /// Failures within the window, counted by category.
    failures: FailureWindow,
    opened_at: Instant,
    /// The category that opened the breaker last.
    opened_by: FailureCategory,
    probes_running: u32,
    probe_successes: u32,
    rejected: u64,
}

/// A circuit breaker (see the module documentation for its rules).
///
/// Every pool has one (see [`crate::PoolOptions::breaker`]); make your own for calls to other
/// services, or share one by name through [`crate::PoolManager::breaker`].
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

impl CircuitBreaker {
    /// A closed breaker named `name` (the name appears in its errors).
    pub fn new(name: impl Into<String>, options: BreakerOptions) -> Self {
        CircuitBreaker {
            name: name.into(),
            options,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: FailureWindow::new(options.window, Instant::now()),
                opened_at: Instant::now(),
                opened_by: FailureCategory::Connection,
                probes_running: 0,
                probe_successes: 0,
                rejected: 0,
            }),
        }
    }

    /// The breaker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its thresholds and timings.
    pub fn options(&self) -> &BreakerOptions {
        &self.options
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves the state consistent; a panic elsewhere cannot break it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state now (an open breaker whose time is up reads as half-open).
    pub fn state(&self) -> BreakerState {
        let mut inner = self.inner();
        self.refresh(&mut inner, Instant::now());
        inner.state
    }

    /// State, health verdict and failure counts now.
    pub fn report(&self) -> BreakerReport {
        let mut inner = self.inner();
        let now = Instant::now();
        self.refresh(&mut inner, now);
        let count = |c| u32::try_from(inner.failures.count(c)).unwrap_or(u32::MAX);
        let connection_failures = count(FailureCategory::Connection);
        let timeout_failures = count(FailureCategory::Timeout);
        let transaction_failures = count(FailureCategory::Transaction);
        let health = match inner.state {
            BreakerState::Open | BreakerState::HalfOpen
                if inner.opened_by == FailureCategory::Connection =>
            {
                BreakerHealth::Failed
            }
            BreakerState::Open | BreakerState::HalfOpen => BreakerHealth::Degraded,
            BreakerState::Closed if inner.failures.is_empty() => BreakerHealth::Healthy,
            BreakerState::Closed => BreakerHealth::Degraded,
        };
        BreakerReport {
            name: self.name.clone(),
            state: inner.state,
            health,
            connection_failures,
            timeout_failures,
            transaction_failures,
            rejected: inner.rejected,
        }
    }

    fn refresh(&self, inner: &mut Inner, now: Instant) {
        inner.failures.advance(now);
        if inner.state == BreakerState::Open
            && now.duration_since(inner.opened_at) >= self.options.open_for
        {
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
        let admission = self.admit()?;
        // A dropped call gives its probe slot back.
        let mut slot = ProbeSlot { breaker: self, admission: Some(admission) };
        let result = op().await;
        if let Some(admission) = slot.admission.take() {
            self.record(admission, result.as_ref().err());
        }
        result
    }

    /// Lets a call in, or refuses it with [`ErrorKind::CircuitOpen`]. The admission must be
    /// passed to [`Self::record`] with the call's outcome, or to [`Self::abandon`].
    pub fn admit(&self) -> Result<Admission> {
        let mut inner = self.inner();
        // The common case, closed, costs one lock and no clock read.
        if inner.state == BreakerState::Closed {
            return Ok(Admission { probing: false });
        }
        self.refresh(&mut inner, Instant::now());
        match inner.state {
            BreakerState::Closed => Ok(Admission { probing: false }),
            BreakerState::HalfOpen if inner.probes_running < self.options.probes => {
                inner.probes_running += 1;
                Ok(Admission { probing: true })
            }
            _ => {
                inner.rejected += 1;
                Err(Error::new(
                    ErrorKind::CircuitOpen,
                    format!(
                        "circuit breaker `{}` is open after repeated connection or timeout failures; calls are refused until it has probed the backend again",
                        self.name
                    ),
                ))
            }
        }
    }

    /// Records the outcome of an admitted call: `None` for success. Errors that prove the
    /// backend answered count as successes.
    pub fn record(&self, admission: Admission, error: Option<&Error>) {
        let category = error.and_then(FailureCategory::of);
        if !admission.probing && category.is_none() {
            return; // a success while closed changes nothing: skip the lock
        }
        let mut inner = self.inner();
        let now = Instant::now();
        if admission.probing {
            inner.probes_running = inner.probes_running.saturating_sub(1);
            if inner.state != BreakerState::HalfOpen {
                return;
            }
            match category {
                Some(c) if c.trips() => self.open(&mut inner, now, c),
                _ => {
                    inner.probe_successes += 1;
                    if inner.probe_successes >= self.options.probes {
                        inner.state = BreakerState::Closed;
                        inner.failures.clear();
                        tracing::info!(breaker = %self.name, "circuit breaker closed");
                    }
                }
            }
            return;
        }
        let Some(category) = category else { return };
        self.refresh(&mut inner, now);
        if inner.state != BreakerState::Closed {
            return;
        }
        inner.failures.record(now, category);
        let tripping = FailureCategory::ALL
            .into_iter()
            .filter(|c| c.trips())
            .map(|c| inner.failures.count(c))
            .sum::<u64>();
        if tripping >= u64::from(self.options.failure_threshold) {
            self.open(&mut inner, now, category);
        }
    }

    /// Gives back an admission whose call ended without an outcome (dropped, or never run).
    pub fn abandon(&self, admission: Admission) {
        if admission.probing {
            let mut inner = self.inner();
            inner.probes_running = inner.probes_running.saturating_sub(1);
        }
    }

    fn open(&self, inner: &mut Inner, now: Instant, cause: FailureCategory) {
        inner.state = BreakerState::Open;
        inner.opened_at = now;
        inner.opened_by = cause;
        tracing::warn!(breaker = %self.name, cause = ?cause, "circuit breaker opened");
    }
}

/// A call let in by [`CircuitBreaker::admit`]: whether it is a half-open probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "pass the admission to record() or abandon()"]
pub struct Admission {
    probing: bool,
}

impl Admission {
    /// An admission of a closed breaker (what a caller that did not ask holds).
    pub(crate) const CLOSED: Admission = Admission { probing: false };

    /// Whether the call is one of the probes of a half-open breaker.
    pub fn is_probe(&self) -> bool {
        self.probing
    }
}

/// Gives a probe slot back when a call future is dropped before its outcome.
struct ProbeSlot<'a> {
    breaker: &'a CircuitBreaker,
    admission: Option<Admission>,
}

impl Drop for ProbeSlot<'_> {
    fn drop(&mut self) {
        if let Some(admission) = self.admission.take() {
            self.breaker.abandon(admission);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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

    #[tokio::test(start_paused = true)]
    async fn the_report_tells_a_dead_server_from_a_slow_one() {
        let dead = breaker();
        assert_eq!(dead.report().health, BreakerHealth::Healthy);
        let _ = fail(&dead, ErrorKind::Connection).await;
        assert_eq!(dead.report().health, BreakerHealth::Degraded);
        for _ in 0..2 {
            let _ = fail(&dead, ErrorKind::Connection).await;
        }
        let r = dead.report();
        assert_eq!(
            (r.state, r.health, r.connection_failures),
            (BreakerState::Open, BreakerHealth::Failed, 3)
        );

        let slow = breaker();
        for _ in 0..3 {
            let _ = fail(&slow, ErrorKind::Timeout).await;
        }
        let r = slow.report();
        assert_eq!(
            (r.state, r.health, r.timeout_failures),
            (BreakerState::Open, BreakerHealth::Degraded, 3)
        );
        assert_eq!(succeed(&slow).await.expect_err("open").kind(), ErrorKind::CircuitOpen);
        assert_eq!(slow.report().rejected, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn aborted_transactions_are_counted_but_never_open_it() {
        let b = breaker();
        for _ in 0..100 {
            let _ = fail(&b, ErrorKind::Serialization).await;
        }
        let r = b.report();
        assert_eq!((r.state, r.transaction_failures), (BreakerState::Closed, 100));
        assert_eq!(r.health, BreakerHealth::Degraded);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hundred_thousand_failures_take_fixed_memory_and_keep_the_verdict() {
        // Failures live in plain arrays: a `Copy` type owns no heap memory, so this size is all
        // the breaker's state ever takes, however many failures it counts.
        fn fixed_size<T: Copy>() -> usize {
            std::mem::size_of::<T>()
        }
        assert!(fixed_size::<FailureWindow>() <= 1024, "{}", fixed_size::<FailureWindow>());
        let b = breaker();
        let aborted = Error::new(ErrorKind::Serialization, "deadlock");
        for i in 0..100_000 {
            b.record(Admission::CLOSED, Some(&aborted));
            if i % 1000 == 0 {
                tokio::time::advance(Duration::from_millis(10)).await;
            }
        }
        let r = b.report();
        assert_eq!(
            (r.state, r.health, r.transaction_failures, r.connection_failures),
            (BreakerState::Closed, BreakerHealth::Degraded, 100_000, 0)
        );
        // Connection failures still open it at the threshold, not before.
        let down = Error::new(ErrorKind::Connection, "refused");
        for _ in 0..2 {
            b.record(Admission::CLOSED, Some(&down));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        b.record(Admission::CLOSED, Some(&down));
        let r = b.report();
        assert_eq!(
            (r.state, r.health, r.connection_failures),
            (BreakerState::Open, BreakerHealth::Failed, 3)
        );
        // Past the window every count is gone.
        tokio::time::advance(Duration::from_secs(10)).await;
        let r = b.report();
        assert_eq!((r.transaction_failures, r.connection_failures), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_gives_its_slot_back() {
        let b = breaker();
        for _ in 0..3 {
            let _ = fail(&b, ErrorKind::Connection).await;
        }
        tokio::time::advance(Duration::from_secs(5)).await;
        for _ in 0..5 {
            let admission = b.admit().expect("a probe slot is free");
            assert!(admission.is_probe());
            b.abandon(admission);
        }
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }
}
