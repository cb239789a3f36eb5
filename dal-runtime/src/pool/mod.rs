//! Connection pools, the lease layer: a cheap-to-clone [`Pool`] handle over shared state
//! (`inner.rs`), acquiring (`acquire.rs`), opening (`connect.rs`, `session.rs`), keeping a
//! minimum (`maintain.rs`) and closing (`close.rs`); the [`PooledConnection`] guard that goes
//! back on drop (`guard.rs`); the process-wide [`PoolManager`] (`manager.rs`) and
//! [`PoolStatus`] (`status.rs`). What happens to one statement on a leased connection is the
//! `exec` layer's.

mod acquire;
mod close;
mod connect;
mod guard;
mod inner;
mod lent;
mod maintain;
mod manager;
mod probe;
mod session;
mod shedding;
mod status;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use self::guard::PooledConnection;
pub(crate) use self::inner::PoolInner;
pub use self::lent::LeakedConnection;
pub use self::manager::PoolManager;
pub(crate) use self::session::SessionFacts;
pub use self::shedding::Priority;
pub use self::status::{PoolHealth, PoolMetrics, PoolStatus};
use crate::config::Backend;
use crate::config::{ConfigHash, DbConfig, PoolOptions};
use crate::driver::Connector;
use crate::error::{Error, ErrorKind, Result};
use crate::observe::{HealthReport, ScalingSignal, SlowQuery};
use crate::resilience::BreakerReport;

type Permit = tokio::sync::OwnedSemaphorePermit;

/// A pool of connections to one database. Clones share the pool.
///
/// `Debug` shows the configuration as a URL without the password, the alias, the hash, the
/// limits and the use now; never the password or the driver's connect options.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<PoolInner>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.debug_as("Pool", f)
    }
}

impl Pool {
    /// Creates a pool without opening any connection.
    ///
    /// Most code gets pools through [`PoolManager`] (via `Database::connect`), which shares one
    /// pool per configuration; this makes a private one.
    pub fn new(config: DbConfig) -> Result<Self> {
        let connector = Connector::new(&config)?;
        let options = effective_options(&config);
        Ok(Pool { inner: Arc::new(PoolInner::new(config, options, connector)) })
    }

    /// Creates a pool whose connections `driver` opens: a third-party backend driver
    /// implementing the [`driver`](crate::driver) trait set. The configuration's backend must
    /// be the driver's (it decides the SQL dialect); everything above the driver (pooling,
    /// deadlines, retries, transactions, entities, metrics) works as with the built-in ones.
    ///
    /// A private pool, like [`Pool::new`]; hand it to `Database::from_pool`.
    pub fn with_driver(config: DbConfig, driver: impl crate::driver::Driver) -> Result<Self> {
        let connector = Connector::with_driver(&config, Arc::new(driver))?;
        let options = effective_options(&config);
        Ok(Pool { inner: Arc::new(PoolInner::new(config, options, connector)) })
    }

    /// The name of the driver the pool's connections use (`sqlx-postgres`, or a third-party
    /// driver's own).
    pub fn driver_name(&self) -> &'static str {
        self.inner.connector.driver_name()
    }

    /// The configuration this pool connects with.
    pub fn config(&self) -> &DbConfig {
        &self.inner.config
    }

    /// The pool options in force (for in-memory SQLite, `max_connections` is 1).
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// Whether `self` and `other` are the same pool (handles made from equal configurations
    /// share one, through the [`PoolManager`]).
    pub(crate) fn same_pool(&self, other: &Pool) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The configuration hash that identifies this pool.
    pub fn hash(&self) -> ConfigHash {
        self.inner.config.hash()
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.inner.config.backend()
    }

    /// A snapshot of the pool's size and use.
    pub fn status(&self) -> PoolStatus {
        let inner = &self.inner;
        let size = inner.size.load(Ordering::Acquire);
        let idle = u32::try_from(inner.idle().len()).unwrap_or(u32::MAX);
        PoolStatus {
            hash: self.hash(),
            alias: inner.config.alias_name().map(str::to_owned),
            backend: self.backend(),
            min: inner.options.min_connections,
            max: inner.options.max_connections,
            size,
            idle,
            in_use: size.saturating_sub(idle),
            waiters: inner.waiters.load(Ordering::Acquire),
            acquire_timeouts: inner.acquire_timeouts.load(Ordering::Relaxed),
            closed: inner.is_closed(),
            breaker: inner.breaker.as_ref().map(|b| b.report()),
            encrypted: inner.session_facts.encrypted(),
        }
    }

    /// Use figures since the pool was created.
    pub fn metrics(&self) -> PoolMetrics {
        let inner = &self.inner;
        PoolMetrics {
            hash: self.hash(),
            acquired: inner.lent.acquired.load(Ordering::Relaxed),
            released: inner.lent.released.load(Ordering::Relaxed),
            in_use: inner.lent.in_use(),
            peak_in_use: inner.lent.peak.load(Ordering::Relaxed),
            acquire_timeouts: inner.acquire_timeouts.load(Ordering::Relaxed),
            transaction_retries: inner.transaction_retries.load(Ordering::Relaxed),
            statements: inner.statements.load(Ordering::Relaxed),
            shed: inner.shed.load(Ordering::Relaxed),
            query_timeouts: inner.query_timeouts.load(Ordering::Relaxed),
            slow_queries: inner.slow_queries.load(Ordering::Relaxed),
            idle: u32::try_from(inner.idle().len()).unwrap_or(u32::MAX),
            waiters: inner.waiters.load(Ordering::Acquire),
            errors: inner.observer.errors(),
            acquire_wait: inner.observer.acquire_wait.percentiles(),
            query_duration: inner.observer.durations.percentiles(),
            statement_cache: inner.observer.cache.stats(),
        }
    }

    /// The scaling signal of the timeout rate over the last `signal_window`.
    pub fn scaling_signal(&self) -> ScalingSignal {
        let tally = self.inner.observer.window.total(Instant::now());
        ScalingSignal::from_timeout_rate(tally.timeout_rate())
    }

    /// The slowest queries run on this pool (over `slow_query_threshold`), slowest first.
    pub fn slowest_queries(&self) -> Vec<SlowQuery> {
        self.inner.observer.slowest.list()
    }

    /// A 0-100 health score with the scaling signal, the figures behind it and plain advice
    /// (see [`HealthReport`]).
    ///
    /// ```
    /// # async fn demo() -> dal_runtime::Result<()> {
    /// let db = dal_runtime::Database::connect("sqlite::memory:").await?;
    /// db.query("SELECT 1").fetch_all().await?;
    /// let report = db.pool().health_report();
    /// assert_eq!(report.score, 100);
    /// assert_eq!(report.signal, dal_runtime::ScalingSignal::Normal);
    /// # Ok(()) }
    /// ```
    pub fn health_report(&self) -> HealthReport {
        let inner = &self.inner;
        let tally = inner.observer.window.total(Instant::now());
        let status = self.status();
        crate::observe::assess(crate::observe::HealthInputs {
            alias: status.alias,
            backend: self.backend().scheme(),
            operations: tally.operations,
            timeout_rate: tally.timeout_rate(),
            error_rate: tally.error_rate().min(1.0),
            in_use: status.in_use,
            max: status.max,
            acquire_wait: inner.observer.acquire_wait.percentiles(),
            acquire_timeout_ms: inner.options.acquire_timeout.as_secs_f64() * 1000.0,
            breaker: inner.breaker.as_ref().map(|b| b.state()),
            slowest: inner.observer.slowest.list(),
        })
    }

    /// The pool's circuit breaker state and failure counts (`None` when it has none).
    pub fn breaker(&self) -> Option<BreakerReport> {
        self.inner.breaker.as_ref().map(|b| b.report())
    }

    /// The server's ids of the sessions this pool holds open (PostgreSQL backend pids,
    /// MariaDB connection ids; empty for SQLite), for matching them in the server's activity
    /// views.
    pub fn server_sessions(&self) -> Vec<i64> {
        self.inner.open_sessions()
    }

    /// Counts a transaction run again after a serialization failure or deadlock.
    pub(crate) fn count_transaction_retry(&self) {
        self.inner.transaction_retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Connections lent out for longer than `threshold`, longest first. Each is logged (with
    /// where it was acquired, when backtraces are captured) the first time it is found.
    pub fn leaked_connections(&self, threshold: Duration) -> Vec<LeakedConnection> {
        self.inner.lent.held_longer_than(threshold, &self.inner.config.to_string())
    }

    /// Whether the pool was closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Checks the database answers: takes a connection, pings it, returns the round trip.
    pub async fn health_check(&self) -> Result<Duration> {
        let started = Instant::now();
        let mut conn = self.acquire().await?;
        conn.ping().await?;
        Ok(started.elapsed())
    }
}

/// The configured options, adjusted where a backend cannot honour them.
fn effective_options(config: &DbConfig) -> PoolOptions {
    let mut options = config.pool().clone();
    if options.transaction_pooler {
        // Nothing prepared survives from one transaction to the next behind the pooler.
        options.statement_cache_capacity = 0;
    }
    #[cfg(feature = "sqlite")]
    if config.backend() == Backend::Sqlite && crate::driver::sqlite_is_memory(config) {
        // One in-memory database per pool, on one connection: SQLite's shared cache would
        // otherwise fail concurrent writers with SQLITE_LOCKED instead of waiting.
        return options.max_connections(1);
    }
    options
}

fn closed_error(config: &DbConfig) -> Error {
    Error::new(ErrorKind::Closed, format!("the pool for {config} is closed"))
}

/// `1.5s`, `250ms`: durations as people write them.
pub(crate) fn human(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
