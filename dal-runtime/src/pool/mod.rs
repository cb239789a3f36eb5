//! Connection pools: a cheap-to-clone [`Pool`] handle over shared state, the
//! [`PooledConnection`] guard, the process-wide [`PoolManager`] and [`PoolStatus`].
//!
//! Acquire, in order: refuse at once when closed; take a FIFO permit (waiting at most
//! `acquire_timeout`, counted when it passes); reuse the most recently returned idle connection
//! unless it sat idle past `idle_timeout` or outlived `max_lifetime`; otherwise open a new one
//! within `connect_timeout`. Nothing is awaited while a lock is held, and a dropped acquire
//! gives its permit back untouched.

mod guard;
mod inner;
mod lent;
mod manager;
mod probe;
mod session;
mod shedding;
mod status;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use self::guard::PooledConnection;
use self::inner::Idle;
pub(crate) use self::inner::{Live, PoolInner};
pub use self::lent::LeakedConnection;
pub use self::manager::PoolManager;
pub(crate) use self::session::SessionFacts;
pub use self::shedding::Priority;
pub use self::status::{PoolHealth, PoolMetrics, PoolStatus};
use crate::config::Backend;
use crate::config::{ConfigHash, DbConfig, PoolOptions};
use crate::driver::{Connector, classify};
use crate::error::{Error, ErrorKind, Result};
use crate::observe::{HealthReport, ScalingSignal, SlowQuery};
use crate::resilience::{Admission, BreakerReport};

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

    /// The configuration this pool connects with.
    pub fn config(&self) -> &DbConfig {
        &self.inner.config
    }

    /// The pool options in force (for in-memory SQLite, `max_connections` is 1).
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// The configuration hash that identifies this pool.
    pub fn hash(&self) -> ConfigHash {
        self.inner.config.hash()
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.inner.config.backend()
    }

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

    async fn acquire_checked(&self, priority: Priority) -> Result<PooledConnection> {
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

    async fn acquire_admitted(&self, priority: Priority) -> Result<PooledConnection> {
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
                    let ping = live.raw.ping();
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
        let live = self.open().await?;
        Ok(PooledConnection::new(live, permit, bulk, Arc::clone(inner)))
    }

    /// Fast path: free permits mean nobody waits (released permits go to waiters first), so
    /// taking them cannot jump the queue.
    fn permits_now(&self, priority: Priority) -> Option<(Option<Permit>, Permit)> {
        let inner = &self.inner;
        let bulk = match priority {
            Priority::Normal => None,
            Priority::Bulk => Some(Arc::clone(&inner.bulk_gate).try_acquire_owned().ok()?),
        };
        let permit = Arc::clone(&inner.semaphore).try_acquire_owned().ok()?;
        Some((bulk, permit))
    }

    /// Waits in line for the permits, at most the acquisition timeout in all.
    async fn wait_for_permits(&self, priority: Priority) -> Result<(Option<Permit>, Permit)> {
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

    /// Starts, once, the task that looks after the pool every [`MAINTAIN_EVERY`]: it reports
    /// the connection gauges, reopens connections when the pool falls below
    /// `min_connections` (after the server ended sessions, say), and opens them ahead of
    /// rising demand (`warm_ahead`). It holds the pool weakly and ends with it.
    fn start_maintainer(&self) {
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
    async fn look_after(&self) {
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
    async fn top_up(&self, target: u32) -> Result<()> {
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

    /// Pops the freshest idle connection, closing on the way those idle past `idle_timeout`
    /// (while the pool is above its minimum) or past their lifetime.
    fn take_idle(&self, now: Instant) -> Option<Idle> {
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

    /// Opens a new connection within the connect timeout.
    async fn open(&self) -> Result<Live> {
        let inner = &self.inner;
        let config = &inner.config;
        let limit = inner.options.connect_timeout;
        let backend = config.backend();
        let span = tracing::debug_span!(
            "db.connect",
            db.system = backend.scheme(),
            server.address = %config.endpoint(),
        );
        let connect = tracing::Instrument::instrument(inner.connector.connect(), span);
        match crate::rt::timeout(limit, connect).await {
            Some(Ok(mut raw)) => {
                if inner.options.read_write_only
                    && let Err(e) = probe::check_accepts_writes(&mut raw, config).await
                {
                    raw.close().await;
                    return Err(e);
                }
                let facts = &inner.session_facts;
                session::check_inlining_is_safe(&mut raw, config, &inner.options).await?;
                session::note_encryption(&mut raw, config, &inner.options, facts).await?;
                let session =
                    session::own_session_id(&mut raw, config, &inner.options, facts).await?;
                let interrupt = raw.interrupter().await?;
                inner.adopt(session);
                Ok(Live {
                    raw,
                    opened: Instant::now(),
                    session,
                    suspect: false,
                    interrupt,
                    statements: Default::default(),
                })
            }
            Some(Err(e)) => {
                // An I/O error here is the connect itself failing, not a lost connection.
                let io_detail = match &e {
                    sqlx::Error::Io(io)
                        if !crate::driver::is_certificate_failure(&io.to_string()) =>
                    {
                        Some(io.to_string())
                    }
                    _ => None,
                };
                let cause = classify(e, backend);
                let kind = match cause.kind() {
                    ErrorKind::Config => ErrorKind::Config,
                    _ => ErrorKind::Connection,
                };
                Err(Error::new(
                    kind,
                    format!(
                        "cannot connect to {backend} at {}: {}",
                        config.endpoint(),
                        io_detail.as_deref().unwrap_or(cause.message())
                    ),
                )
                .with_source(cause))
            }
            None => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "cannot connect to {backend} at {}: no answer within the connect timeout of {}",
                    config.endpoint(),
                    human(limit)
                ),
            )),
        }
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

    /// Opens connections until the pool holds `min_connections` (together with the task that
    /// keeps the minimum, never more than it asks for).
    pub async fn warm_up(&self) -> Result<()> {
        self.top_up(self.inner.options.min_connections).await
    }

    /// Checks the database answers: takes a connection, pings it, returns the round trip.
    pub async fn health_check(&self) -> Result<Duration> {
        let started = Instant::now();
        let mut conn = self.acquire().await?;
        conn.ping().await?;
        Ok(started.elapsed())
    }

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
    async fn terminate_sessions(&self) {
        self.inner.end_sessions(&self.inner.open_sessions()).await;
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
