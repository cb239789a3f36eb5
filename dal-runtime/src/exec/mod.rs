//! One statement's pipeline, in the order its stages run:
//!
//! 1. **deadline** (`deadline.rs`): the statement's limit — its own timeout, else the pool's
//!    `query_timeout`, capped by what is left of the transaction's budget — and the wait for
//!    the driver under it (behind a transaction pooler the server keeps the limit and the
//!    client waits a grace longer);
//! 2. **server stop** (`stop.rs`): past the limit, the statement is stopped where it runs
//!    (the session ended on the server, or SQLite interrupted);
//! 3. **trace** (`trace.rs`): the `db.query` span the driver call runs in;
//! 4. **statement cache** (`cache.rs`): how the statement goes to the server (cached,
//!    one-off, inline) and the hit or miss in the connection's prepared-statement cache;
//! 5. **outcome** (`outcome.rs`): duration and slow-query log, timeouts counted, and the
//!    connection's state settled (unknown state, breaker verdict, failure counts).
//!
//! Every statement the runtime sends (raw queries, entity statements, cluster probes) goes
//! through one of the functions below, each the same four lines: [`Statement::start`] (the
//! stages before the driver call), the driver call itself, [`Statement::wait`] and
//! [`Statement::finish`] (the stages after it). A reader or a debugger follows a save from
//! `Repo::save` to here and from here to the driver with "go to definition"; no macro hides a
//! step.

mod cache;
mod deadline;
mod outcome;
mod stop;
mod trace;

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::stream::BoxStream;
use sqlx::SqlStr;

use crate::driver::{ExecResult, Protocol};
use crate::error::Result;
use crate::observe::{Lookup, RowCount};
use crate::pool::PooledConnection;
use crate::types::{Row, Value};

/// Runs a statement and reports what it changed.
pub(crate) async fn execute(
    conn: &mut PooledConnection,
    sql: SqlStr,
    params: &[Value<'_>],
    timeout: Option<Duration>,
) -> Result<ExecResult> {
    let stmt = Statement::start(conn, &sql, params.len(), timeout)?;
    let call = conn.raw()?.execute(sql, params, stmt.protocol);
    let answer = stmt.wait(call).await;
    stmt.finish(conn, answer).await
}

/// Runs a query and returns every row.
pub(crate) async fn fetch_all(
    conn: &mut PooledConnection,
    sql: SqlStr,
    params: &[Value<'_>],
    timeout: Option<Duration>,
) -> Result<Vec<Row>> {
    let stmt = Statement::start(conn, &sql, params.len(), timeout)?;
    let call = conn.raw()?.fetch_all(sql, params, stmt.protocol);
    let answer = stmt.wait(call).await;
    stmt.finish(conn, answer).await
}

/// Runs a query and returns every row mapped with `map`, row by row as they arrive.
pub(crate) async fn fetch_all_map<T>(
    conn: &mut PooledConnection,
    sql: SqlStr,
    params: &[Value<'_>],
    timeout: Option<Duration>,
    map: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    let stmt = Statement::start(conn, &sql, params.len(), timeout)?;
    let call = conn.raw()?.fetch_all_map(sql, params, map, stmt.protocol);
    let answer = stmt.wait(call).await;
    stmt.finish(conn, answer).await
}

/// Runs a query and returns its first row.
pub(crate) async fn fetch_optional(
    conn: &mut PooledConnection,
    sql: SqlStr,
    params: &[Value<'_>],
    timeout: Option<Duration>,
) -> Result<Option<Row>> {
    let stmt = Statement::start(conn, &sql, params.len(), timeout)?;
    let call = conn.raw()?.fetch_optional(sql, params, stmt.protocol);
    let answer = stmt.wait(call).await;
    stmt.finish(conn, answer).await
}

/// Starts streaming rows: no deadline (the caller reads at its own pace), counted and cached
/// like any statement. The connection counts as in an unknown state until the caller reads
/// the stream to its end and calls [`PooledConnection::finish_stream`].
pub(crate) fn fetch_stream<'c>(
    conn: &'c mut PooledConnection,
    sql: SqlStr,
    params: &[Value<'_>],
) -> Result<BoxStream<'c, Result<Row>>> {
    conn.backend().dialect().check_param_count(params.len())?;
    conn.pool_inner().count_statement();
    let protocol = cache::protocol(conn, None);
    let lookup = cache::lookup(conn, &sql, protocol);
    cache::prepared(conn, lookup);
    conn.raw()?.fetch_stream(sql, params, protocol)
}

/// One statement on its way through the stages: what the stages before the driver call
/// decided, for the stages after it.
struct Statement {
    text: SqlStr,
    limit: Option<Duration>,
    protocol: Protocol,
    span: tracing::Span,
    lookup: Option<Lookup>,
    started: Instant,
    /// Stops the statement at its deadline even while the driver does not yield.
    watchdog: Option<stop::Watchdog>,
}

/// How the wait for the driver ended.
enum Answer<T> {
    /// The driver answered in time.
    Given(Result<T>),
    /// The statement's limit (given back) passed first.
    Late(Duration),
}

impl Statement {
    /// The stages before the driver call: the parameter count against the backend's limit,
    /// the deadline, the span, the protocol and the statement cache lookup.
    fn start(
        conn: &mut PooledConnection,
        sql: &SqlStr,
        params: usize,
        timeout: Option<Duration>,
    ) -> Result<Statement> {
        conn.backend().dialect().check_param_count(params)?;
        let limit = deadline::limit(conn, timeout)?;
        conn.pool_inner().count_statement();
        let span = trace::query_span(conn, sql);
        let protocol = cache::protocol(conn, limit);
        let lookup = cache::lookup(conn, sql, protocol);
        let watchdog = stop::Watchdog::arm(conn, limit);
        Ok(Statement {
            text: sql.clone(),
            limit,
            protocol,
            span,
            lookup,
            started: Instant::now(),
            watchdog,
        })
    }

    /// Waits for the driver call, in the statement's span, under its limit.
    ///
    /// A plain function rather than an `async fn`, so the statement's future holds the driver
    /// call once (see [`crate::rt::timeout`]).
    fn wait<T>(&self, call: impl Future<Output = Result<T>>) -> impl Future<Output = Answer<T>> {
        use futures_util::FutureExt;
        let call = tracing::Instrument::instrument(call, self.span.clone());
        deadline::wait(self.limit, self.protocol, call).map(|waited| match waited {
            deadline::Waited::Done(result) => Answer::Given(result),
            deadline::Waited::Past(limit) => Answer::Late(limit),
        })
    }

    /// The stages after the driver call: a late statement is stopped on the server and
    /// counted; an answer is timed (slow log), recorded in the span and the statement cache,
    /// and settles the connection.
    async fn finish<T: RowCount>(
        self,
        conn: &mut PooledConnection,
        answer: Answer<T>,
    ) -> Result<T> {
        let stopped = self.watchdog.as_ref().is_some_and(stop::Watchdog::disarm);
        let result = match (answer, self.limit) {
            // The watchdog stopped it: a failure is the timeout; a statement that finished
            // first keeps its result, on a connection that cannot be reused.
            (Answer::Given(Err(_)), Some(limit)) if stopped => {
                stop::on_server(conn).await;
                return Err(outcome::timed_out(conn, limit, self.started.elapsed()));
            }
            (Answer::Given(result), _) => result,
            (Answer::Late(limit), _) => {
                stop::on_server(conn).await;
                return Err(outcome::timed_out(conn, limit, self.started.elapsed()));
            }
        };

        outcome::record_duration(conn, self.started.elapsed(), &self.text);
        if let Ok(done) = &result {
            trace::record_rows(&self.span, done);
            cache::prepared(conn, self.lookup);
        }
        let settled = outcome::settle(conn, result, self.limit, self.protocol, self.started);
        if stopped {
            // Its interrupt flag is set: the connection goes, whatever the statement did.
            conn.mark_unknown();
        }
        settled
    }
}
