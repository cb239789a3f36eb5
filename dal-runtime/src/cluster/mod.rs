//! Clusters: a primary, the candidates that may take over from it, and read replicas,
//! behind one [`Database`](crate::Database) handle.
//!
//! Reads outside a transaction go to a healthy replica (see [`ReplicaSelection`]); writes and
//! every statement of a transaction go to the primary. A replica that fails a check, lags
//! more than allowed, or loses a read's connection is taken out of rotation (that read moves
//! on to the next replica, then to the primary) and is put back once a check finds it
//! healthy; reads that find no healthy replica go to the primary and are counted. With
//! failover candidates, a lost primary is replaced by the first candidate that accepts
//! writes; work in flight meanwhile fails with a retryable connection error.

mod config;
mod failover;
mod monitor;
mod replicas;
mod status;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use self::config::{ClusterConfig, ReplicaSelection};
pub(crate) use self::failover::Primaries;
pub(crate) use self::replicas::{Replica, ReplicaSet};
pub use self::status::{ClusterStatus, ReplicaStatus};
use crate::error::Result;
use crate::pool::PoolManager;

/// The shared state of a cluster (one per `connect_cluster`, shared by its handles).
pub(crate) struct Cluster {
    pub(crate) primaries: Primaries,
    pub(crate) replicas: ReplicaSet,
    max_replica_lag: Duration,
    check_every: Duration,
    fallback_reads: AtomicU64,
    /// Counts fallback reads in the metrics, labelled with the cluster's name.
    fallback_counter: metrics::Counter,
}

/// The servers as URLs without the password, where writes go now, and how each replica is.
impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = |pool: &crate::pool::Pool| format!("{}", pool.config());
        let candidates: Vec<String> = self.primaries.pools.iter().map(url).collect();
        let replicas = std::fmt::from_fn(|f| {
            let mut list = f.debug_list();
            for r in &self.replicas.replicas {
                list.entry(&std::fmt::from_fn(|f| {
                    f.debug_struct("Replica")
                        .field("url", &url(&r.pool))
                        .field("healthy", &r.is_healthy())
                        .field("lag", &r.lag())
                        .field("reads", &r.reads())
                        .finish_non_exhaustive()
                }));
            }
            list.finish()
        });
        f.debug_struct("Cluster")
            .field("primary", &url(self.primaries.current()))
            .field("candidates", &candidates)
            .field("replicas", &replicas)
            .field("max_replica_lag", &self.max_replica_lag)
            .field("check_every", &self.check_every)
            .field("failovers", &self.primaries.failovers())
            .field("fallback_reads", &self.fallback_reads.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The metric counting reads that found no healthy replica.
const FALLBACK_READS: &str = "dal.cluster.fallback_reads";

impl Cluster {
    /// Makes (or finds) the pools, finds the candidate that accepts writes, checks every
    /// replica once, and starts the task that watches them.
    pub(crate) async fn connect(config: ClusterConfig) -> Result<Arc<Cluster>> {
        let config = config.validated()?;
        let manager = PoolManager::global();
        let primaries = config
            .primaries
            .iter()
            .map(|c| {
                // A connection to a candidate that does not accept writes is refused, so no
                // write ever lands on a read-only server by way of a stale pool.
                let options = c.pool().clone().read_write_only(true);
                manager.pool(&c.clone().pool_options(options))
            })
            .collect::<Result<Vec<_>>>()?;
        let replicas = config
            .replicas
            .iter()
            .map(|c| manager.pool(c).map(Replica::new))
            .collect::<Result<Vec<_>>>()?;
        // The first primary's alias, or its URL without the password: what metrics call it.
        let name = config.primaries[0]
            .alias_name()
            .map_or_else(|| config.primaries[0].to_string(), str::to_owned);
        metrics::describe_counter!(
            FALLBACK_READS,
            "Reads that found no healthy replica and ran on the primary."
        );
        metrics::describe_counter!(
            failover::FAILOVERS,
            "Times writes moved to another primary candidate."
        );
        let cluster = Arc::new(Cluster {
            fallback_counter: metrics::counter!(FALLBACK_READS, "dal.cluster.name" => name.clone()),
            primaries: Primaries::new(primaries, &name),
            replicas: ReplicaSet::new(replicas, config.selection),
            max_replica_lag: config.max_replica_lag,
            check_every: config.check_every,
            fallback_reads: AtomicU64::new(0),
        });
        let primary = cluster.primaries.find_writable().await?;
        primary.warm_up().await?;
        let limit = cluster.check_every.max(Duration::from_secs(2));
        let checks =
            cluster.replicas.replicas.iter().map(|r| r.check(cluster.max_replica_lag, limit));
        futures_util::future::join_all(checks).await;
        // Without a runtime to watch on, replicas keep the health of their first check.
        let _ = crate::rt::spawn(monitor::watch(Arc::downgrade(&cluster)));
        Ok(cluster)
    }

    /// Counts a read that found no healthy replica and went to the primary.
    pub(crate) fn count_fallback(&self) {
        self.fallback_reads.fetch_add(1, Ordering::Relaxed);
        self.fallback_counter.increment(1);
    }

    /// A snapshot of where work goes and how the replicas are.
    pub(crate) fn status(&self) -> ClusterStatus {
        ClusterStatus {
            primary: self.primaries.current().config().to_string(),
            failovers: self.primaries.failovers(),
            fallback_reads: self.fallback_reads.load(Ordering::Relaxed),
            replicas: self
                .replicas
                .replicas
                .iter()
                .map(|r| ReplicaStatus {
                    endpoint: r.pool.config().to_string(),
                    healthy: r.is_healthy(),
                    lag: r.lag(),
                    reads: r.reads(),
                    last_error: r.last_error(),
                })
                .collect(),
        }
    }
}
