//! The task that watches a cluster: it checks the replicas' health and lag every
//! `check_every`, and, when there are failover candidates, notices a lost primary (new
//! connection failures on its pool, or a periodic check) and searches for the candidate that
//! now accepts writes. It holds the cluster weakly and ends with it.

use std::sync::Weak;
use std::time::{Duration, Instant};

use sqlx::SqlStr;

use super::Cluster;

/// How often the primary's connection-failure count is looked at (an atomic read, no I/O).
const TICK: Duration = Duration::from_millis(100);

/// While no candidate accepts writes, how often they are asked again.
const SEARCH_EVERY: Duration = Duration::from_millis(500);

pub(super) async fn watch(cluster: Weak<Cluster>) {
    let mut last_check = Instant::now();
    let mut seen_failures = None;
    let mut searching_since: Option<Instant> = None;
    loop {
        crate::rt::sleep(TICK).await;
        let Some(c) = cluster.upgrade() else { return };
        if c.primaries.current().is_closed() {
            return;
        }
        let due = last_check.elapsed() >= c.check_every;
        if c.primaries.can_fail_over() {
            let failures = c.primaries.current().connection_failures();
            let failed = seen_failures.is_some_and(|seen| seen != failures);
            seen_failures = Some(failures);
            let search_due = searching_since.is_none_or(|t| t.elapsed() >= SEARCH_EVERY);
            if (failed || due || searching_since.is_some()) && search_due {
                searching_since = if primary_ok(&c).await {
                    None
                } else {
                    match c.primaries.find_writable().await {
                        Ok(_) => None,
                        Err(e) => {
                            tracing::warn!(error = %e, "the primary is lost and no candidate accepts writes yet");
                            Some(Instant::now())
                        }
                    }
                };
                seen_failures = Some(c.primaries.current().connection_failures());
            }
        }
        if due {
            let limit = c.check_every.max(Duration::from_secs(2));
            let checks = c.replicas.replicas.iter().map(|r| r.check(c.max_replica_lag, limit));
            futures_util::future::join_all(checks).await;
            last_check = Instant::now();
        }
    }
}

/// Whether the current primary answers through its pool and still accepts writes.
async fn primary_ok(c: &Cluster) -> bool {
    let pool = c.primaries.current();
    let Some(sql) = pool.backend().dialect().accepts_writes_sql() else { return true };
    let ask = async {
        let mut conn = pool.acquire().await?;
        let row =
            crate::exec::fetch_optional(&mut conn, SqlStr::from_static(sql), &[], None).await?;
        row.map(|r| r.get::<i64>(0)).transpose()
    };
    matches!(
        crate::rt::timeout(c.check_every.max(Duration::from_secs(1)), ask).await,
        Some(Ok(Some(1)))
    )
}
