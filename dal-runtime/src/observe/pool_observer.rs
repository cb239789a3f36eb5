//! [`PoolObserver`]: everything a pool records about its own use, in one place, so the pool
//! code calls one method per event and the instruments stay consistent with each other.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{CacheCounters, DemandTrend, Histogram, Meters, RateWindow, SlowestQueries, Tally};
use crate::config::Backend;
use crate::error::ErrorKind;

#[derive(Debug)]
pub(crate) struct PoolObserver {
    pub(crate) meters: Meters,
    pub(crate) acquire_wait: Histogram,
    pub(crate) durations: Histogram,
    pub(crate) window: RateWindow,
    pub(crate) slowest: SlowestQueries,
    pub(crate) cache: CacheCounters,
    pub(crate) trend: Mutex<DemandTrend>,
    errors: Mutex<BTreeMap<ErrorKind, u64>>,
}

impl PoolObserver {
    pub(crate) fn new(
        pool_name: &str,
        backend: Backend,
        options: &crate::config::PoolOptions,
    ) -> Self {
        PoolObserver {
            meters: Meters::new(
                pool_name,
                backend,
                options.max_connections,
                options.min_connections,
            ),
            acquire_wait: Histogram::default(),
            durations: Histogram::default(),
            window: RateWindow::new(options.signal_window),
            slowest: SlowestQueries::default(),
            cache: CacheCounters::default(),
            trend: Mutex::new(DemandTrend::default()),
            errors: Mutex::new(BTreeMap::new()),
        }
    }

    /// A connection was handed out after `waited`.
    pub(crate) fn acquired(&self, waited: Duration) {
        self.acquire_wait.record(waited);
        self.meters.waited(waited);
    }

    /// An acquire gave up after the acquisition timeout.
    pub(crate) fn acquire_timed_out(&self) {
        self.window.record(Instant::now(), Tally { operations: 1, timeouts: 1, errors: 0 });
        self.meters.acquire_timed_out();
    }

    /// A statement finished (well or not) in `took`.
    pub(crate) fn statement(&self, took: Duration) {
        self.durations.record(took);
        self.meters.operation(took);
        self.window.record(Instant::now(), Tally { operations: 1, timeouts: 0, errors: 0 });
    }

    /// A statement was stopped at its deadline.
    pub(crate) fn statement_timed_out(&self, took: Duration) {
        self.durations.record(took);
        self.meters.operation(took);
        self.meters.operation_timed_out();
        self.window.record(Instant::now(), Tally { operations: 1, timeouts: 1, errors: 0 });
        self.failed(ErrorKind::Timeout);
    }

    /// How many operations failed with `kind` so far.
    pub(crate) fn failures(&self, kind: ErrorKind) -> u64 {
        self.errors.lock().unwrap_or_else(|p| p.into_inner()).get(&kind).copied().unwrap_or(0)
    }

    /// An operation failed with `kind` (counted by category; timeouts are not errors in the
    /// error rate, they have a rate of their own).
    pub(crate) fn failed(&self, kind: ErrorKind) {
        *self.errors.lock().unwrap_or_else(|p| p.into_inner()).entry(kind).or_default() += 1;
        self.meters.failed(kind);
        if !matches!(kind, ErrorKind::Timeout | ErrorKind::PoolTimeout) {
            self.window.record(Instant::now(), Tally { operations: 0, timeouts: 0, errors: 1 });
        }
    }

    /// Failures by category name.
    pub(crate) fn errors(&self) -> BTreeMap<String, u64> {
        let errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        errors.iter().map(|(k, n)| (k.as_str().to_owned(), *n)).collect()
    }
}
