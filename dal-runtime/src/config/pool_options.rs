//! Pool options and their documented defaults, with the option values they hold: the
//! circuit breaker's ([`BreakerOptions`]) and the acquire rate limit ([`RateLimit`]).

use std::time::Duration;

/// How a pool sizes itself and how long it waits.
///
/// | option | default | meaning |
/// |---|---|---|
/// | `max_connections` | 10 | connections open at most |
/// | `min_connections` | 0 | connections kept open even when idle |
/// | `acquire_timeout` | 10 s | longest wait for a free connection |
/// | `connect_timeout` | 10 s | longest time to open one connection |
/// | `idle_timeout` | 10 min | an idle connection older than this is closed |
/// | `max_lifetime` | 30 min | a connection older than this is closed when returned |
/// | `capture_acquire_backtraces` | off | record where each connection was acquired, for leak reports |
/// | `validate_after_idle` | 2 s | a connection idle longer (or that saw an error) is pinged before it is handed out |
/// | `breaker` | 5 failures in 10 s, open 5 s | the pool's circuit breaker (`None`: off) |
/// | `max_waiters` | none | callers allowed to queue for a connection; past it acquire fails at once |
/// | `rate_limit` | none | acquires per second (token bucket); past it acquire fails at once |
/// | `bulk_limit` | ¾ of `max_connections` | connections [`Priority::Bulk`](crate::Priority) work may hold at once |
/// | `query_timeout` | none | hard limit of every statement (a query's own timeout overrides it) |
/// | `slow_query_threshold` | 1 s | soft limit: slower statements are logged with their tags, counted and kept in the slowest list |
/// | `statement_cache_capacity` | 100 | prepared statements kept per connection (0: none kept, for transaction-pooling proxies) |
/// | `signal_window` | 60 s | the window of the timeout rate behind the scaling signal and the health report |
/// | `warm_ahead` | on | open connections ahead of rising demand (up to `max_connections`) |
/// | `transaction_pooler` | off | PostgreSQL behind a transaction-pooling proxy (PgBouncer): nothing prepared, no session state |
/// | `server_side_stop` | on | end a timed-out statement's session on the server, when the session is provably dal's |
/// | `read_write_only` | off | open connections only to a server that accepts writes (a primary, not a replica) |
///
/// ```
/// use std::time::Duration;
/// use dal_runtime::PoolOptions;
/// let opts = PoolOptions::default().max_connections(4).acquire_timeout(Duration::from_secs(2));
/// assert_eq!(opts.max_connections, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolOptions {
    /// Connections open at most.
    pub max_connections: u32,
    /// Connections kept open even when idle.
    pub min_connections: u32,
    /// Longest wait for a free connection before a pool-timeout error.
    pub acquire_timeout: Duration,
    /// Longest time to open one connection before a timeout error.
    pub connect_timeout: Duration,
    /// An idle connection older than this is closed; `None` keeps it.
    pub idle_timeout: Option<Duration>,
    /// A connection older than this is closed when it comes back; `None` keeps it.
    pub max_lifetime: Option<Duration>,
    /// A connection idle longer than this, or one whose last operation failed, is pinged
    /// before it is handed out. Not every acquire pings: that round trip would cost a third of
    /// a short query's throughput.
    pub validate_after_idle: Duration,
    /// Capture a backtrace at every acquire, so leak reports say where a connection was taken.
    /// Costs microseconds per acquire: for debugging.
    pub capture_acquire_backtraces: bool,
    /// The pool's circuit breaker: connection and timeout failures open it, and while open
    /// every acquire fails at once with [`crate::ErrorKind::CircuitOpen`]. `None` turns it off.
    pub breaker: Option<BreakerOptions>,
    /// Callers allowed to wait for a connection at once. One more fails at once with
    /// [`crate::ErrorKind::PoolExhausted`] instead of queueing without end.
    pub max_waiters: Option<usize>,
    /// Acquires allowed per second, with bursts; past it acquire fails at once with
    /// [`crate::ErrorKind::PoolExhausted`].
    pub rate_limit: Option<RateLimit>,
    /// Connections that [`Priority::Bulk`](crate::Priority) acquires may hold at once, so
    /// that normal work always finds room and never queues behind more than this many bulk
    /// callers. `None`: three quarters of `max_connections` (at least 1).
    pub bulk_limit: Option<u32>,
    /// Hard limit of every statement run on the pool's connections. Past it the statement is
    /// stopped on the server and the caller gets [`crate::ErrorKind::Timeout`]. A query's own
    /// [`crate::Query::timeout`] and a transaction's budget take precedence when shorter.
    pub query_timeout: Option<Duration>,
    /// Soft limit: a statement that takes longer is logged as a warning (with its text,
    /// sqlcommenter tags included, never its values) and counted in
    /// [`PoolMetrics::slow_queries`](crate::PoolMetrics::slow_queries).
    pub slow_query_threshold: Option<Duration>,
    /// Prepared statements each connection keeps (an LRU keyed by SQL text). `0` prepares
    /// nothing to keep: statements go as unnamed (PostgreSQL) or are closed after each run
    /// (MariaDB, SQLite), which is what transaction-pooling proxies such as PgBouncer need.
    pub statement_cache_capacity: usize,
    /// The sliding window over which the timeout and error rates are taken (see
    /// [`crate::ScalingSignal`]).
    pub signal_window: Duration,
    /// Open connections ahead of demand when the number in use has been rising (a
    /// least-squares trend over the last two seconds), up to `max_connections`.
    pub warm_ahead: bool,
    /// PostgreSQL behind a proxy that pools connections per transaction (PgBouncer with
    /// `pool_mode = transaction`), where consecutive statements outside a transaction may run
    /// on different server sessions. Every statement then goes as one simple-protocol message
    /// with its values written in as typed, escaped literals, so nothing prepared or set on a
    /// session is relied on: no statement cache, no session id (a forced close or a timeout
    /// cannot end a session it cannot name; a timeout is enforced by the server instead, with
    /// `SET LOCAL statement_timeout` in the same message), and no server settings sent at
    /// connect (`search_path` and the like are refused; set them on the role or database).
    /// An error on MySQL and SQLite. See the README's "growing past one machine".
    pub transaction_pooler: bool,
    /// Open connections only to a server that accepts writes, like libpq's
    /// `target_session_attrs=read-write`: a new connection to a server in recovery
    /// (PostgreSQL) or with `read_only` on (MySQL/MariaDB) is closed and the acquire fails
    /// with a connection error, which a retry may cure once a writable primary is found. Set
    /// on the primary candidates of a cluster.
    pub read_write_only: bool,
    /// Stop a statement on the server when its deadline passes or a forced close needs it:
    /// PostgreSQL `pg_terminate_backend`, MariaDB `KILL CONNECTION`, on the session id read
    /// when the connection opened. Only ever for a session that is provably this
    /// connection's: when the server reports a port other than the one dialed (a pooler or
    /// proxy such as PgBouncer, ProxySQL or MaxScale is in between, and the id may name
    /// another client's session) the pool keeps no session id, logs that once, and a timeout
    /// only closes dal's connection. Off: never end a session on the server. SQLite's
    /// in-process interrupt is not affected.
    pub server_side_stop: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            validate_after_idle: Duration::from_secs(2),
            capture_acquire_backtraces: false,
            breaker: Some(BreakerOptions::default()),
            max_waiters: None,
            rate_limit: None,
            bulk_limit: None,
            query_timeout: None,
            slow_query_threshold: Some(Duration::from_secs(1)),
            statement_cache_capacity: 100,
            signal_window: Duration::from_secs(60),
            warm_ahead: true,
            transaction_pooler: false,
            read_write_only: false,
            server_side_stop: true,
        }
    }
}

impl PoolOptions {
    /// Sets [`PoolOptions::max_connections`] (at least 1).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets [`PoolOptions::min_connections`].
    pub fn min_connections(mut self, min: u32) -> Self {
        self.min_connections = min;
        self
    }

    /// Sets [`PoolOptions::acquire_timeout`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets [`PoolOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`PoolOptions::idle_timeout`].
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`PoolOptions::max_lifetime`].
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// Sets [`PoolOptions::validate_after_idle`].
    pub fn validate_after_idle(mut self, idle: Duration) -> Self {
        self.validate_after_idle = idle;
        self
    }

    /// Sets [`PoolOptions::capture_acquire_backtraces`].
    pub fn capture_acquire_backtraces(mut self, capture: bool) -> Self {
        self.capture_acquire_backtraces = capture;
        self
    }

    /// Sets [`PoolOptions::breaker`] (`None` turns the breaker off).
    pub fn breaker(mut self, breaker: Option<BreakerOptions>) -> Self {
        self.breaker = breaker;
        self
    }

    /// Sets [`PoolOptions::max_waiters`].
    pub fn max_waiters(mut self, max: Option<usize>) -> Self {
        self.max_waiters = max;
        self
    }

    /// Sets [`PoolOptions::rate_limit`].
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Sets [`PoolOptions::bulk_limit`].
    pub fn bulk_limit(mut self, limit: Option<u32>) -> Self {
        self.bulk_limit = limit;
        self
    }

    /// Sets [`PoolOptions::query_timeout`].
    pub fn query_timeout(mut self, limit: Option<Duration>) -> Self {
        self.query_timeout = limit;
        self
    }

    /// Sets [`PoolOptions::slow_query_threshold`].
    pub fn slow_query_threshold(mut self, threshold: Option<Duration>) -> Self {
        self.slow_query_threshold = threshold;
        self
    }

    /// Sets [`PoolOptions::statement_cache_capacity`] (`0` turns caching off).
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache_capacity = capacity;
        self
    }

    /// Sets [`PoolOptions::signal_window`] (at least 1 s).
    pub fn signal_window(mut self, window: Duration) -> Self {
        self.signal_window = window.max(Duration::from_secs(1));
        self
    }

    /// Sets [`PoolOptions::warm_ahead`].
    pub fn warm_ahead(mut self, on: bool) -> Self {
        self.warm_ahead = on;
        self
    }

    /// Sets [`PoolOptions::transaction_pooler`].
    pub fn transaction_pooler(mut self, on: bool) -> Self {
        self.transaction_pooler = on;
        self
    }

    /// Sets [`PoolOptions::server_side_stop`].
    pub fn server_side_stop(mut self, on: bool) -> Self {
        self.server_side_stop = on;
        self
    }

    /// Sets [`PoolOptions::read_write_only`].
    pub fn read_write_only(mut self, on: bool) -> Self {
        self.read_write_only = on;
        self
    }

    /// The connections bulk work may hold at once.
    pub(crate) fn effective_bulk_limit(&self) -> u32 {
        self.bulk_limit
            .unwrap_or(self.max_connections - self.max_connections / 4)
            .clamp(1, self.max_connections)
    }

    /// Feeds every option to `field`, in a fixed order, for the configuration hash.
    pub(crate) fn hash_into(&self, field: &mut dyn FnMut(&[u8])) {
        let ms = |d: Option<Duration>| d.map_or(u64::MAX, |d| d.as_millis() as u64).to_le_bytes();
        field(&self.max_connections.to_le_bytes());
        field(&self.min_connections.to_le_bytes());
        field(&ms(Some(self.acquire_timeout)));
        field(&ms(Some(self.connect_timeout)));
        field(&ms(self.idle_timeout));
        field(&ms(self.max_lifetime));
        field(&ms(Some(self.validate_after_idle)));
        field(&[u8::from(self.capture_acquire_backtraces)]);
        match &self.breaker {
            None => field(&[0]),
            Some(b) => {
                field(&[1]);
                field(&b.failure_threshold.to_le_bytes());
                field(&ms(Some(b.window)));
                field(&ms(Some(b.open_for)));
                field(&b.probes.to_le_bytes());
            }
        }
        field(&self.max_waiters.map_or(u64::MAX, |n| n as u64).to_le_bytes());
        match &self.rate_limit {
            None => field(&[0]),
            Some(r) => {
                field(&[1]);
                field(&r.per_second.to_le_bytes());
                field(&r.burst.to_le_bytes());
            }
        }
        field(&self.bulk_limit.unwrap_or(u32::MAX).to_le_bytes());
        field(&ms(self.query_timeout));
        field(&ms(self.slow_query_threshold));
        field(&(self.statement_cache_capacity as u64).to_le_bytes());
        field(&ms(Some(self.signal_window)));
        field(&[u8::from(self.warm_ahead)]);
        field(&[u8::from(self.transaction_pooler)]);
        field(&[u8::from(self.read_write_only)]);
        // Only when off, so the hashes of existing configurations stay as they were.
        if !self.server_side_stop {
            field(b"no server-side stop");
        }
    }
}

/// A token-bucket limit: `per_second` acquires on average, up to `burst` at once.
///
/// ```
/// use dal_runtime::{PoolOptions, RateLimit};
/// let opts = PoolOptions::default().rate_limit(Some(RateLimit::new(500).burst(50)));
/// assert_eq!(opts.rate_limit.map(|r| r.per_second), Some(500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Tokens added per second (at least 1).
    pub per_second: u32,
    /// Tokens the bucket holds at most: the largest burst let through at once (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` acquires per second, with bursts of as many.
    pub fn new(per_second: u32) -> Self {
        let per_second = per_second.max(1);
        RateLimit { per_second, burst: per_second }
    }

    /// Sets the largest burst.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }
}

/// Thresholds and timings of a [`CircuitBreaker`](crate::CircuitBreaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerOptions {
    /// Failures within `window` that open the breaker.
    pub failure_threshold: u32,
    /// How long a failure counts (it leaves between 19/20 of this and this after it happened).
    pub window: Duration,
    /// How long the breaker stays open before probing.
    pub open_for: Duration,
    /// Probe calls at a time when half-open, and successes needed to close.
    pub probes: u32,
}

impl Default for BreakerOptions {
    /// 5 failures in 10 s open it for 5 s; 2 probes.
    fn default() -> Self {
        BreakerOptions {
            failure_threshold: 5,
            window: Duration::from_secs(10),
            open_for: Duration::from_secs(5),
            probes: 2,
        }
    }
}

impl BreakerOptions {
    /// Sets the failures that open the breaker.
    pub fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n.max(1);
        self
    }

    /// Sets how long a failure counts.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets how long the breaker stays open.
    pub fn open_for(mut self, open_for: Duration) -> Self {
        self.open_for = open_for;
        self
    }

    /// Sets the probes when half-open.
    pub fn probes(mut self, probes: u32) -> Self {
        self.probes = probes.max(1);
        self
    }
}
