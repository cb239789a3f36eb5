//! [`PooledConnection`]: a connection on loan from a pool, returned when dropped.
//!
//! The guard knows two facts the pool needs when it comes back:
//! - whether a transaction is open on it: then it is rolled back (on a spawned task, holding its
//!   pool permit) before anyone else can acquire it;
//! - whether its state is unknown: an operation was cancelled mid-flight, or the connection
//!   failed. Then it is closed, never reused. Every operation marks the guard unknown before its
//!   first await and clears the mark when it completes, so a dropped future leaves the mark set.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::stream::BoxStream;
use sqlx::SqlStr;
use tokio::sync::OwnedSemaphorePermit;

use super::inner::{Live, PoolInner};
use crate::driver::{ExecResult, Protocol, RawConnection};
use crate::error::{Error, ErrorKind, Result};
use crate::observe::{Lookup, RowCount};
use crate::pool::human;
use crate::resilience::Admission;
use crate::types::Row;
use crate::types::Value;

/// Runs `$call` on the raw connection under the limit for `$timeout`: counted, traced, timed
/// against the soft limit, stopped on the server past the hard one, and settled; the
/// statement cache's hit or miss is counted.
macro_rules! within {
    ($self:ident, $timeout:expr, $sql:ident, $call:ident($($arg:expr),*)) => {{
        let limit = $self.limit($timeout)?;
        $self.pool.count_statement();
        let span = $self.query_span(&$sql);
        let protocol = $self.protocol(limit);
        let lookup = $self.cache_lookup(&$sql, protocol);
        let started = Instant::now();
        let text = $sql.clone();
        let op = $self.raw()?.$call($sql, $($arg,)* protocol);
        let op = tracing::Instrument::instrument(op, span.clone());
        let result = match limit {
            None => op.await,
            Some(limit) => match crate::rt::timeout(client_wait(limit, protocol), op).await {
                Some(result) => result,
                None => return Err($self.timed_out(limit, started.elapsed()).await),
            },
        };
        $self.observe_duration(started.elapsed(), &text);
        if let Ok(done) = &result {
            span.record("db.response.returned_rows", RowCount::rows(done));
            $self.cache_prepared(lookup);
        }
        if let (Some(limit), Err(e)) = (limit, &result)
            && stopped_by_server_timeout(protocol, e)
        {
            // The server kept the limit itself; the connection is as good as after any error.
            let e = $self.count_timeout(limit, started.elapsed());
            $self.unknown_state = false;
            return Err(e);
        }
        $self.settle(result)
    }};
}

/// Behind a transaction pooler the server enforces a statement's limit (there is no session
/// to end from outside); the client waits this much longer before it gives the connection up.
const SERVER_TIMEOUT_GRACE: Duration = Duration::from_millis(500);

/// How long the client waits for a statement with `limit` before it stops it itself.
fn client_wait(limit: Duration, protocol: Protocol) -> Duration {
    match protocol {
        Protocol::Inline { .. } => limit.saturating_add(SERVER_TIMEOUT_GRACE),
        Protocol::Cached | Protocol::OneOff => limit,
    }
}

/// Whether `e` is the server cancelling a statement at the limit dal set in its message
/// (SQLSTATE 57014, query_canceled).
fn stopped_by_server_timeout(protocol: Protocol, e: &Error) -> bool {
    matches!(protocol, Protocol::Inline { statement_timeout: Some(_), .. })
        && e.code() == Some("57014")
}

/// A connection borrowed from a pool.
///
/// `Debug` shows its pool (URL without the password, and hash), the server's session id, the
/// connection's age and its transaction state; never the driver's connect options.
pub struct PooledConnection {
    live: Option<Live>,
    permit: Option<OwnedSemaphorePermit>,
    /// The bulk-share permit of a [`super::Priority::Bulk`] acquire.
    _bulk: Option<OwnedSemaphorePermit>,
    pool: Arc<PoolInner>,
    /// A half-open breaker's probe: the first operation's outcome is its verdict.
    probe: Option<Admission>,
    /// The open transaction's budget and when it runs out.
    deadline: Option<(Instant, Duration)>,
    /// The open transaction, with what must run after it ends.
    transaction: Option<OpenTransaction>,
    unknown_state: bool,
    /// This lending's entry in the pool's registry of connections lent out.
    ticket: u64,
    /// The open transaction's tracing span, parent of its statements' spans.
    transaction_span: Option<tracing::Span>,
    /// An operation failed with a serialization failure or deadlock since the transaction
    /// began: the whole transaction may succeed if run again.
    saw_serialization_failure: bool,
}

impl std::fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PooledConnection")
            .field("pool", &self.pool.config.to_string())
            .field("hash", &format_args!("{}", self.pool.config.hash()))
            .field("connection", &self.live)
            .field("in_transaction", &self.transaction.is_some())
            .field("transaction_budget", &self.deadline.map(|(_, budget)| budget))
            .field("unknown_state", &self.unknown_state)
            .field("ticket", &self.ticket)
            .finish_non_exhaustive()
    }
}

/// A transaction open on a connection.
#[derive(Debug, Clone, Copy)]
struct OpenTransaction {
    /// Statement that restores the session once the transaction ends (e.g. SQLite's
    /// `PRAGMA query_only = OFF`).
    after: Option<&'static str>,
}

impl PooledConnection {
    pub(super) fn new(
        live: Live,
        permit: OwnedSemaphorePermit,
        bulk: Option<OwnedSemaphorePermit>,
        pool: Arc<PoolInner>,
    ) -> Self {
        let ticket = pool.lent.lend(pool.options.capture_acquire_backtraces);
        PooledConnection {
            ticket,
            transaction_span: None,
            saw_serialization_failure: false,
            live: Some(live),
            permit: Some(permit),
            _bulk: bulk,
            pool,
            probe: None,
            deadline: None,
            transaction: None,
            unknown_state: false,
        }
    }

    /// The pool this connection came from.
    pub fn pool(&self) -> super::Pool {
        super::Pool { inner: Arc::clone(&self.pool) }
    }

    /// The backend of this connection.
    pub fn backend(&self) -> crate::Backend {
        self.pool.config.backend()
    }

    /// Whether this connection has an open transaction.
    pub fn in_transaction(&self) -> bool {
        self.transaction.is_some()
    }

    /// Whether an operation failed with a serialization failure or deadlock since the current
    /// transaction began.
    pub fn saw_serialization_failure(&self) -> bool {
        self.saw_serialization_failure
    }

    pub(super) fn set_probe(&mut self, probe: Option<Admission>) {
        self.probe = probe;
    }

    /// Runs `begin` and remembers the transaction is open, with the statement (if any) that
    /// restores the session after it, and its time budget: every statement inside it is
    /// stopped (on the server) when the budget runs out.
    pub(crate) async fn begin_transaction(
        &mut self,
        begin: SqlStr,
        after: Option<&'static str>,
        budget: Option<Duration>,
    ) -> Result<()> {
        let span = tracing::debug_span!("db.transaction", db.system = self.backend().scheme());
        self.execute_unprepared(begin).await?;
        self.transaction_span = Some(span);
        self.transaction = Some(OpenTransaction { after });
        // A budget too large to add to the clock is no budget.
        self.deadline = budget.and_then(|b| Some((Instant::now().checked_add(b)?, b)));
        self.saw_serialization_failure = false;
        Ok(())
    }

    /// The limit for the next statement: the shortest of its own timeout (or the pool's
    /// default) and what is left of the transaction's budget. A spent budget is a timeout
    /// error before anything is sent.
    fn limit(&self, requested: Option<Duration>) -> Result<Option<Duration>> {
        let own = requested.or(self.pool.options.query_timeout);
        let Some((deadline, budget)) = self.deadline else { return Ok(own) };
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

    /// After a statement passed its limit: stops it on the server, counts it (also against
    /// the breaker) and returns the caller's error.
    async fn timed_out(&mut self, limit: Duration, took: Duration) -> Error {
        self.stop_on_server().await;
        self.count_timeout(limit, took)
    }

    /// Counts a statement stopped at its limit (also against the breaker) and returns the
    /// caller's error.
    fn count_timeout(&mut self, limit: Duration, took: Duration) -> Error {
        self.pool.query_timeouts.fetch_add(1, Ordering::Relaxed);
        self.pool.observer.statement_timed_out(took);
        let e = Error::new(
            ErrorKind::Timeout,
            format!(
                "the query did not finish within its timeout of {}; it was stopped on the server",
                human(limit)
            ),
        );
        self.pool.observe(&mut self.probe, Some(&e));
        e
    }

    /// Records a statement's duration; past the soft limit it is also logged, counted and
    /// kept in the pool's list of slowest queries (by fingerprint, with its tags).
    fn observe_duration(&self, elapsed: Duration, sql: &SqlStr) {
        let observer = &self.pool.observer;
        observer.statement(elapsed);
        if self.pool.options.slow_query_threshold.is_some_and(|t| elapsed >= t) {
            self.pool.slow_queries.fetch_add(1, Ordering::Relaxed);
            let slow = observer.slowest.record(sql.as_str(), elapsed);
            tracing::warn!(
                pool = %self.pool.config,
                elapsed_ms = elapsed.as_millis() as u64,
                fingerprint = slow.fingerprint.as_str(),
                tags = slow.tags.as_str(),
                "slow query"
            );
        }
    }

    /// The span of one statement: its operation, table, SQL text (placeholders only, never
    /// values) and, once done, rows; a child of the open transaction's span if any.
    fn query_span(&self, sql: &SqlStr) -> tracing::Span {
        let parent = self.transaction_span.clone().unwrap_or_else(tracing::Span::current);
        let span = tracing::debug_span!(
            parent: &parent,
            "db.query",
            db.system = self.backend().scheme(),
            db.operation.name = tracing::field::Empty,
            db.collection.name = tracing::field::Empty,
            db.query.text = tracing::field::Empty,
            db.response.returned_rows = tracing::field::Empty,
        );
        if !span.is_disabled() {
            let (operation, table) = crate::observe::operation_and_table(sql.as_str());
            span.record("db.operation.name", operation.as_str());
            if let Some(table) = table {
                span.record("db.collection.name", table.as_str());
            }
            span.record("db.query.text", sql.as_str());
        }
        span
    }

    /// How the next statement goes to the server, given its limit.
    fn protocol(&self, limit: Option<Duration>) -> Protocol {
        let options = &self.pool.options;
        if options.transaction_pooler {
            Protocol::Inline {
                statement_timeout: limit,
                in_transaction: self.transaction.is_some(),
            }
        } else if options.statement_cache_capacity > 0 {
            Protocol::Cached
        } else {
            Protocol::OneOff
        }
    }

    /// Looks the statement up in this connection's mirror of the driver's statement cache.
    fn cache_lookup(&mut self, sql: &SqlStr, protocol: Protocol) -> Option<Lookup> {
        let live = self.live.as_mut().filter(|_| protocol == Protocol::Cached)?;
        Some(live.statements.lookup(sql.as_str(), &self.pool.observer.cache))
    }

    /// After a statement ran: a missed one is now held by the driver's cache.
    fn cache_prepared(&mut self, lookup: Option<Lookup>) {
        let (Some(lookup), Some(live)) = (lookup, self.live.as_mut()) else { return };
        let capacity = self.pool.options.statement_cache_capacity;
        live.statements.prepared(lookup, capacity, &self.pool.observer.cache);
    }

    /// Runs `end` (COMMIT or ROLLBACK), then restores the session. When `end` fails the
    /// transaction counts as open still: the pool rolls back before reuse, which is harmless if
    /// the server already did.
    pub(crate) async fn end_transaction(&mut self, end: SqlStr) -> Result<()> {
        self.deadline = None;
        self.transaction_span = None;
        self.execute_unprepared(end).await?;
        if let Some(after) = self.transaction.take().and_then(|t| t.after) {
            self.execute_unprepared(SqlStr::from_static(after)).await?;
        }
        Ok(())
    }

    fn raw(&mut self) -> Result<&mut RawConnection> {
        if self.pool.is_forced() {
            // The connection is closed when the guard drops, ending any open transaction.
            self.unknown_state = true;
            return Err(Error::new(
                ErrorKind::Closed,
                format!(
                    "the pool for {} was closed by force; work still in progress was stopped and rolled back",
                    self.pool.config
                ),
            ));
        }
        if self.unknown_state {
            return Err(Error::new(
                ErrorKind::Connection,
                "the connection was left in an unknown state by an interrupted operation and cannot be used",
            ));
        }
        self.unknown_state = true;
        match self.live.as_mut() {
            Some(live) => Ok(&mut live.raw),
            None => Err(Error::new(ErrorKind::Closed, "the connection was already returned")),
        }
    }

    /// Clears the mark set by [`Self::raw`] unless the operation showed the connection is
    /// unusable.
    fn settle<T>(&mut self, result: Result<T>) -> Result<T> {
        self.pool.observe(&mut self.probe, result.as_ref().err());
        if let Err(e) = &result {
            self.pool.observer.failed(e.kind());
            match e.kind() {
                ErrorKind::Connection => return result, // stays unknown: it will be closed
                kind => {
                    self.saw_serialization_failure |= kind == ErrorKind::Serialization;
                    if let Some(live) = self.live.as_mut() {
                        live.suspect = true;
                    }
                }
            }
        }
        self.unknown_state = false;
        result
    }

    /// Refuses a statement that binds more values than the backend takes in one statement
    /// ([`dal_sql::Dialect::max_params`], the limit bulk saving batches by), before it is
    /// counted or sent and without touching the connection. Every statement passes here, so
    /// raw queries, `execute_many` and entity statements get the same error; a transaction
    /// pooler's inlined values count too, so a statement behaves the same in both modes.
    fn check_param_count(&self, params: &[Value<'_>]) -> Result<()> {
        Ok(self.backend().dialect().check_param_count(params.len())?)
    }

    /// Runs a statement under its limit (see [`Self::limit`]).
    pub(crate) async fn execute(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        timeout: Option<Duration>,
    ) -> Result<ExecResult> {
        self.check_param_count(params)?;
        within!(self, timeout, sql, execute(params))
    }

    /// Runs a query under its limit and returns every row.
    pub(crate) async fn fetch_all(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        timeout: Option<Duration>,
    ) -> Result<Vec<Row>> {
        self.check_param_count(params)?;
        within!(self, timeout, sql, fetch_all(params))
    }

    /// Runs a query under its limit and returns every row mapped with `map`, row by row.
    pub(crate) async fn fetch_all_map<T>(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        timeout: Option<Duration>,
        map: fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.check_param_count(params)?;
        within!(self, timeout, sql, fetch_all_map(params, map))
    }

    /// Runs a query under its limit and returns its first row.
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        timeout: Option<Duration>,
    ) -> Result<Option<Row>> {
        self.check_param_count(params)?;
        within!(self, timeout, sql, fetch_optional(params))
    }

    /// Checks the connection answers.
    pub(crate) async fn ping(&mut self) -> Result<()> {
        let r = self.raw()?.ping().await;
        self.settle(r)
    }

    /// Ends this connection's session on the server from a side connection, so whatever it
    /// runs stops there and its transaction rolls back. Used when a deadline passed mid-query:
    /// the connection's state is unknown and it is closed anyway. SQLite has no server session;
    /// its statement is interrupted by the progress handler installed when it was opened.
    async fn stop_on_server(&mut self) {
        self.unknown_state = true;
        let Some(live) = self.live.as_ref() else { return };
        if let Some(flag) = &live.interrupt {
            // SQLite: the progress handler sees it within a thousand VM steps.
            flag.store(true, Ordering::Release);
        }
        if let Some(session) = live.session {
            self.pool.end_sessions(&[session]).await;
        }
    }

    /// Starts streaming rows. The connection counts as in an unknown state until the caller
    /// reads the stream to its end and calls [`Self::finish_stream`].
    pub(crate) fn fetch_stream(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
    ) -> Result<BoxStream<'_, Result<Row>>> {
        self.check_param_count(params)?;
        self.pool.count_statement();
        let protocol = self.protocol(None);
        let lookup = self.cache_lookup(&sql, protocol);
        self.cache_prepared(lookup);
        self.raw()?.fetch_stream(sql, params, protocol)
    }

    /// Marks a stream from [`Self::fetch_stream`] as read to its end.
    pub(crate) fn finish_stream(&mut self) {
        self.unknown_state = false;
    }

    pub(crate) async fn execute_unprepared(&mut self, sql: SqlStr) -> Result<()> {
        let r = self.raw()?.execute_unprepared(sql).await;
        self.settle(r)
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let Some(live) = self.live.take() else { return };
        self.pool.abandon(self.probe.take());
        self.pool.lent.give_back(self.ticket);
        let session = live.session;
        let permit = self.permit.take();
        let pool = Arc::clone(&self.pool);
        if self.unknown_state {
            pool.discard_holding(live, permit);
        } else if let Some(open) = self.transaction {
            let rollback = roll_back_then_return(live, permit, Arc::clone(&pool), open.after);
            if let Err(unspawned) = crate::rt::spawn(rollback) {
                // No runtime left to run the rollback on: closing the connection makes the
                // server roll the transaction back.
                drop(unspawned);
                pool.forget_one(session);
            }
        } else {
            pool.give_back(live);
        }
    }
}

async fn roll_back_then_return(
    mut live: Live,
    permit: Option<OwnedSemaphorePermit>,
    pool: Arc<PoolInner>,
    after: Option<&'static str>,
) {
    // Dropping this future (runtime shutdown) drops `live` without returning it: the socket
    // closes and the server rolls back. Keep `size` right in that case too.
    struct Forget(Option<Arc<PoolInner>>, Option<i64>);
    impl Drop for Forget {
        fn drop(&mut self) {
            if let Some(pool) = self.0.take() {
                pool.forget_one(self.1);
            }
        }
    }
    let mut forget = Forget(Some(Arc::clone(&pool)), live.session);
    let mut ok = live.raw.execute_unprepared(SqlStr::from_static("ROLLBACK")).await.is_ok();
    if let (true, Some(after)) = (ok, after) {
        ok = live.raw.execute_unprepared(SqlStr::from_static(after)).await.is_ok();
    }
    forget.0 = None;
    if ok {
        pool.give_back(live);
        drop(permit);
    } else {
        pool.discard_holding(live, permit);
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
