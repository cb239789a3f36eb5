//! [`PooledConnection`]: a connection on loan from a pool, returned when dropped.
//!
//! The guard knows two facts the pool needs when it comes back:
//! - whether a transaction is open on it: then it is rolled back (on a spawned task, holding its
//!   pool permit) before anyone else can acquire it;
//! - whether its state is unknown: an operation was cancelled mid-flight, or the connection
//!   failed. Then it is closed, never reused. Every operation marks the guard unknown before its
//!   first await and clears the mark when it completes, so a dropped future leaves the mark set.

use std::sync::Arc;

use futures_util::stream::BoxStream;
use sqlx::SqlStr;
use tokio::sync::OwnedSemaphorePermit;

use super::inner::{Live, PoolInner};
use crate::backend::{ExecResult, RawConnection};
use crate::error::{Error, ErrorKind, Result};
use crate::row::Row;
use crate::types::Value;

/// A connection borrowed from a pool.
#[derive(Debug)]
pub struct PooledConnection {
    live: Option<Live>,
    permit: Option<OwnedSemaphorePermit>,
    pool: Arc<PoolInner>,
    /// The open transaction, with what must run after it ends.
    transaction: Option<OpenTransaction>,
    unknown_state: bool,
    /// This lending's entry in the pool's registry of connections lent out.
    ticket: u64,
    /// An operation failed with a serialization failure or deadlock since the transaction
    /// began: the whole transaction may succeed if run again.
    saw_serialization_failure: bool,
}

/// A transaction open on a connection.
#[derive(Debug, Clone, Copy)]
struct OpenTransaction {
    /// Statement that restores the session once the transaction ends (e.g. SQLite's
    /// `PRAGMA query_only = OFF`).
    after: Option<&'static str>,
}

impl PooledConnection {
    pub(super) fn new(live: Live, permit: OwnedSemaphorePermit, pool: Arc<PoolInner>) -> Self {
        let ticket = pool.lent.lend(pool.options.capture_acquire_backtraces);
        PooledConnection {
            ticket,
            saw_serialization_failure: false,
            live: Some(live),
            permit: Some(permit),
            pool,
            transaction: None,
            unknown_state: false,
        }
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

    /// Runs `begin` and remembers the transaction is open, with the statement (if any) that
    /// restores the session after it.
    pub(crate) async fn begin_transaction(
        &mut self,
        begin: SqlStr,
        after: Option<&'static str>,
    ) -> Result<()> {
        self.execute_unprepared(begin).await?;
        self.transaction = Some(OpenTransaction { after });
        self.saw_serialization_failure = false;
        Ok(())
    }

    /// Runs `end` (COMMIT or ROLLBACK), then restores the session. When `end` fails the
    /// transaction counts as open still: the pool rolls back before reuse, which is harmless if
    /// the server already did.
    pub(crate) async fn end_transaction(&mut self, end: SqlStr) -> Result<()> {
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
        if let Err(e) = &result {
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

    pub(crate) async fn execute(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
    ) -> Result<ExecResult> {
        self.pool.count_statement();
        let r = self.raw()?.execute(sql, params).await;
        self.settle(r)
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
    ) -> Result<Vec<Row>> {
        self.pool.count_statement();
        let r = self.raw()?.fetch_all(sql, params).await;
        self.settle(r)
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
    ) -> Result<Option<Row>> {
        self.pool.count_statement();
        let r = self.raw()?.fetch_optional(sql, params).await;
        self.settle(r)
    }

    /// Checks the connection answers.
    pub(crate) async fn ping(&mut self) -> Result<()> {
        let r = self.raw()?.ping().await;
        self.settle(r)
    }

    /// Ends this connection's session on the server from a side connection, so whatever it
    /// runs stops there and its transaction rolls back. Used when a deadline passed mid-query:
    /// the connection's state is unknown and it is closed anyway. SQLite has no server session;
    /// its statement runs on until it ends, on a connection nobody reuses.
    pub(crate) async fn stop_on_server(&mut self) {
        self.unknown_state = true;
        if let Some(session) = self.live.as_ref().and_then(|l| l.session) {
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
        self.pool.count_statement();
        self.raw()?.fetch_stream(sql, params)
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
        self.pool.lent.give_back(self.ticket);
        let session = live.session;
        let permit = self.permit.take();
        let pool = Arc::clone(&self.pool);
        if self.unknown_state {
            pool.discard(live);
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
    } else {
        pool.discard(live);
    }
    drop(permit);
}
