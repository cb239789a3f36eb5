//! The only module that calls the async runtime (Tokio): timers, spawning, runtime detection.
//! Everything else goes through here, so the runtime is swappable in one place.

use std::future::Future;
use std::time::Duration;

/// Whether the calling thread runs inside a Tokio runtime.
///
/// `dal::blocking` refuses to run there (blocking inside a runtime would stall its workers).
pub fn in_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Runs `fut` for at most `limit`; `None` when the limit passed first. A limit that puts the
/// deadline past the end of the clock (`Duration::MAX`, say) is no limit.
///
/// A plain function, not an `async fn`: an `async fn` keeps its future argument and the future
/// it awaits side by side, so every statement's future would hold the driver call twice over.
pub(crate) fn timeout<F: Future>(
    limit: Duration,
    fut: F,
) -> impl Future<Output = Option<F::Output>> {
    use futures_util::FutureExt;
    use futures_util::future::Either;
    match deadline(limit) {
        None => Either::Left(fut.map(Some)),
        Some(_) => Either::Right(tokio::time::timeout(limit, fut).map(Result::ok)),
    }
}

/// Tokio rounds a timer's deadline up to its next millisecond: a sleep may last this much
/// longer than asked, and a deadline within this of the end of the clock would overflow there,
/// so it counts as past the end.
pub(crate) const TIMER_ROUNDING: Duration = Duration::from_millis(1);

/// The instant `limit` from now on Tokio's clock, or `None` when that is past the end of the
/// clock: a duration too large to add means no limit, never a panic.
fn deadline(limit: Duration) -> Option<tokio::time::Instant> {
    let at = tokio::time::Instant::now().checked_add(limit)?;
    at.checked_add(TIMER_ROUNDING).map(|_| at)
}

/// A task that runs `fire` once `limit` has passed, unless dropped first; `None` without a
/// runtime or when the limit is past the end of the clock (no limit).
pub(crate) fn after(limit: Duration, fire: impl FnOnce() + Send + 'static) -> Option<Armed> {
    let at = deadline(limit)?;
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let task = handle.spawn(async move {
        tokio::time::sleep_until(at).await;
        fire();
    });
    Some(Armed(task))
}

/// A task armed by [`after`]; dropping it disarms it.
#[derive(Debug)]
pub(crate) struct Armed(tokio::task::JoinHandle<()>);

impl Drop for Armed {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Spawns `fut` on the current runtime; hands it back when there is none (e.g. a guard dropped
/// after its runtime shut down), so the caller can fall back to a synchronous path.
pub(crate) fn spawn<F>(fut: F) -> Result<(), F>
where
    F: Future<Output = ()> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn(fut);
            Ok(())
        }
        Err(_) => Err(fut),
    }
}

/// Sleeps for `d` (on Tokio's clock, which tests can pause); a `d` past the end of the clock
/// sleeps for good.
pub(crate) async fn sleep(d: Duration) {
    match deadline(d) {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Now, on Tokio's clock (which tests can pause and advance).
pub(crate) fn now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// Resolves when the process is asked to stop: ctrl-c (SIGINT) or, on Unix, SIGTERM. If a
/// handler cannot be installed, that signal is simply not awaited.
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_limit_past_the_end_of_the_clock_is_no_limit() {
        for limit in
            [Duration::MAX, Duration::from_secs(u64::MAX / 2), Duration::new(u64::MAX, 999_999_999)]
        {
            assert_eq!(deadline(limit), None);
            assert_eq!(timeout(limit, async { 7 }).await, Some(7));
            // Neither the timeout nor the sleep ends: the paused clock runs a year on first.
            let year = Duration::from_secs(365 * 86_400);
            let pending = std::future::pending::<()>();
            assert!(tokio::time::timeout(year, timeout(limit, pending)).await.is_err());
            assert!(tokio::time::timeout(year, sleep(limit)).await.is_err());
        }
        assert_eq!(timeout(Duration::from_secs(1), std::future::pending::<()>()).await, None);
        let started = now();
        sleep(Duration::from_secs(3)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }
}
