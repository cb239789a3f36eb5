//! Acquire, in order: refuse at once when closed; pass the rate limit and the breaker; take a
//! FIFO permit (waiting at most `acquire_timeout`, counted when it passes; bulk work first
//! takes a bulk permit); reuse the most recently returned idle connection unless it sat idle
//! past `idle_timeout`, outlived `max_lifetime` or needs a ping that fails; otherwise open a
//! new one. Nothing is awaited while a lock is held, and a dropped acquire gives its permits
//! back untouched.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::inner::{Idle, Live, PoolInner};
use super::{Permit, Pool, PooledConnection, Priority, closed_error, human, shedding};
use crate::error::{Error, ErrorKind, Result};
use crate::resilience::Admission;

impl Pool {
    /// Borrows a connection, waiting at most the acquisition timeout.
    pub async fn acquire(&self) -> Result<PooledConnection> {
        self.acquire_with(Priority::Normal).await
    }

    /// Borrows a connection at `priority`. In order: refused at once when the pool is closed,
    /// its rate limit is spent, or its circuit breaker is open; then a place in line (refused
    /// when `max_waiters` are already waiting); then a connection within the acquisition
    /// timeout. Failures to connect or to get a connection in time count against the breaker.
    pub async fn acquire_with(&self, priority: Priority) -> Result<PooledConnection> {
        use tracing::Instrument;
        let inner = &self.inner;
        let started = Instant::now();
        let span = tracing::debug_span!(
            "db.acquire",
            db.system = inner.config.backend().scheme(),
            db.client.connection.pool.name = %inner.config,
        );
        let result = self.acquire_checked(priority).instrument(span).await;
        match &result {
            Ok(_) => inner.observer.acquired(started.elapsed()),
            Err(e) => inner.observer.failed(e.kind()),
        }
        result
    }

    pub(super) async fn acquire_checked(&self, priority: Priority) -> Result<PooledConnection> {
        let inner = &self.inner;
        if inner.is_closed() {
            return Err(closed_error(&inner.config));
        }
        self.start_maintainer();
        if let Some(bucket) = inner.bucket.as_ref().filter(|b| !b.try_take(Instant::now())) {
            inner.shed.fetch_add(1, Ordering::Relaxed);
            return Err(bucket.spent(&inner.config));
        }
        let admission = match &inner.breaker {
            Some(breaker) => Some(breaker.admit()?),
            None => None,
        };
        // Gives a probe slot back if this acquire is dropped before it ends.
        let mut pending = PendingProbe { inner, probe: admission.filter(|a| a.is_probe()) };
        match self.acquire_admitted(priority).await {
            Ok(mut conn) => {
                // A probe's verdict is the outcome of the connection's first operation.
                conn.set_probe(pending.probe.take());
                Ok(conn)
            }
            Err(e) => {
                inner.observe(&mut pending.probe, Some(&e));
                Err(e)
            }
        }
    }

    pub(super) async fn acquire_admitted(&self, priority: Priority) -> Result<PooledConnection> {
        let inner = &self.inner;
        let (bulk, permit) = match self.permits_now(priority) {
            Some(permits) => permits,
            None => self.wait_for_permits(priority).await?,
        };
        // One clock read serves every age check of this acquire.
        let now = Instant::now();
        while let Some(idle) = self.take_idle(now) {
            let needs_check = idle.live.suspect
                || now.saturating_duration_since(idle.since) >= inner.options.validate_after_idle;
            if !needs_check {
                return Ok(PooledConnection::new(idle.live, permit, bulk, Arc::clone(inner)));
            }
            // Closed (and forgotten) if the ping fails or this acquire is cancelled meanwhile.
            let mut checking = Checking { live: Some(idle.live), inner };
            let ok = match checking.live.as_mut() {
                Some(live) => {
                    // Boxed like the connect below: a cold path kept out of every acquire's future.
                    let ping = Box::pin(live.raw.ping());
                    matches!(
                        crate::rt::timeout(inner.options.connect_timeout, ping).await,
                        Some(Ok(()))
                    )
                }
                None => false,
            };
            if !ok {
                continue; // `checking` closes it
            }
            if let Some(mut live) = checking.live.take() {
                live.suspect = false;
                return Ok(PooledConnection::new(live, permit, bulk, Arc::clone(inner)));
            }
        }
        // Boxed: a connect's future is kilobytes (the driver's handshake and session setup),
        // and inline it would make every acquire's future as big, copied on each call even
        // when an idle connection is reused.
        let live = Box::pin(self.open()).await?;
        Ok(PooledConnection::new(live, permit, bulk, Arc::clone(inner)))
    }

    /// Fast path: free permits mean nobody waits (released permits go to waiters first), so
    /// taking them cannot jump the queue.
    pub(super) fn permits_now(&self, priority: Priority) -> Option<(Option<Permit>, Permit)> {
        let inner = &self.inner;
        let bulk = match priority {
            Priority::Normal => None,
            Priority::Bulk => Some(Arc::clone(&inner.bulk_gate).try_acquire_owned().ok()?),
        };
        let permit = Arc::clone(&inner.semaphore).try_acquire_owned().ok()?;
        Some((bulk, permit))
    }

    /// Waits in line for the permits, at most the acquisition timeout in all.
    pub(super) async fn wait_for_permits(
        &self,
        priority: Priority,
    ) -> Result<(Option<Permit>, Permit)> {
        let inner = &self.inner;
        let waiting = inner.waiters.fetch_add(1, Ordering::AcqRel) + 1;
        struct Leave<'a>(&'a PoolInner);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.waiters.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _leave = Leave(inner);
        if let Some(max) = inner.options.max_waiters.filter(|max| waiting > *max) {
            inner.shed.fetch_add(1, Ordering::Relaxed);
            return Err(shedding::too_many_waiters(&inner.config, max));
        }
        let wait = inner.options.acquire_timeout;
        let permits = async {
            let bulk = match priority {
                Priority::Normal => None,
                Priority::Bulk => Some(Arc::clone(&inner.bulk_gate).acquire_owned().await?),
            };
            let permit = Arc::clone(&inner.semaphore).acquire_owned().await?;
            Ok::<_, tokio::sync::AcquireError>((bulk, permit))
        };
        match crate::rt::timeout(wait, permits).await {
            Some(Ok(permits)) => Ok(permits),
            Some(Err(_)) => Err(closed_error(&inner.config)),
            None => {
                inner.acquire_timeouts.fetch_add(1, Ordering::Relaxed);
                inner.observer.acquire_timed_out();
                Err(Error::new(
                    ErrorKind::PoolTimeout,
                    format!(
                        "no connection to {} became free within {} (pool of {}, all in use); raise max_connections or acquire_timeout, or hold connections for less time",
                        inner.config,
                        human(wait),
                        inner.options.max_connections
                    ),
                ))
            }
        }
    }

    /// Pops the freshest idle connection, closing on the way those idle past `idle_timeout`
    /// (while the pool is above its minimum) or past their lifetime.
    pub(super) fn take_idle(&self, now: Instant) -> Option<Idle> {
        let inner = &self.inner;
        loop {
            let idle = inner.idle().pop_back()?;
            let above_min = inner.size.load(Ordering::Acquire) > inner.options.min_connections;
            let stale = above_min
                && inner
                    .options
                    .idle_timeout
                    .is_some_and(|t| now.saturating_duration_since(idle.since) >= t);
            if stale || inner.expired(idle.live.opened, now) {
                inner.discard(idle.live);
                continue;
            }
            return Some(idle);
        }
    }
}

/// An acquire's probe slot, given back if the acquire is dropped before it ends.
struct PendingProbe<'a> {
    inner: &'a PoolInner,
    probe: Option<Admission>,
}

impl Drop for PendingProbe<'_> {
    fn drop(&mut self) {
        self.inner.abandon(self.probe.take());
    }
}

/// A connection being checked before hand-out; closed if the check does not finish well.
struct Checking<'a> {
    live: Option<Live>,
    inner: &'a PoolInner,
}

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        if let Some(live) = self.live.take() {
            self.inner.discard(live);
        }
    }
}
