//! [`PooledConnection`]: a connection on loan from a pool, returned when dropped.
//!
//! The guard knows two facts the pool needs when it comes back:
//! - whether a transaction is open on it: then it is rolled back (on a spawned task, holding its
//!   pool permit) before anyone else can acquire it;
//! - whether its state is unknown: an operation was cancelled mid-flight, or the connection
//!   failed. Then it is closed, never reused. Every operation marks the guard unknown before its
//!   first await and clears the mark when it completes, so a dropped future leaves the mark set.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::SqlStr;
use tokio::sync::OwnedSemaphorePermit;

use super::inner::{Live, PoolInner};
use crate::driver::RawConnection;
use crate::error::{Error, ErrorKind, Result};
use crate::observe::StatementCacheMirror;
use crate::resilience::Admission;

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

    /// The pool's shared state (options, counters, observer), for the statement pipeline.
    pub(crate) fn pool_inner(&self) -> &PoolInner {
        &self.pool
    }

    /// The open transaction's deadline and budget.
    pub(crate) fn transaction_budget(&self) -> Option<(Instant, Duration)> {
        self.deadline
    }

    /// The open transaction's span, parent of its statements' spans.
    pub(crate) fn transaction_span(&self) -> Option<&tracing::Span> {
        self.transaction_span.as_ref()
    }

    /// The connection and what the pool knows of it.
    pub(crate) fn live(&self) -> Option<&Live> {
        self.live.as_ref()
    }

    /// This connection's mirror of the driver's statement cache, with the pool's state (whose
    /// counters it updates).
    pub(crate) fn statement_cache(&mut self) -> Option<(&mut StatementCacheMirror, &PoolInner)> {
        let live = self.live.as_mut()?;
        Some((&mut live.statements, &self.pool))
    }

    /// Marks the connection's state unknown: it is closed when it goes back.
    pub(crate) fn mark_unknown(&mut self) {
        self.unknown_state = true;
    }

    /// Clears the unknown-state mark: the operation ended with the connection in a known state.
    pub(crate) fn mark_known(&mut self) {
        self.unknown_state = false;
    }

    /// Tells the breaker how an operation ended (a half-open probe's verdict included).
    pub(crate) fn record_verdict(&mut self, error: Option<&Error>) {
        self.pool.observe(&mut self.probe, error);
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

    /// The connection, marked as in an unknown state until [`Self::settle`] clears the mark
    /// (so a future dropped mid-operation leaves it marked, and the pool closes it).
    pub(crate) fn raw(&mut self) -> Result<&mut RawConnection> {
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
    /// unusable, and tells the breaker and the failure counts how it ended.
    pub(crate) fn settle<T>(&mut self, result: Result<T>) -> Result<T> {
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

    /// Checks the connection answers.
    pub(crate) async fn ping(&mut self) -> Result<()> {
        let r = self.raw()?.ping().await;
        self.settle(r)
    }

    /// Marks a stream of rows (see `exec::fetch_stream`) as read to its end.
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
