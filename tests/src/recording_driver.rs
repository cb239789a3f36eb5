//! A second driver, written only against dal's public driver traits: it wraps a built-in
//! driver, records every statement it is asked to run, can fail a chosen statement with a
//! chosen error category (fault injection), and answers one virtual table,
//! `dal_recorded_statements`, from memory through a [`RowSource`] of its own. It is what the
//! README's "Writing a driver" walks through.
//!
//! ```no_run
//! use dal::pool::Pool;
//! use dal::{Backend, Database, DbConfig};
//! use tests::RecordingDriver;
//!
//! # async fn demo() -> dal::Result<()> {
//! let driver = RecordingDriver::wrapping(Backend::Sqlite);
//! let log = driver.log();
//! let db = Database::from_pool(Pool::with_driver(DbConfig::from_url("sqlite://x.db")?, driver)?);
//! db.query("SELECT 1").fetch_all().await?;
//! assert!(log.statements().iter().any(|s| s == "SELECT 1"));
//! # Ok(()) }
//! ```

use std::sync::{Arc, Mutex};

use dal::driver::{
    BoxFuture, BoxStream, Driver, DriverConnection, ExecResult, Kind, Row, RowSource, SqlxDriver,
    Statement, Value, unreadable,
};
use dal::{Backend, DbConfig, Error, ErrorKind};
use futures_util::{FutureExt, StreamExt};

/// The virtual table answered from memory: `SELECT … FROM dal_recorded_statements`.
pub const RECORDED_TABLE: &str = "dal_recorded_statements";

/// What the driver saw, shared by every connection it opened.
#[derive(Debug, Default)]
pub struct StatementLog {
    statements: Mutex<Vec<String>>,
    /// Fail the statement with this 1-based number (counted over every connection) with
    /// this category.
    fault: Mutex<Option<(usize, ErrorKind)>>,
}

impl StatementLog {
    /// Every statement so far (parameterized text, transaction control included), in order.
    pub fn statements(&self) -> Vec<String> {
        self.statements.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Makes the `n`-th statement from now fail with an error of `kind` before it reaches the
    /// wrapped driver.
    pub fn fail_in(&self, n: usize, kind: ErrorKind) {
        let seen = self.statements.lock().unwrap_or_else(|p| p.into_inner()).len();
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = Some((seen + n, kind));
    }

    /// Records `sql`; the injected error when it is the one to fail.
    fn record(&self, sql: &str) -> Result<(), Error> {
        let mut statements = self.statements.lock().unwrap_or_else(|p| p.into_inner());
        statements.push(sql.to_owned());
        let number = statements.len();
        let mut fault = self.fault.lock().unwrap_or_else(|p| p.into_inner());
        match *fault {
            Some((at, kind)) if at == number => {
                *fault = None;
                Err(Error::new(kind, format!("injected fault on statement {number}: {sql}")))
            }
            _ => Ok(()),
        }
    }
}

/// A driver that records and can fail statements, over a built-in one.
pub struct RecordingDriver {
    inner: SqlxDriver,
    log: Arc<StatementLog>,
}

impl RecordingDriver {
    /// Wraps the built-in driver of `backend`.
    pub fn wrapping(backend: Backend) -> Self {
        RecordingDriver { inner: SqlxDriver::new(backend), log: Arc::default() }
    }

    /// The log every connection of this driver writes to.
    pub fn log(&self) -> Arc<StatementLog> {
        Arc::clone(&self.log)
    }
}

impl Driver for RecordingDriver {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    fn name(&self) -> &'static str {
        "recording"
    }

    fn connect<'a>(
        &'a self,
        config: &'a DbConfig,
    ) -> BoxFuture<'a, dal::Result<Box<dyn DriverConnection>>> {
        async move {
            let inner = self.inner.connect(config).await?;
            let log = Arc::clone(&self.log);
            Ok(Box::new(RecordingConnection { inner, log }) as Box<dyn DriverConnection>)
        }
        .boxed()
    }
}

struct RecordingConnection {
    inner: Box<dyn DriverConnection>,
    log: Arc<StatementLog>,
}

impl DriverConnection for RecordingConnection {
    fn execute<'c>(
        &'c mut self,
        statement: Statement<'c>,
    ) -> BoxFuture<'c, dal::Result<ExecResult>> {
        if let Err(e) = self.log.record(statement.sql) {
            return async move { Err(e) }.boxed();
        }
        self.inner.execute(statement)
    }

    fn fetch<'c>(&'c mut self, statement: Statement<'c>) -> BoxStream<'c, dal::Result<Row>> {
        if let Err(e) = self.log.record(statement.sql) {
            return futures_util::stream::once(async move { Err(e) }).boxed();
        }
        if statement.sql.contains(RECORDED_TABLE) {
            let rows: Vec<dal::Result<Row>> = self
                .log
                .statements()
                .into_iter()
                .enumerate()
                .map(|(i, sql)| Ok(Row::from_source(Recorded { position: i as i64 + 1, sql })))
                .collect();
            return futures_util::stream::iter(rows).boxed();
        }
        self.inner.fetch(statement)
    }

    fn execute_batch<'c>(&'c mut self, sql: &'c str) -> BoxFuture<'c, dal::Result<()>> {
        if let Err(e) = self.log.record(sql) {
            return async move { Err(e) }.boxed();
        }
        self.inner.execute_batch(sql)
    }

    fn ping(&mut self) -> BoxFuture<'_, dal::Result<()>> {
        self.inner.ping()
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.inner.close()
    }
}

/// One row of the virtual table: `(position BIGINT, sql TEXT)`.
#[derive(Debug)]
struct Recorded {
    position: i64,
    sql: String,
}

impl RowSource for Recorded {
    fn len(&self) -> usize {
        2
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        ["position", "sql"].get(index).copied()
    }

    fn is_null(&self, index: usize) -> dal::Result<bool> {
        match index {
            0 | 1 => Ok(false),
            _ => Err(Error::new(ErrorKind::Decode, format!("no column {index}: the row has 2"))),
        }
    }

    fn value(&self, index: usize, kind: Kind) -> dal::Result<Value<'_>> {
        match (index, kind) {
            (0, Kind::I64) => Ok(Value::I64(self.position)),
            (0, Kind::I32) => i32::try_from(self.position)
                .map(Value::I32)
                .map_err(|_| unreadable(self, index, kind, "a number too large")),
            (0, Kind::Text) => Ok(Value::Text(self.position.to_string().into())),
            (1, Kind::Text) => Ok(Value::Text(self.sql.as_str().into())),
            (0, _) => Err(unreadable(self, index, kind, "an integer")),
            (1, _) => Err(unreadable(self, index, kind, "text")),
            _ => Err(Error::new(ErrorKind::Decode, format!("no column {index}: the row has 2"))),
        }
    }
}
