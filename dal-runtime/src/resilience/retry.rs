//! [`RetryPolicy`] and [`retry`]: run an operation again when its error says a retry can help,
//! bounded by attempts and by a total time budget, waiting a jittered backoff in between.
//!
//! As in tower's `retry`, the parts are separate values: the decision (which errors are worth
//! another attempt: [`Error::is_retryable`] unless [`RetryPolicy::retry_if`] says otherwise),
//! the delay ([`Backoff`]) and the limits (attempts, budget). `#[auto_transaction]`'s reruns
//! use this loop too, with a decision of their own.
//!
//! Only for operations that are safe to repeat (reads, whole transactions). A single write
//! outside a transaction must not be retried: it may have been applied before the error.

use std::future::Future;
use std::time::Duration;

use super::Backoff;
use crate::error::Error;

/// How often and for how long to retry, and after which errors.
///
/// ```
/// use std::time::Duration;
/// use dal_runtime::{Error, ErrorKind, RetryPolicy};
/// let policy = RetryPolicy::new(5).budget(Duration::from_secs(2));
/// assert_eq!(policy.max_attempts, 5);
/// // Only timeouts, say, for an operation where nothing else is worth repeating.
/// let timeouts_only = policy.retry_if(|e: &Error| e.kind() == ErrorKind::Timeout);
/// assert!((timeouts_only.decide)(&Error::new(ErrorKind::Timeout, "slow")));
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryPolicy<D = fn(&Error) -> bool> {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before each retry.
    pub backoff: Backoff,
    /// No retry starts once this much time has passed since the first attempt began.
    pub budget: Duration,
    /// Whether a failed attempt is worth another (`Fn(&E) -> bool` for the operation's error
    /// type `E`); [`Error::is_retryable`] by default.
    pub decide: D,
}

impl RetryPolicy {
    /// `max_attempts` attempts, the default backoff (10 ms doubling to 1 s), a 10 s budget,
    /// retrying the errors that say a retry can help ([`Error::is_retryable`]).
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            backoff: Backoff::default(),
            budget: Duration::from_secs(10),
            decide: Error::is_retryable,
        }
    }
}

impl<D> RetryPolicy<D> {
    /// Sets the backoff.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the total time budget.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Retries the failures `decide` accepts instead, keeping attempts, backoff and budget.
    /// The failure may be of any error type, so an operation can carry what the decision needs.
    pub fn retry_if<E, F: Fn(&E) -> bool>(self, decide: F) -> RetryPolicy<F> {
        RetryPolicy {
            max_attempts: self.max_attempts,
            backoff: self.backoff,
            budget: self.budget,
            decide,
        }
    }
}

impl<D> PartialEq for RetryPolicy<D> {
    /// Compares attempts, backoff and budget: decisions are functions, which have no equality.
    fn eq(&self, other: &Self) -> bool {
        (self.max_attempts, self.backoff, self.budget)
            == (other.max_attempts, other.backoff, other.budget)
    }
}

impl<D> Eq for RetryPolicy<D> {}

/// Runs `op` until it succeeds, fails with an error the policy's decision does not retry
/// ([`Error::is_retryable`] by default), runs out of attempts, or would wait past the budget.
/// Returns the last error in the failing cases.
pub async fn retry<T, E, D, F, Fut>(policy: RetryPolicy<D>, mut op: F) -> Result<T, E>
where
    D: Fn(&E) -> bool,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = crate::rt::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match op().await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        if attempt >= policy.max_attempts || !(policy.decide)(&error) {
            return Err(error);
        }
        let wait = policy.backoff.delay(attempt);
        // The timer may overshoot by its rounding: a retry must still start within the budget.
        let retry_starts =
            started.elapsed().saturating_add(wait).saturating_add(crate::rt::TIMER_ROUNDING);
        if retry_starts >= policy.budget {
            return Err(error);
        }
        crate::rt::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::{ErrorKind, Result};

    fn failing(kind: ErrorKind) -> Error {
        Error::new(kind, "boom")
    }

    #[tokio::test(start_paused = true)]
    async fn stops_after_max_attempts() {
        let calls = Cell::new(0);
        let policy = RetryPolicy::new(4).budget(Duration::from_secs(3600));
        let r: Result<()> = retry(policy, || {
            calls.set(calls.get() + 1);
            async { Err(failing(ErrorKind::Connection)) }
        })
        .await;
        assert_eq!(r.expect_err("fails").kind(), ErrorKind::Connection);
        assert_eq!(calls.get(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_when_the_budget_is_spent() {
        let calls = Cell::new(0);
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(1));
        let policy = RetryPolicy::new(1000).backoff(backoff).budget(Duration::from_secs(5));
        let started = tokio::time::Instant::now();
        let r: Result<()> = retry(policy, || {
            calls.set(calls.get() + 1);
            async { Err(failing(ErrorKind::Timeout)) }
        })
        .await;
        assert!(r.is_err());
        assert!(calls.get() < 1000, "the budget ended it, not the attempts");
        assert!(started.elapsed() < Duration::from_secs(5), "no wait ran past the budget");
    }

    #[tokio::test(start_paused = true)]
    async fn huge_waits_and_budgets_never_overflow() {
        let endless = Backoff::new(Duration::MAX, Duration::MAX);
        // A wait past the budget ends the retries at once.
        let policy = RetryPolicy::new(3).backoff(endless).budget(Duration::from_secs(10));
        let calls = Cell::new(0);
        let slow_failure = || {
            calls.set(calls.get() + 1);
            async {
                crate::rt::sleep(Duration::from_secs(3600)).await;
                Err::<(), _>(failing(ErrorKind::Timeout))
            }
        };
        assert!(retry(policy, slow_failure).await.is_err());
        assert_eq!(calls.get(), 1);
        // With no budget to speak of either, the wait is as long as asked: it outlasts a year.
        let policy = policy.budget(Duration::MAX);
        let year = Duration::from_secs(365 * 86_400);
        assert!(tokio::time::timeout(year, retry(policy, slow_failure)).await.is_err());
        assert_eq!(calls.get(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_what_cannot_help() {
        let calls = Cell::new(0);
        let r: Result<()> = retry(RetryPolicy::new(5), || {
            calls.set(calls.get() + 1);
            async { Err(failing(ErrorKind::Constraint)) }
        })
        .await;
        assert_eq!(r.expect_err("fails").kind(), ErrorKind::Constraint);
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_decision_of_its_own_chooses_what_is_retried() {
        // A failure of any type: here one that says itself whether another attempt can help.
        let calls = Cell::new(0);
        let policy = RetryPolicy::new(5).retry_if(|(_, again): &(&str, bool)| *again);
        let r: std::result::Result<(), _> = retry(policy, || {
            calls.set(calls.get() + 1);
            let again = calls.get() < 3;
            async move { Err(("conflict", again)) }
        })
        .await;
        assert_eq!(r, Err(("conflict", false)));
        assert_eq!(calls.get(), 3);
        // An error the default decision retries is not, when this one says no.
        let calls = Cell::new(0);
        let r: Result<()> = retry(RetryPolicy::new(5).retry_if(|_: &Error| false), || {
            calls.set(calls.get() + 1);
            async { Err(failing(ErrorKind::Serialization)) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn returns_the_first_success() {
        let calls = Cell::new(0);
        let r = retry(RetryPolicy::new(5), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move { if n < 3 { Err(failing(ErrorKind::Serialization)) } else { Ok(n) } }
        })
        .await;
        assert_eq!(r.expect("third time"), 3);
    }
}
