//! [`SqlxDriver`]: the built-in drivers (PostgreSQL, MySQL/MariaDB and SQLite on sqlx) behind
//! the public trait set, so a third-party driver can wrap one (to record or inject faults)
//! with nothing but the traits.

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use super::api::{Driver, DriverConnection, Statement};
use super::connector::Connector;
use super::sqlx_connection::SqlxConnection;
use super::{ExecResult, Protocol};
use crate::config::{Backend, DbConfig};
use crate::error::Result;
use crate::types::Row;

/// A built-in driver, as a [`Driver`].
///
/// Pools made from a configuration use the built-in drivers directly; this is for drivers
/// that wrap one. Each connection is opened from the configuration it is given, so an
/// in-memory SQLite database is not shared between its connections: use a file.
#[derive(Debug, Clone, Copy)]
pub struct SqlxDriver {
    backend: Backend,
}

impl SqlxDriver {
    /// The built-in driver of `backend`.
    pub fn new(backend: Backend) -> Self {
        SqlxDriver { backend }
    }
}

impl Driver for SqlxDriver {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn name(&self) -> &'static str {
        self.backend.driver_name()
    }

    fn connect<'a>(
        &'a self,
        config: &'a DbConfig,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
        async move {
            let conn = Connector::new(config)?.connect_sqlx().await?;
            Ok(Box::new(SqlxDriverConnection(conn)) as Box<dyn DriverConnection>)
        }
        .boxed()
    }
}

/// A built-in driver's connection, as a [`DriverConnection`].
struct SqlxDriverConnection(SqlxConnection);

fn protocol(statement: &Statement<'_>) -> Protocol {
    if statement.persistent { Protocol::Cached } else { Protocol::OneOff }
}

fn text(sql: &str) -> sqlx::SqlStr {
    AssertSqlSafe(sql.to_owned()).into_sql_str()
}

impl DriverConnection for SqlxDriverConnection {
    fn execute<'c>(&'c mut self, statement: Statement<'c>) -> BoxFuture<'c, Result<ExecResult>> {
        let protocol = protocol(&statement);
        self.0.execute(text(statement.sql), statement.params, protocol).boxed()
    }

    fn fetch<'c>(&'c mut self, statement: Statement<'c>) -> BoxStream<'c, Result<Row>> {
        let protocol = protocol(&statement);
        match self.0.fetch_stream(text(statement.sql), statement.params, protocol) {
            Ok(rows) => rows,
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        }
    }

    fn execute_batch<'c>(&'c mut self, sql: &'c str) -> BoxFuture<'c, Result<()>> {
        self.0.execute_unprepared(text(sql)).boxed()
    }

    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        self.0.ping().boxed()
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.0.close().boxed()
    }
}
