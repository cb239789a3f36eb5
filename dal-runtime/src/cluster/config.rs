//! [`ClusterConfig`]: the servers of a cluster and how reads are spread over them.

use std::time::Duration;

use crate::config::DbConfig;
use crate::config::IntoConfig;
use crate::error::{Error, Result};

/// How a read picks among the healthy replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplicaSelection {
    /// Each read takes the next healthy replica in turn.
    #[default]
    RoundRobin,
    /// Each read takes the healthy replica whose pool has the fewest connections in use and
    /// callers waiting.
    LeastBusy,
}

/// A primary (with the candidates that may take over from it) and read replicas, for
/// [`Database::connect_cluster`](crate::Database::connect_cluster).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`failover_to`](Self::failover_to) | none | more servers that may become the primary; dal writes to whichever accepts writes |
/// | [`replica`](Self::replica) | none | a read replica |
/// | [`replica_selection`](Self::replica_selection) | round robin | how a read picks among healthy replicas |
/// | [`max_replica_lag`](Self::max_replica_lag) | 10 s | a replica further behind its primary is taken out of rotation |
/// | [`check_every`](Self::check_every) | 1 s | how often replicas and the primary are checked |
///
/// URLs are parsed when the cluster connects; an invalid one is reported then.
///
/// ```no_run
/// # async fn demo() -> dal_runtime::Result<()> {
/// use std::time::Duration;
/// use dal_runtime::{ClusterConfig, Database, ReplicaSelection};
/// let db = Database::connect_cluster(
///     ClusterConfig::new("postgres://app@db1.internal/shop")
///         .failover_to("postgres://app@db2.internal/shop")
///         .replica("postgres://app@db2.internal/shop")
///         .replica("postgres://app@db3.internal/shop")
///         .replica_selection(ReplicaSelection::LeastBusy)
///         .max_replica_lag(Duration::from_secs(5)),
/// )
/// .await?;
/// db.query("SELECT 1").fetch_all().await?; // a replica
/// db.query("UPDATE stock SET n = n - 1 WHERE id = ?").bind(7_i64).execute().await?; // the primary
/// db.on_primary().query("SELECT n FROM stock WHERE id = ?").bind(7_i64).fetch_one().await?; // read your write
/// # Ok(()) }
/// ```
///
/// `Debug` shows each server's [`DbConfig`] as that prints it (password as `***`).
pub struct ClusterConfig {
    pub(super) primaries: Vec<DbConfig>,
    pub(super) replicas: Vec<DbConfig>,
    pub(super) selection: ReplicaSelection,
    pub(super) max_replica_lag: Duration,
    pub(super) check_every: Duration,
    /// The first configuration that did not parse, reported at connect.
    pub(super) invalid: Option<Error>,
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("primaries", &self.primaries)
            .field("replicas", &self.replicas)
            .field("selection", &self.selection)
            .field("max_replica_lag", &self.max_replica_lag)
            .field("check_every", &self.check_every)
            .field("invalid", &self.invalid)
            .finish()
    }
}

impl ClusterConfig {
    /// A cluster whose primary is `primary`.
    pub fn new(primary: impl IntoConfig) -> Self {
        let mut c = ClusterConfig {
            primaries: Vec::new(),
            replicas: Vec::new(),
            selection: ReplicaSelection::default(),
            max_replica_lag: Duration::from_secs(10),
            check_every: Duration::from_secs(1),
            invalid: None,
        };
        if let Some(config) = c.parsed(primary) {
            c.primaries.push(config);
        }
        c
    }

    /// Adds a server that may become the primary (a replica that can be promoted). When the
    /// primary is lost, dal looks for the candidate that accepts writes, in the order given,
    /// and sends writes there; work in flight meanwhile fails with a retryable connection
    /// error, never with a write to a read-only server.
    pub fn failover_to(mut self, candidate: impl IntoConfig) -> Self {
        if let Some(config) = self.parsed(candidate) {
            self.primaries.push(config);
        }
        self
    }

    /// Adds a read replica.
    pub fn replica(mut self, replica: impl IntoConfig) -> Self {
        if let Some(config) = self.parsed(replica) {
            self.replicas.push(config);
        }
        self
    }

    /// Sets how a read picks among healthy replicas.
    pub fn replica_selection(mut self, selection: ReplicaSelection) -> Self {
        self.selection = selection;
        self
    }

    /// Sets how far behind its primary a replica may be and still serve reads.
    pub fn max_replica_lag(mut self, lag: Duration) -> Self {
        self.max_replica_lag = lag;
        self
    }

    /// Sets how often replicas (and, with failover candidates, the primary) are checked; at
    /// least 50 ms.
    pub fn check_every(mut self, every: Duration) -> Self {
        self.check_every = every.max(Duration::from_millis(50));
        self
    }

    fn parsed(&mut self, config: impl IntoConfig) -> Option<DbConfig> {
        match config.into_config() {
            Ok(config) => Some(config),
            Err(e) => {
                self.invalid.get_or_insert(e);
                None
            }
        }
    }

    /// The checked configuration: every URL valid, one backend, a server backend.
    pub(super) fn validated(mut self) -> Result<Self> {
        if let Some(e) = self.invalid.take() {
            return Err(e);
        }
        let Some(first) = self.primaries.first() else {
            return Err(Error::config("a cluster needs a primary"));
        };
        let backend = first.backend();
        if backend.dialect().accepts_writes_sql().is_none() {
            return Err(Error::config(format!(
                "{backend} has no replicas or failover: a cluster needs PostgreSQL or MySQL/MariaDB servers"
            )));
        }
        if let Some(other) =
            self.primaries.iter().chain(&self.replicas).find(|c| c.backend() != backend)
        {
            return Err(Error::config(format!(
                "every server of a cluster must be of one backend: the primary is {backend}, {other} is {}",
                other.backend()
            )));
        }
        Ok(self)
    }
}
