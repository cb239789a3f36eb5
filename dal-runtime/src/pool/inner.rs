//! Shared pool state and the rules for taking and giving back connections.
//!
//! Capacity is a FIFO semaphore with `max_connections` permits: a permit is the right to hold a
//! connection, so waiters are served in arrival order and the open count never exceeds the
//! maximum. Idle connections sit in a deque behind a short-held mutex; taking one is a pop,
//! giving one back a push, and no I/O happens under the lock.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{Notify, Semaphore};

use super::PoolOptions;
use super::lent::LentRegistry;
use super::shedding::TokenBucket;
use crate::config::DbConfig;
use crate::driver::{Connector, RawConnection};
use crate::error::Error;
use crate::observe::{PoolObserver, StatementCacheMirror};
use crate::resilience::{Admission, CircuitBreaker};

/// An open connection, when it was opened, and what the pool knows about it.
pub(crate) struct Live {
    pub(crate) raw: RawConnection,
    pub(crate) opened: Instant,
    /// The server's id of this session (PostgreSQL backend pid, MySQL connection id), used to
    /// end it from another connection when the pool is forced closed.
    pub(crate) session: Option<i64>,
    /// Its last operation failed: ping it before handing it out again.
    pub(crate) suspect: bool,
    /// SQLite: set to make the running statement stop (checked by a progress handler).
    pub(crate) interrupt: Option<Arc<AtomicBool>>,
    /// What the driver's prepared-statement cache holds, for its hit counts.
    pub(crate) statements: StatementCacheMirror,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live")
            .field("raw", &self.raw)
            .field("session", &self.session)
            .field("age", &self.opened.elapsed())
            .field("suspect", &self.suspect)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub(crate) struct Idle {
    pub(super) live: Live,
    pub(super) since: Instant,
}

/// Its `Debug` (and [`super::Pool`]'s, through [`PoolInner::debug_as`]) is written by hand: the
/// connector holds the driver's options, password included.
pub(crate) struct PoolInner {
    pub(crate) config: DbConfig,
    pub(crate) options: PoolOptions,
    pub(super) connector: Connector,
    pub(super) semaphore: Arc<Semaphore>,
    /// Permits for [`super::Priority::Bulk`] acquires, taken before a connection permit.
    pub(super) bulk_gate: Arc<Semaphore>,
    pub(super) breaker: Option<CircuitBreaker>,
    pub(super) bucket: Option<TokenBucket>,
    /// Whether the task that keeps `min_connections` open was started.
    pub(super) maintainer: AtomicBool,
    idle: Mutex<VecDeque<Idle>>,
    /// Connections open (idle + in use + being rolled back).
    pub(super) size: AtomicU32,
    /// Held while connections are opened to reach a target (`warm_up` and the
    /// minimum-keeper), so two fillers never both open the same missing connections.
    pub(super) filling: tokio::sync::Mutex<()>,
    pub(super) waiters: AtomicUsize,
    pub(super) closed: AtomicBool,
    /// Set when `close` gave up waiting: connections still lent out may not run anything more.
    pub(super) forced: AtomicBool,
    /// Signalled, once the pool is closing, whenever a connection closes (close waits on it).
    pub(super) returned: Notify,
    pub(super) acquire_timeouts: AtomicU64,
    /// Whole transactions run again after a serialization failure or deadlock.
    pub(super) transaction_retries: AtomicU64,
    /// Statements run (transaction control not counted).
    pub(super) statements: AtomicU64,
    /// Acquires refused at once (waiting line full, rate limit spent).
    pub(super) shed: AtomicU64,
    /// Statements stopped at their deadline.
    pub(crate) query_timeouts: AtomicU64,
    /// Statements slower than the soft limit.
    pub(crate) slow_queries: AtomicU64,
    /// Connections lent out, for leak reports and use figures.
    pub(super) lent: LentRegistry,
    /// Server session ids of every open connection.
    sessions: Mutex<BTreeSet<i64>>,
    /// Metrics, histograms, rates, the slowest queries and the statement-cache counts.
    pub(crate) observer: PoolObserver,
    /// Whether sessions are encrypted, and the warnings given once.
    pub(crate) session_facts: super::SessionFacts,
}

impl fmt::Debug for PoolInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_as("PoolInner", f)
    }
}

impl PoolInner {
    /// What a person debugging needs of a pool, under the name `name`: where it connects (the
    /// configuration as a URL without the password), its alias and hash, its limits and its
    /// use now. Never waits for a lock: the idle count is left out while another thread holds
    /// the idle list.
    pub(super) fn debug_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = self.size.load(Ordering::Acquire);
        let idle = self.idle.try_lock().ok().map(|idle| idle.len());
        let mut d = f.debug_struct(name);
        d.field("url", &self.config.to_string())
            .field("alias", &self.config.alias_name())
            .field("hash", &format_args!("{}", self.config.hash()))
            .field("min", &self.options.min_connections)
            .field("max", &self.options.max_connections)
            .field("size", &size);
        if let Some(idle) = idle {
            let in_use = (size as usize).saturating_sub(idle);
            d.field("idle", &idle).field("in_use", &in_use);
        }
        d.field("waiters", &self.waiters.load(Ordering::Acquire))
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }

    pub(super) fn new(config: DbConfig, options: PoolOptions, connector: Connector) -> Self {
        let name = config.to_string();
        let observer =
            PoolObserver::new(config.alias_name().unwrap_or(&name), config.backend(), &options);
        PoolInner {
            observer,
            semaphore: Arc::new(Semaphore::new(options.max_connections as usize)),
            bulk_gate: Arc::new(Semaphore::new(options.effective_bulk_limit() as usize)),
            breaker: options.breaker.map(|b| CircuitBreaker::new(name, b)),
            bucket: options.rate_limit.map(|r| TokenBucket::new(r, Instant::now())),
            maintainer: AtomicBool::new(false),
            shed: AtomicU64::new(0),
            query_timeouts: AtomicU64::new(0),
            slow_queries: AtomicU64::new(0),
            config,
            options,
            connector,
            idle: Mutex::new(VecDeque::new()),
            size: AtomicU32::new(0),
            filling: tokio::sync::Mutex::new(()),
            waiters: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            forced: AtomicBool::new(false),
            returned: Notify::new(),
            acquire_timeouts: AtomicU64::new(0),
            transaction_retries: AtomicU64::new(0),
            statements: AtomicU64::new(0),
            lent: LentRegistry::default(),
            sessions: Mutex::new(BTreeSet::new()),
            session_facts: super::SessionFacts::default(),
        }
    }

    pub(super) fn idle(&self) -> MutexGuard<'_, VecDeque<Idle>> {
        // A panic while holding this lock cannot leave the deque half-updated (push/pop only).
        self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn count_statement(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Tells the breaker how an operation ended. A probe's outcome always counts; otherwise
    /// only failures do (a success while closed changes nothing).
    pub(super) fn observe(&self, probe: &mut Option<Admission>, error: Option<&Error>) {
        let Some(breaker) = &self.breaker else { return };
        match probe.take() {
            Some(admission) => breaker.record(admission, error),
            None if error.is_some() => breaker.record(Admission::CLOSED, error),
            None => {}
        }
    }

    /// Gives back a probe slot whose operation never finished.
    pub(super) fn abandon(&self, probe: Option<Admission>) {
        if let (Some(breaker), Some(admission)) = (&self.breaker, probe) {
            breaker.abandon(admission);
        }
    }

    pub(super) fn is_forced(&self) -> bool {
        self.forced.load(Ordering::Acquire)
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Whether a connection opened at `opened` has outlived `max_lifetime` at `now`.
    pub(super) fn expired(&self, opened: Instant, now: Instant) -> bool {
        self.options.max_lifetime.is_some_and(|max| now.saturating_duration_since(opened) >= max)
    }

    /// Puts a healthy connection back (or closes it when the pool is closing or it is too old).
    pub(super) fn give_back(&self, live: Live) {
        let now = Instant::now();
        if self.is_closed() || self.expired(live.opened, now) {
            self.discard(live);
        } else {
            self.idle().push_back(Idle { live, since: now });
        }
    }

    /// Closes a connection and forgets it.
    pub(super) fn discard(&self, live: Live) {
        self.discard_holding(live, None);
    }

    /// [`Self::discard`], keeping `permit` (the right to hold a connection) until the close is
    /// done: a pool that replaces connections quickly (timeouts, cancellations, TLS sessions
    /// that take a while to close) then never holds more sessions on the server than its
    /// maximum. A close that hangs (a dead network) is given up after the connect timeout;
    /// dropping the connection closes its socket.
    pub(super) fn discard_holding(
        &self,
        live: Live,
        permit: Option<tokio::sync::OwnedSemaphorePermit>,
    ) {
        let session = live.session;
        let limit = self.options.connect_timeout;
        let closing = async move {
            let _ = crate::rt::timeout(limit, live.raw.close()).await;
            drop(permit);
        };
        // Without a runtime the connection is simply dropped, which closes its socket.
        let _ = crate::rt::spawn(closing);
        self.forget_one(session);
    }

    /// Counts a newly opened connection.
    pub(super) fn adopt(&self, session: Option<i64>) {
        self.size.fetch_add(1, Ordering::AcqRel);
        if let Some(id) = session {
            self.sessions().insert(id);
        }
    }

    /// Accounts for a connection that is gone (closed, or dropped with its socket).
    pub(super) fn forget_one(&self, session: Option<i64>) {
        if let Some(id) = session {
            self.sessions().remove(&id);
        }
        self.size.fetch_sub(1, Ordering::AcqRel);
        self.wake_closer();
    }

    /// Ends server sessions `ids` from a connection of its own (outside the pool's accounting),
    /// so what they run stops and their transactions roll back, and waits (at most the connect
    /// timeout) until the server no longer lists them. No-op for SQLite, which has no sessions.
    pub(crate) async fn end_sessions(&self, ids: &[i64]) {
        let dialect = self.config.backend().dialect();
        let statements: Vec<(i64, String)> =
            ids.iter().filter_map(|&id| Some((id, dialect.terminate_session_sql(id)?))).collect();
        if statements.is_empty() {
            return;
        }
        let limit = self.options.connect_timeout;
        let Some(Ok(mut side)) = crate::rt::timeout(limit, self.connector.connect()).await else {
            tracing::warn!(pool = %self.config, "could not open a connection to stop sessions on the server");
            return;
        };
        for (id, sql) in statements {
            if let Err(e) = side.execute_unprepared(crate::driver::sql(sql)).await {
                tracing::warn!(pool = %self.config, session = id, error = %e, "could not end a session");
            }
        }
        // The server ends sessions asynchronously.
        if let Some(count) = dialect.count_sessions_sql(ids) {
            let wait = async {
                loop {
                    let left = side
                        .fetch_optional(
                            crate::driver::sql(count.clone()),
                            &[],
                            crate::driver::Protocol::OneOff,
                        )
                        .await;
                    if left
                        .ok()
                        .flatten()
                        .and_then(|row| row.get::<i64>(0).ok())
                        .is_none_or(|n| n == 0)
                    {
                        break;
                    }
                    crate::rt::sleep(std::time::Duration::from_millis(2)).await;
                }
            };
            if crate::rt::timeout(limit, wait).await.is_none() {
                tracing::warn!(pool = %self.config, "sessions ended by force were still listed on the server");
            }
        }
        side.close().await;
    }

    /// Wakes a `close` waiting for connections to be gone. Only a closing pool has one, and
    /// `notify_waiters` takes a lock, so the hot path skips it.
    fn wake_closer(&self) {
        if self.is_closed() {
            self.returned.notify_waiters();
        }
    }

    /// Server session ids of the connections open now.
    pub(super) fn open_sessions(&self) -> Vec<i64> {
        self.sessions().iter().copied().collect()
    }

    fn sessions(&self) -> MutexGuard<'_, BTreeSet<i64>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The driver's option structs print the password; the connector and the pool state must
    /// not, whatever the backend.
    #[test]
    fn debug_shows_the_endpoint_and_never_the_password() {
        let urls = [
            "postgres://app:pw-S3cr3t-debug@db.internal:5433/shop",
            "mysql://app:pw-S3cr3t-debug@db.internal:3307/shop",
        ];
        for url in urls {
            let config = DbConfig::from_url(url).expect("valid URL");
            let connector = Connector::new(&config).expect("connect options");
            let inner = PoolInner::new(config.clone(), config.pool().clone(), connector.clone());
            let shown = [
                format!("{connector:?}"),
                format!("{connector:#?}"),
                format!("{inner:?}"),
                format!("{inner:#?}"),
            ];
            for shown in shown {
                assert!(!shown.contains("pw-S3cr3t-debug"), "{shown}");
                assert!(shown.contains("db.internal"), "{shown}");
            }
        }
    }
}
