//! Keeping connections open ahead of need: the minimum, and more while demand is rising
//! (`warm_ahead`), by one task per pool that holds only a weak reference to it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Pool;
use super::inner::PoolInner;
use crate::error::Result;

impl Pool {
    /// Starts, once, the task that looks after the pool every [`MAINTAIN_EVERY`]: it reports
    /// the connection gauges, reopens connections when the pool falls below
    /// `min_connections` (after the server ended sessions, say), and opens them ahead of
    /// rising demand (`warm_ahead`). It holds the pool weakly and ends with it.
    pub(super) fn start_maintainer(&self) {
        let inner = &self.inner;
        if inner.maintainer.load(Ordering::Relaxed) || inner.maintainer.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let weak = Arc::downgrade(inner);
        if crate::rt::spawn(maintain(weak)).is_err() {
            inner.maintainer.store(false, Ordering::Release);
        }
    }

    /// One maintenance tick.
    pub(super) async fn look_after(&self) {
        let inner = &self.inner;
        let status = self.status();
        inner.observer.meters.connections(status.idle, status.in_use, status.waiters);
        let mut target = inner.options.min_connections;
        if inner.options.warm_ahead {
            let demand = status.in_use.saturating_add(status.waiters as u32);
            let mut trend = inner.observer.trend.lock().unwrap_or_else(|p| p.into_inner());
            trend.sample(demand);
            if let Some(expected) = trend.forecast() {
                target = target.max(expected.min(inner.options.max_connections));
            }
        }
        // A failure is the next acquire's to report; the keeper tries again next round.
        let _ = self.top_up(target).await;
    }

    /// Opens connections (each under a permit, so never past `max_connections`) until the
    /// pool holds `target`, one filler at a time. Stops when no permit is free (then the pool
    /// is busy and at least that large anyway) or while the breaker is not closed; the first
    /// failure to open is returned.
    pub(super) async fn top_up(&self, target: u32) -> Result<()> {
        let inner = &self.inner;
        let breaker_closed = || {
            inner
                .breaker
                .as_ref()
                .is_none_or(|b| b.state() == crate::resilience::BreakerState::Closed)
        };
        let _filling = inner.filling.lock().await;
        while inner.size.load(Ordering::Acquire) < target && !inner.is_closed() && breaker_closed()
        {
            let Ok(permit) = Arc::clone(&inner.semaphore).try_acquire_owned() else {
                return Ok(());
            };
            inner.give_back(self.open().await?);
            drop(permit);
        }
        Ok(())
    }

    /// Opens connections until the pool holds `min_connections` (together with the task that
    /// keeps the minimum, never more than it asks for).
    pub async fn warm_up(&self) -> Result<()> {
        self.top_up(self.inner.options.min_connections).await
    }
}

/// How often the minimum-keeping task looks at its pool.
const MAINTAIN_EVERY: Duration = Duration::from_millis(200);

async fn maintain(pool: std::sync::Weak<PoolInner>) {
    loop {
        crate::rt::sleep(MAINTAIN_EVERY).await;
        let Some(inner) = pool.upgrade() else { return };
        if inner.is_closed() {
            return;
        }
        Pool { inner }.look_after().await;
    }
}
