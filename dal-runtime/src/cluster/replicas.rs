//! The read replicas of a cluster: each one's health as the checks and the reads see it, and
//! the order in which a read tries them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::SqlStr;

use super::config::ReplicaSelection;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{Pool, PooledConnection};

/// One replica and what dal knows of it.
#[derive(Debug)]
pub(crate) struct Replica {
    pub(crate) pool: Pool,
    healthy: AtomicBool,
    /// The lag the last check measured, in milliseconds; `u64::MAX` before the first.
    lag_ms: AtomicU64,
    reads: AtomicU64,
    /// Why it was last taken out of rotation.
    last_error: Mutex<Option<String>>,
}

impl Replica {
    pub(super) fn new(pool: Pool) -> Self {
        Replica {
            pool,
            // Out of rotation until its first check, which runs before `connect_cluster`
            // returns.
            healthy: AtomicBool::new(false),
            lag_ms: AtomicU64::new(u64::MAX),
            reads: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    pub(crate) fn lag(&self) -> Option<Duration> {
        match self.lag_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn count_read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes the replica out of rotation until a check finds it healthy again.
    pub(crate) fn take_out(&self, why: &str) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.to_owned());
        if self.healthy.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.pool.config(), reason = why, "read replica taken out of rotation");
        }
    }

    fn put_back(&self, lag: Duration) {
        self.lag_ms
            .store(u64::try_from(lag.as_millis()).unwrap_or(u64::MAX - 1), Ordering::Relaxed);
        if !self.healthy.swap(true, Ordering::AcqRel) {
            tracing::info!(replica = %self.pool.config(), "read replica back in rotation");
        }
    }

    /// Measures the replica's lag through its pool, within `limit`, and takes it out of or
    /// puts it back into rotation.
    pub(super) async fn check(&self, max_lag: Duration, limit: Duration) {
        match crate::rt::timeout(limit, self.measure_lag()).await {
            None => self.take_out(&format!("its health check got no answer within {limit:?}")),
            Some(Err(e)) => self.take_out(&format!("its health check failed: {e}")),
            Some(Ok(lag)) if lag > max_lag => {
                self.lag_ms.store(
                    u64::try_from(lag.as_millis()).unwrap_or(u64::MAX - 1),
                    Ordering::Relaxed,
                );
                self.take_out(&format!(
                    "it is {:.1} s behind its primary, more than the {:.1} s allowed",
                    lag.as_secs_f64(),
                    max_lag.as_secs_f64()
                ));
            }
            Some(Ok(lag)) => self.put_back(lag),
        }
    }

    async fn measure_lag(&self) -> Result<Duration> {
        let dialect = self.pool.backend().dialect();
        let Some(sql) = dialect.replica_lag_sql() else { return Ok(Duration::ZERO) };
        let mut conn: PooledConnection = self.pool.acquire().await?;
        let Some(row) =
            crate::exec::fetch_optional(&mut conn, SqlStr::from_static(sql), &[], None).await?
        else {
            // MySQL/MariaDB list nothing for a server that replicates from no one.
            return Ok(Duration::ZERO);
        };
        let mut seconds = None;
        for column in dialect.replica_lag_columns() {
            if let Ok(value) = row.get::<Option<f64>>(*column) {
                seconds = Some(value);
                break;
            }
            if let Ok(value) = row.get::<Option<i64>>(*column) {
                seconds = Some(value.map(|s| s as f64));
                break;
            }
        }
        match seconds {
            Some(Some(s)) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
            Some(Some(_)) => Ok(Duration::ZERO),
            Some(None) => Err(Error::new(
                ErrorKind::Connection,
                "replication is not running on it (the server reports no lag)",
            )),
            None => Err(Error::new(ErrorKind::Decode, "its replication status has no lag column")),
        }
    }
}

/// The replicas of a cluster and the rule that orders them for a read.
#[derive(Debug)]
pub(crate) struct ReplicaSet {
    pub(crate) replicas: Vec<Replica>,
    selection: ReplicaSelection,
    next: AtomicUsize,
}

impl ReplicaSet {
    pub(super) fn new(replicas: Vec<Replica>, selection: ReplicaSelection) -> Self {
        ReplicaSet { replicas, selection, next: AtomicUsize::new(0) }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.replicas.is_empty()
    }

    /// The healthy replicas in the order one read should try them.
    pub(crate) fn for_read(&self) -> Vec<&Replica> {
        let n = self.replicas.len();
        if n == 0 {
            return Vec::new();
        }
        let mut order: Vec<&Replica> = match self.selection {
            ReplicaSelection::RoundRobin => {
                let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
                (0..n).map(|i| &self.replicas[(start + i) % n]).collect()
            }
            ReplicaSelection::LeastBusy => {
                let mut all: Vec<(usize, &Replica)> = self
                    .replicas
                    .iter()
                    .map(|r| {
                        let s = r.pool.status();
                        (s.in_use as usize + s.waiters, r)
                    })
                    .collect();
                all.sort_by_key(|(busy, _)| *busy);
                all.into_iter().map(|(_, r)| r).collect()
            }
        };
        order.retain(|r| r.is_healthy());
        order
    }
}
