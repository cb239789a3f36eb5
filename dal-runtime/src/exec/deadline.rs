//! Stage 1: the statement's limit, and the wait for the driver under it.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::driver::Protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{PooledConnection, human};

/// Behind a transaction pooler the server enforces a statement's limit (there is no session
/// to end from outside); the client waits this much longer before it gives the connection up.
const SERVER_TIMEOUT_GRACE: Duration = Duration::from_millis(500);

/// The limit for the next statement: the shortest of its own timeout (or the pool's default)
/// and what is left of the transaction's budget. A spent budget is a timeout error before
/// anything is sent.
pub(super) fn limit(
    conn: &PooledConnection,
    requested: Option<Duration>,
) -> Result<Option<Duration>> {
    let own = requested.or(conn.pool_inner().options.query_timeout);
    let Some((deadline, budget)) = conn.transaction_budget() else { return Ok(own) };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "the transaction's time budget of {} is spent; it will be rolled back",
                human(budget)
            ),
        ));
    }
    Ok(Some(own.map_or(left, |own| own.min(left))))
}

/// How a wait under a limit ended.
pub(super) enum Waited<T> {
    /// The driver answered in time.
    Done(T),
    /// The limit (given back) passed first.
    Past(Duration),
}

/// Waits for `op` under `limit`: no timer at all without one.
/// A plain function rather than an `async fn`, so the statement's future holds the driver call
/// once (see [`crate::rt::timeout`]).
pub(super) fn wait<F: Future>(
    limit: Option<Duration>,
    protocol: Protocol,
    op: F,
) -> impl Future<Output = Waited<F::Output>> {
    use futures_util::FutureExt;
    use futures_util::future::Either;
    let Some(limit) = limit else { return Either::Left(op.map(Waited::Done)) };
    Either::Right(crate::rt::timeout(client_wait(limit, protocol), op).map(move |answer| {
        match answer {
            Some(done) => Waited::Done(done),
            None => Waited::Past(limit),
        }
    }))
}

/// How long the client waits for a statement with `limit` before it stops it itself.
fn client_wait(limit: Duration, protocol: Protocol) -> Duration {
    match protocol {
        Protocol::Inline { .. } => limit.saturating_add(SERVER_TIMEOUT_GRACE),
        Protocol::Cached | Protocol::OneOff => limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_wait_of_an_endless_limit_saturates() {
        let inline =
            Protocol::Inline { statement_timeout: Some(Duration::MAX), in_transaction: false };
        assert_eq!(client_wait(Duration::MAX, inline), Duration::MAX);
        assert_eq!(client_wait(Duration::MAX, Protocol::Cached), Duration::MAX);
        assert_eq!(client_wait(Duration::from_secs(1), inline), Duration::from_millis(1500));
    }
}
