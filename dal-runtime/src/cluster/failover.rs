//! The primary and the candidates that may take over from it: which one takes writes now,
//! and the search for the one that accepts writes once it is lost.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::error::{Error, ErrorKind, Result};

/// The metric counting times writes moved to another primary candidate.
pub(super) const FAILOVERS: &str = "dal.cluster.failovers";
use crate::pool::Pool;

/// Primary candidates, in the order they were configured, and the one in use.
#[derive(Debug)]
pub(crate) struct Primaries {
    pub(crate) pools: Vec<Pool>,
    /// Counts failovers in the metrics, labelled with the cluster's name.
    failover_counter: metrics::Counter,
    current: AtomicUsize,
    failovers: AtomicU64,
}

impl Primaries {
    pub(super) fn new(pools: Vec<Pool>, name: &str) -> Self {
        let failover_counter = metrics::counter!(FAILOVERS, "dal.cluster.name" => name.to_owned());
        Primaries {
            pools,
            failover_counter,
            current: AtomicUsize::new(0),
            failovers: AtomicU64::new(0),
        }
    }

    /// The pool writes go to now.
    pub(crate) fn current(&self) -> &Pool {
        &self.pools[self.current.load(Ordering::Acquire)]
    }

    /// Times writes moved to another candidate.
    pub(crate) fn failovers(&self) -> u64 {
        self.failovers.load(Ordering::Relaxed)
    }

    /// Whether there is anything to fail over to.
    pub(crate) fn can_fail_over(&self) -> bool {
        self.pools.len() > 1
    }

    /// Asks every candidate, the current one first, whether it accepts writes (each on a
    /// connection of its own, so no pool's breaker counts the refusals), and makes the first
    /// that does the primary. Errors when none does, naming what each answered.
    pub(crate) async fn find_writable(&self) -> Result<&Pool> {
        let n = self.pools.len();
        let start = self.current.load(Ordering::Acquire);
        let mut answers = Vec::with_capacity(n);
        for i in (0..n).map(|k| (start + k) % n) {
            let pool = &self.pools[i];
            match accepts_writes(pool).await {
                Ok(true) => {
                    if self.current.swap(i, Ordering::AcqRel) != i {
                        self.failovers.fetch_add(1, Ordering::Relaxed);
                        self.failover_counter.increment(1);
                        tracing::warn!(primary = %pool.config(), "writes now go to a new primary");
                    }
                    return Ok(pool);
                }
                Ok(false) => answers.push(format!("{}: read-only", pool.config().endpoint())),
                Err(e) => answers.push(format!("{}: {}", pool.config().endpoint(), e.message())),
            }
        }
        Err(Error::new(
            ErrorKind::Connection,
            format!("no primary candidate accepts writes ({})", answers.join("; ")),
        ))
    }
}

/// Whether the server behind `pool` accepts writes, asked on a side connection.
async fn accepts_writes(pool: &Pool) -> Result<bool> {
    let Some(sql) = pool.backend().dialect().accepts_writes_sql() else { return Ok(true) };
    let row = pool.probe(sql).await?;
    Ok(row.map(|r| r.get::<i64>(0)).transpose()? == Some(1))
}
