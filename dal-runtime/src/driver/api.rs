//! The driver trait set: what a new backend implements to run under dal's pools, statement
//! pipeline, transactions and entities. Three traits:
//!
//! - [`Driver`]: opens connections for a configuration;
//! - [`DriverConnection`]: one open connection — run a statement, stream a query's rows, run
//!   unprepared text (transaction control, DDL), ping, close;
//! - [`RowSource`](crate::types::RowSource): one row of a result, read column by column as a [`Value`] of the kind the
//!   caller asks for.
//!
//! Everything above the driver is dal's and comes for free: `?` placeholders are rewritten into
//! the dialect of [`Driver::backend`] before a statement reaches the driver, deadlines and
//! cancellation (a dropped future closes the connection), the statement-cache counts,
//! transactions and savepoints (their SQL comes from the dialect), retries, breakers, metrics,
//! spans, entities and history. A driver reports errors as [`Error`]s with the right
//! [`ErrorKind`](crate::ErrorKind): that category decides retries and the breaker.
//!
//! The built-in drivers (PostgreSQL, MySQL/MariaDB and SQLite on sqlx) implement the same
//! traits ([`SqlxDriver`]); the runtime calls them without boxing, which is the only
//! difference a third-party driver sees. `tests/src/recording_driver.rs` shows a whole driver
//! in under 300 lines.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

use super::ExecResult;
use crate::config::{Backend, DbConfig};
use crate::error::Result;
use crate::types::{Row, Value};

/// Opens connections to one kind of database.
///
/// Plug one in with [`Pool::with_driver`](crate::Pool::with_driver); the configuration's
/// backend must be the driver's.
pub trait Driver: Send + Sync + 'static {
    /// The backend whose SQL the driver's server speaks: it decides the dialect (placeholders,
    /// DDL, transaction statements) and which server-side features dal uses.
    fn backend(&self) -> Backend;

    /// The name [`ServerInfo::driver`](crate::ServerInfo::driver) reports.
    fn name(&self) -> &'static str;

    /// Opens one connection for `config` (endpoint, credentials, options). Errors are
    /// [`ErrorKind::Connection`](crate::ErrorKind::Connection) when the server cannot be
    /// reached and [`ErrorKind::Config`](crate::ErrorKind::Config) when the configuration is
    /// wrong (unknown option, bad credentials).
    fn connect<'a>(
        &'a self,
        config: &'a DbConfig,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>>;
}

/// A statement as it reaches a driver: the text in the backend's native placeholder form,
/// the values bound in order, and whether to keep it prepared.
#[derive(Debug, Clone, Copy)]
pub struct Statement<'a> {
    /// The SQL text, placeholders already in the dialect's native form (`$1` on PostgreSQL,
    /// `?` elsewhere).
    pub sql: &'a str,
    /// The values, one per placeholder.
    pub params: &'a [Value<'a>],
    /// Keep the prepared statement for the next run of the same text (the pool's statement
    /// cache is on); when false, prepare it for this run only.
    pub persistent: bool,
}

/// One open connection.
///
/// Every method may be cancelled at any await point (the caller's future is dropped); dal
/// then closes the connection instead of reusing it, so a driver needs no cancellation
/// safety of its own beyond not corrupting memory.
pub trait DriverConnection: Send + 'static {
    /// Runs a statement and reports what it changed.
    fn execute<'c>(&'c mut self, statement: Statement<'c>) -> BoxFuture<'c, Result<ExecResult>>;

    /// Runs a query and streams its rows as they arrive.
    fn fetch<'c>(&'c mut self, statement: Statement<'c>) -> BoxStream<'c, Result<Row>>;

    /// Runs `sql` as written, without parameters or preparation: transaction control
    /// (`BEGIN`, `COMMIT`, savepoints), DDL, several statements separated by `;`.
    fn execute_batch<'c>(&'c mut self, sql: &'c str) -> BoxFuture<'c, Result<()>>;

    /// Checks the connection still answers.
    fn ping(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Closes the connection politely.
    fn close(self: Box<Self>) -> BoxFuture<'static, ()>;

    /// A flag that, once set, makes the statement running on this connection stop (SQLite's
    /// progress handler). `None` (the default) when statements are stopped on the server
    /// instead: then dal ends the session from a side connection, using the dialect's session
    /// queries.
    fn interrupt_flag(&mut self) -> Option<Arc<AtomicBool>> {
        None
    }
}
