//! Connections lent out: since when, and (when enabled) from where. Feeds the leak report and
//! the use figures (acquired, released, peak).

use std::backtrace::Backtrace;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A connection held longer than the leak threshold.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LeakedConnection {
    /// How long it has been held.
    pub held_for: Duration,
    /// Where it was acquired, when `PoolOptions::capture_acquire_backtraces` is on.
    pub acquired_at: Option<Arc<Backtrace>>,
}

#[derive(Debug)]
struct Lent {
    since: Instant,
    backtrace: Option<Arc<Backtrace>>,
    reported: bool,
}

#[derive(Debug, Default)]
pub(super) struct LentRegistry {
    lent: Mutex<(u64, HashMap<u64, Lent>)>,
    pub(super) acquired: AtomicU64,
    pub(super) released: AtomicU64,
    pub(super) peak: AtomicUsize,
}

impl LentRegistry {
    fn state(&self) -> MutexGuard<'_, (u64, HashMap<u64, Lent>)> {
        self.lent.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a lending; returns the ticket to give back.
    pub(super) fn lend(&self, capture_backtrace: bool) -> u64 {
        let backtrace = capture_backtrace.then(|| Arc::new(Backtrace::force_capture()));
        let mut state = self.state();
        state.0 += 1;
        let ticket = state.0;
        state.1.insert(ticket, Lent { since: Instant::now(), backtrace, reported: false });
        let in_use = state.1.len();
        drop(state);
        self.acquired.fetch_add(1, Ordering::Relaxed);
        self.peak.fetch_max(in_use, Ordering::Relaxed);
        ticket
    }

    pub(super) fn give_back(&self, ticket: u64) {
        self.state().1.remove(&ticket);
        self.released.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn in_use(&self) -> usize {
        self.state().1.len()
    }

    /// Connections held longer than `threshold`, longest first; each is logged the first time
    /// it is found.
    pub(super) fn held_longer_than(
        &self,
        threshold: Duration,
        pool: &str,
    ) -> Vec<LeakedConnection> {
        let now = Instant::now();
        let mut found = Vec::new();
        for lent in self.state().1.values_mut() {
            let held_for = now.saturating_duration_since(lent.since);
            if held_for < threshold {
                continue;
            }
            if !lent.reported {
                lent.reported = true;
                match &lent.backtrace {
                    Some(bt) => tracing::warn!(
                        pool,
                        ?held_for,
                        "connection held past the leak threshold, acquired at:\n{bt}"
                    ),
                    None => tracing::warn!(
                        pool,
                        ?held_for,
                        "connection held past the leak threshold (enable capture_acquire_backtraces to see where it was acquired)"
                    ),
                }
            }
            found.push(LeakedConnection { held_for, acquired_at: lent.backtrace.clone() });
        }
        found.sort_by_key(|l| std::cmp::Reverse(l.held_for));
        found
    }
}
