//! [`Transaction`]: begin, commit, rollback, savepoints, and rollback of a dropped transaction.
//!
//! A transaction pins one connection. Nested `begin` on a transaction's handle opens a
//! savepoint on the same connection. Dropping a transaction without commit rolls it back:
//! a top-level one that owns its connection hands it to the pool marked "in transaction" and
//! the pool rolls it back before anyone else can acquire it; a savepoint (or a transaction on a
//! [`crate::Connection`] guard) leaves a note that the next operation on the connection
//! executes first.

use std::ops::Deref;

use dal_sql::{Dialect, IsolationLevel};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::database::{Database, release_pinned};
use crate::error::{Error, ErrorKind, Result};

/// An open transaction (or savepoint). Derefs to a [`Database`] handle whose every operation
/// runs inside it.
///
/// ```no_run
/// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
/// let tx = db.begin().await?;
/// tx.query("UPDATE accounts SET balance = balance - ? WHERE id = ?").bind(10_i64).bind(1_i64).execute().await?;
/// tx.query("UPDATE accounts SET balance = balance + ? WHERE id = ?").bind(10_i64).bind(2_i64).execute().await?;
/// tx.commit().await?; // dropping `tx` instead would roll both back
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a transaction rolls back when dropped; call commit() to keep its work"]
pub struct Transaction {
    db: Database,
    depth: u32,
    /// Whether this transaction took its connection from the pool (and gives it back).
    owns_connection: bool,
    finished: bool,
}

pub(crate) fn sql(text: String) -> SqlStr {
    AssertSqlSafe(text).into_sql_str()
}

/// How a transaction runs: isolation level and access mode. The default is the backend's
/// default isolation, read-write.
///
/// ```no_run
/// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
/// use dal_runtime::{IsolationLevel, TransactionOptions};
/// let opts = TransactionOptions::new().isolation(IsolationLevel::Serializable).read_only(true);
/// let tx = db.begin_with(opts).await?;
/// # tx.commit().await }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransactionOptions {
    isolation: Option<IsolationLevel>,
    read_only: bool,
}

impl TransactionOptions {
    /// The backend's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the isolation level (SQLite is always serializable and ignores it).
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Makes the transaction read-only: writes inside it fail.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The opening statement and what restores the session afterwards.
    fn statements(&self, dialect: Dialect) -> (SqlStr, Option<&'static str>) {
        let begin = if self.is_default() {
            SqlStr::from_static(dialect.begin_sql())
        } else {
            sql(dialect.begin_with_sql(self.isolation, self.read_only))
        };
        (begin, dialect.after_transaction_sql(self.read_only))
    }
}

impl Transaction {
    pub(crate) async fn begin(parent: &Database, options: TransactionOptions) -> Result<Self> {
        let dialect = parent.dialect();
        if parent.pinned().is_none() {
            let mut conn = parent.pool().acquire().await?;
            let (begin, after) = options.statements(dialect);
            conn.begin_transaction(begin, after).await?;
            return Ok(Transaction {
                db: parent.pinned_to(conn, 1),
                depth: 1,
                owns_connection: true,
                finished: false,
            });
        }
        let mut lease = parent.lease().await?;
        let depth = lease.pinned_state().map_or(1, |state| state.depth + 1);
        let conn = lease.conn()?;
        if depth == 1 {
            let (begin, after) = options.statements(dialect);
            conn.begin_transaction(begin, after).await?;
        } else if !options.is_default() {
            return Err(Error::usage(
                "isolation and read-only apply to a whole transaction; a savepoint inside one cannot change them",
            ));
        } else {
            conn.execute_unprepared(sql(dialect.savepoint_sql(depth))).await?;
        }
        if let Some(state) = lease.pinned_state() {
            state.depth = depth;
        }
        drop(lease);
        Ok(Transaction { db: parent.clone(), depth, owns_connection: false, finished: false })
    }

    /// Whether this is a savepoint inside another transaction.
    pub fn is_savepoint(&self) -> bool {
        self.depth > 1
    }

    /// Makes the work permanent (for a savepoint: part of the enclosing transaction).
    pub async fn commit(mut self) -> Result<()> {
        let dialect = self.db.dialect();
        let statement = if self.depth == 1 {
            SqlStr::from_static("COMMIT")
        } else {
            sql(dialect.release_savepoint_sql(self.depth))
        };
        self.finish(statement).await
    }

    /// Undoes the work (for a savepoint: only the work since it began).
    pub async fn rollback(mut self) -> Result<()> {
        let dialect = self.db.dialect();
        let statement = if self.depth == 1 {
            SqlStr::from_static("ROLLBACK")
        } else {
            sql(dialect.rollback_to_savepoint_sql(self.depth))
        };
        self.finish(statement).await
    }

    async fn finish(&mut self, statement: SqlStr) -> Result<()> {
        self.finished = true;
        let mut lease = self.db.lease().await?;
        let open_depth = lease.pinned_state().map_or(0, |state| state.depth);
        if open_depth < self.depth {
            return Err(Error::new(
                ErrorKind::Closed,
                "this transaction was already ended by the transaction around it",
            ));
        }
        let conn = lease.conn()?;
        let result = if self.depth == 1 {
            conn.end_transaction(statement).await
        } else {
            conn.execute_unprepared(statement).await
        };
        if let Some(state) = lease.pinned_state() {
            state.depth = self.depth - 1;
        }
        drop(lease);
        if self.owns_connection {
            release_pinned(&self.db);
        }
        result
    }
}

impl Deref for Transaction {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if self.owns_connection {
            // The connection goes back marked "in transaction"; the pool rolls it back.
            release_pinned(&self.db);
        } else if let Some(p) = self.db.pinned() {
            // Roll back to here before the next statement on this connection.
            p.roll_back_later(self.depth);
        }
    }
}
