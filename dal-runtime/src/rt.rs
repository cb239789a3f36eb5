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

/// Runs `fut` for at most `limit`; `None` when the limit passed first.
pub(crate) async fn timeout<F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    tokio::time::timeout(limit, fut).await.ok()
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

/// Sleeps for `d` (on Tokio's clock, which tests can pause).
pub(crate) async fn sleep(d: Duration) {
    tokio::time::sleep(d).await
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
