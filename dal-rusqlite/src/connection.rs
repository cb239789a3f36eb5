//! [`RusqliteConnection`]: one open rusqlite connection as a [`DriverConnection`]. Every call
//! runs its statement on the calling thread when its future is first polled and completes at
//! once; a query's rows are copied out into [`SqliteRow`]s before the stream yields the first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use dal_runtime::driver::{BoxFuture, BoxStream, DriverConnection, ExecResult, Statement};
use dal_runtime::{DbConfig, Result, Row};
use futures_util::{FutureExt, StreamExt};
use rusqlite::{CachedStatement, Connection};

use crate::bind::Param;
use crate::error::classify;
use crate::row::SqliteRow;

/// VM steps between two looks at the interrupt flag: frequent enough to stop within
/// microseconds, rare enough to cost nothing measurable (the built-in driver's figure).
const STEPS_PER_CHECK: i32 = 1000;

/// A statement prepared for one run, or kept in rusqlite's per-connection cache.
enum Prepared<'c> {
    Cached(CachedStatement<'c>),
    OneOff(rusqlite::Statement<'c>),
}

impl<'c> std::ops::Deref for Prepared<'c> {
    type Target = rusqlite::Statement<'c>;
    fn deref(&self) -> &Self::Target {
        match self {
            Prepared::Cached(s) => s,
            Prepared::OneOff(s) => s,
        }
    }
}

impl std::ops::DerefMut for Prepared<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Prepared::Cached(s) => s,
            Prepared::OneOff(s) => s,
        }
    }
}

/// One open connection.
pub(crate) struct RusqliteConnection {
    conn: Connection,
    /// Set by dal when the running statement is past its limit; the progress handler then
    /// stops it with SQLITE_INTERRUPT.
    interrupt: Arc<AtomicBool>,
}

impl RusqliteConnection {
    /// Opens a connection for `config` and installs the progress handler.
    pub(crate) fn open(config: &DbConfig) -> Result<Self> {
        let conn = crate::open::open(config)?;
        // dal's statement cache capacity is per connection, as is rusqlite's.
        conn.set_prepared_statement_cache_capacity(config.pool().statement_cache_capacity);
        let interrupt = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&interrupt);
        // Returning true makes SQLite abandon the statement with SQLITE_INTERRUPT.
        conn.progress_handler(STEPS_PER_CHECK, Some(move || seen.load(Ordering::Acquire)))
            .map_err(classify)?;
        Ok(RusqliteConnection { conn, interrupt })
    }

    /// Prepares `statement` (from the cache when it is persistent) and binds its values.
    fn prepare(&self, statement: &Statement<'_>) -> rusqlite::Result<Prepared<'_>> {
        let mut prepared = if statement.persistent {
            Prepared::Cached(self.conn.prepare_cached(statement.sql)?)
        } else {
            Prepared::OneOff(self.conn.prepare(statement.sql)?)
        };
        for (i, value) in statement.params.iter().enumerate() {
            prepared.raw_bind_parameter(i + 1, Param(value))?;
        }
        Ok(prepared)
    }

    /// Runs a statement to its end (any rows it returns are stepped over, as sqlx does).
    fn run(&self, statement: &Statement<'_>) -> rusqlite::Result<ExecResult> {
        let mut prepared = self.prepare(statement)?;
        let mut rows = prepared.raw_query();
        while rows.next()?.is_some() {}
        Ok(ExecResult {
            rows_affected: self.conn.changes(),
            last_insert_id: Some(self.conn.last_insert_rowid()),
        })
    }

    /// Runs a query and copies out every row.
    fn query(&self, statement: &Statement<'_>) -> rusqlite::Result<Vec<Row>> {
        let mut prepared = self.prepare(statement)?;
        let names: Arc<[String]> = prepared.column_names().into_iter().map(str::to_owned).collect();
        let mut rows = prepared.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(Row::from_source(SqliteRow::copied(&names, row)?));
        }
        Ok(out)
    }
}

impl DriverConnection for RusqliteConnection {
    fn execute<'c>(&'c mut self, statement: Statement<'c>) -> BoxFuture<'c, Result<ExecResult>> {
        async move { self.run(&statement).map_err(classify) }.boxed()
    }

    fn fetch<'c>(&'c mut self, statement: Statement<'c>) -> BoxStream<'c, Result<Row>> {
        // The query runs at the first poll; the rows are then handed out one by one.
        let mut pending = Some((self, statement));
        let mut rows = Vec::new().into_iter();
        futures_util::stream::poll_fn(move |_| {
            if let Some((conn, statement)) = pending.take() {
                match conn.query(&statement) {
                    Ok(all) => rows = all.into_iter(),
                    Err(e) => return Poll::Ready(Some(Err(classify(e)))),
                }
            }
            Poll::Ready(rows.next().map(Ok))
        })
        .boxed()
    }

    fn execute_batch<'c>(&'c mut self, sql: &'c str) -> BoxFuture<'c, Result<()>> {
        async move { self.conn.execute_batch(sql).map_err(classify) }.boxed()
    }

    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        async move {
            let mut ping = self.conn.prepare_cached("SELECT 1").map_err(classify)?;
            ping.raw_query().next().map(|_| ()).map_err(classify)
        }
        .boxed()
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        // A failed close leaves nothing to do: the handle is finalized when dropped.
        let _ = self.conn.close();
        futures_util::future::ready(()).boxed()
    }

    fn interrupt_flag(&mut self) -> Option<Arc<AtomicBool>> {
        Some(Arc::clone(&self.interrupt))
    }
}
