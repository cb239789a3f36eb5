//! Pool options and their documented defaults.

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
    }
}
