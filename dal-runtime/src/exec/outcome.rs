//! Stage 5: what a statement's outcome does to the pool's figures and to the connection.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sqlx::SqlStr;

use crate::driver::Protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{PooledConnection, human};

/// Records a statement's duration; past the soft limit it is also logged, counted and kept in
/// the pool's list of slowest queries (by fingerprint, with its tags).
pub(super) fn record_duration(conn: &PooledConnection, elapsed: Duration, sql: &SqlStr) {
    let pool = conn.pool_inner();
    pool.observer.statement(elapsed);
    if pool.options.slow_query_threshold.is_some_and(|t| elapsed >= t) {
        pool.slow_queries.fetch_add(1, Ordering::Relaxed);
        let slow = pool.observer.slowest.record(sql.as_str(), elapsed);
        tracing::warn!(
            pool = %pool.config,
            elapsed_ms = elapsed.as_millis() as u64,
            fingerprint = slow.fingerprint.as_str(),
            tags = slow.tags.as_str(),
            "slow query"
        );
    }
}

/// Counts a statement stopped at its limit (also against the breaker) and returns the
/// caller's error.
pub(super) fn timed_out(conn: &mut PooledConnection, limit: Duration, took: Duration) -> Error {
    let pool = conn.pool_inner();
    pool.query_timeouts.fetch_add(1, Ordering::Relaxed);
    pool.observer.statement_timed_out(took);
    let e = Error::new(
        ErrorKind::Timeout,
        format!(
            "the query did not finish within its timeout of {}; it was stopped on the server",
            human(limit)
        ),
    );
    conn.record_verdict(Some(&e));
    e
}

/// Settles the connection after the driver answered: a limit the server kept itself (behind a
/// transaction pooler) is a counted timeout on a connection that is as good as after any
/// error; anything else goes to the lease ([`PooledConnection::settle`]: unknown state,
/// breaker verdict, failure counts).
pub(super) fn settle<T>(
    conn: &mut PooledConnection,
    result: Result<T>,
    limit: Option<Duration>,
    protocol: Protocol,
    started: Instant,
) -> Result<T> {
    if let (Some(limit), Err(e)) = (limit, &result)
        && stopped_by_server_timeout(protocol, e)
    {
        let e = timed_out(conn, limit, started.elapsed());
        conn.mark_known();
        return Err(e);
    }
    conn.settle(result)
}

/// Whether `e` is the server cancelling a statement at the limit dal set in its message
/// (SQLSTATE 57014, query_canceled).
fn stopped_by_server_timeout(protocol: Protocol, e: &Error) -> bool {
    matches!(protocol, Protocol::Inline { statement_timeout: Some(_), .. })
        && e.code() == Some("57014")
}
