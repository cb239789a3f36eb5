//! [`PoolStatus`]: a point-in-time view of one pool.

use crate::config::Backend;
use crate::config::ConfigHash;

/// Size and use of a pool at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// The configuration hash that keys the pool.
    pub hash: ConfigHash,
    /// The configuration's alias, if any.
    pub alias: Option<String>,
    /// The backend.
    pub backend: Backend,
    /// `min_connections`.
    pub min: u32,
    /// `max_connections`.
    pub max: u32,
    /// Connections open now.
    pub size: u32,
    /// Open connections waiting in the pool.
    pub idle: u32,
    /// Open connections lent out.
    pub in_use: u32,
    /// Tasks waiting for a connection.
    pub waiters: usize,
    /// Acquires that gave up after the acquisition timeout, since the pool was created.
    pub acquire_timeouts: u64,
    /// Whether the pool was closed.
    pub closed: bool,
    /// The circuit breaker's state and failure counts, when the pool has one.
    pub breaker: Option<crate::resilience::BreakerReport>,
    /// Whether the pool's sessions are encrypted (TLS): known once a connection has opened;
    /// `None` before, on SQLite, and behind a transaction pooler in `prefer` mode (where the
    /// server sees only the pooler).
    pub encrypted: Option<bool>,
}

/// The outcome of one pool's health check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolHealth {
    /// The configuration hash that keys the pool.
    pub hash: ConfigHash,
    /// The configuration's alias, if any.
    pub alias: Option<String>,
    /// The backend.
    pub backend: Backend,
    /// Round trip of the check, when it succeeded.
    pub latency: Option<std::time::Duration>,
    /// Why the check failed, when it did.
    pub error: Option<String>,
}

impl PoolHealth {
    /// Whether the check succeeded.
    pub fn is_healthy(&self) -> bool {
        self.error.is_none()
    }
}

/// Use figures of a pool since it was created (the same figures its `metrics` facade
/// instruments report, as one snapshot).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PoolMetrics {
    /// The configuration hash that keys the pool.
    pub hash: ConfigHash,
    /// Connections handed out.
    pub acquired: u64,
    /// Connections given back.
    pub released: u64,
    /// Connections lent out now.
    pub in_use: usize,
    /// The most connections lent out at once.
    pub peak_in_use: usize,
    /// Acquires that gave up after the acquisition timeout.
    pub acquire_timeouts: u64,
    /// Whole transactions run again after a serialization failure or deadlock.
    pub transaction_retries: u64,
    /// Statements run (transaction control not counted).
    pub statements: u64,
    /// Acquires refused at once: waiting line full or rate limit spent.
    pub shed: u64,
    /// Statements stopped at their deadline (query timeout, pool default or transaction budget).
    pub query_timeouts: u64,
    /// Statements slower than the pool's `slow_query_threshold`.
    pub slow_queries: u64,
    /// Open connections waiting in the pool now.
    pub idle: u32,
    /// Tasks waiting for a connection now.
    pub waiters: usize,
    /// Failed operations by [`crate::ErrorKind`] name (`"timeout"`, `"constraint"`, …).
    pub errors: std::collections::BTreeMap<String, u64>,
    /// How long acquires waited for a connection.
    pub acquire_wait: crate::observe::Percentiles,
    /// How long statements took.
    pub query_duration: crate::observe::Percentiles,
    /// The prepared-statement caches' hits, misses and evictions.
    pub statement_cache: crate::observe::StatementCacheStats,
}
