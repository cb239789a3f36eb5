//! Closing a pool: refuse new work at once, let work in flight finish for up to a grace
//! period, then force (sessions ended on the server, their transactions rolled back).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Pool;

impl Pool {
    /// Closes the pool: new acquires fail at once, idle connections close, and connections in
    /// use may finish for up to `timeout`. Past it the pool forces: every session still open
    /// is ended on the server (PostgreSQL `pg_terminate_backend`, MariaDB `KILL CONNECTION`),
    /// so running queries stop and open transactions roll back there; their users get a
    /// connection error. Returns whether everything came back without forcing.
    ///
    /// SQLite has no server session to end: its connections close as they come back.
    pub async fn close(&self, timeout: Duration) -> bool {
        let inner = &self.inner;
        inner.closed.store(true, Ordering::Release);
        inner.semaphore.close();
        // A grace too large to add to the clock is no limit: wait for every connection.
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let notified = inner.returned.notified();
            let idle: Vec<_> = inner.idle().drain(..).collect();
            for i in idle {
                inner.discard(i.live);
            }
            if inner.size.load(Ordering::Acquire) == 0 {
                return true;
            }
            let left =
                deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() || crate::rt::timeout(left, notified).await.is_none() {
                break;
            }
        }
        if inner.size.load(Ordering::Acquire) == 0 {
            return true;
        }
        inner.forced.store(true, Ordering::Release);
        self.terminate_sessions().await;
        false
    }

    /// Ends every open session of this pool from a connection of its own.
    pub(super) async fn terminate_sessions(&self) {
        self.inner.end_sessions(&self.inner.open_sessions()).await;
    }
}
