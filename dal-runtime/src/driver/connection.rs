//! [`RawConnection`]: one open connection, of a built-in driver (called directly) or of a
//! third-party [`DriverConnection`] (called through the trait), and the calls the statement
//! pipeline makes on it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::SqlStr;

use super::api::{DriverConnection, Statement};
use super::sqlx_connection::SqlxConnection;
use super::{ExecResult, Protocol};
use crate::config::Backend;
use crate::error::Result;
use crate::types::{Row, Value};

/// One open connection.
pub(crate) enum RawConnection {
    /// A built-in driver's, dispatched without boxing.
    Sqlx(SqlxConnection),
    /// A third-party driver's.
    Custom { conn: Box<dyn DriverConnection>, backend: Backend },
}

impl std::fmt::Debug for RawConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawConnection::Sqlx(conn) => conn.fmt(f),
            RawConnection::Custom { backend, .. } => {
                f.debug_struct("DriverConnection").field("backend", backend).finish_non_exhaustive()
            }
        }
    }
}

/// The statement as a third-party driver gets it.
fn statement<'a>(sql: &'a SqlStr, params: &'a [Value<'a>], protocol: Protocol) -> Statement<'a> {
    Statement { sql: sql.as_str(), params, persistent: protocol == Protocol::Cached }
}

impl RawConnection {
    pub(crate) async fn execute(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<ExecResult> {
        match self {
            RawConnection::Sqlx(conn) => conn.execute(sql, params, protocol).await,
            RawConnection::Custom { conn, .. } => {
                conn.execute(statement(&sql, params, protocol)).await
            }
        }
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<Vec<Row>> {
        match self {
            RawConnection::Sqlx(conn) => conn.fetch_all(sql, params, protocol).await,
            RawConnection::Custom { conn, .. } => {
                conn.fetch(statement(&sql, params, protocol)).try_collect().await
            }
        }
    }

    /// Runs a query and maps each row with `map` as it arrives.
    pub(crate) async fn fetch_all_map<T>(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        map: fn(&Row) -> Result<T>,
        protocol: Protocol,
    ) -> Result<Vec<T>> {
        match self {
            RawConnection::Sqlx(conn) => conn.fetch_all_map(sql, params, map, protocol).await,
            RawConnection::Custom { conn, .. } => {
                let mut rows = conn.fetch(statement(&sql, params, protocol));
                let mut out = Vec::new();
                while let Some(row) = rows.try_next().await? {
                    out.push(map(&row)?);
                }
                Ok(out)
            }
        }
    }

    /// The first row; the rest are read and dropped, so the connection is ready for the next
    /// statement.
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<Option<Row>> {
        match self {
            RawConnection::Sqlx(conn) => conn.fetch_optional(sql, params, protocol).await,
            RawConnection::Custom { conn, .. } => {
                let mut rows = conn.fetch(statement(&sql, params, protocol));
                let first = rows.try_next().await?;
                while rows.try_next().await?.is_some() {}
                Ok(first)
            }
        }
    }

    /// Streams the rows of a query as they arrive.
    pub(crate) fn fetch_stream<'c>(
        &'c mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<BoxStream<'c, Result<Row>>> {
        match self {
            RawConnection::Sqlx(conn) => conn.fetch_stream(sql, params, protocol),
            RawConnection::Custom { conn, .. } => {
                // The driver's stream borrows the text and values; they are the caller's for
                // the call only, so the stream owns copies.
                let params: Vec<Value<'static>> =
                    params.iter().cloned().map(Value::into_owned).collect();
                let stream = async_stream::try_stream! {
                    let mut rows = conn.fetch(statement(&sql, &params, protocol));
                    while let Some(row) = rows.try_next().await? {
                        yield row;
                    }
                };
                Ok(stream.boxed())
            }
        }
    }

    /// Runs statements without preparing them (transaction control, DDL).
    pub(crate) async fn execute_unprepared(&mut self, sql: SqlStr) -> Result<()> {
        match self {
            RawConnection::Sqlx(conn) => conn.execute_unprepared(sql).await,
            RawConnection::Custom { conn, .. } => conn.execute_batch(sql.as_str()).await,
        }
    }

    /// A flag that stops the running statement once set (SQLite); `None` where sessions are
    /// ended on the server instead.
    pub(crate) async fn interrupter(&mut self) -> Result<Option<Arc<AtomicBool>>> {
        match self {
            RawConnection::Sqlx(conn) => conn.interrupter().await,
            RawConnection::Custom { conn, .. } => Ok(conn.interrupt_flag()),
        }
    }

    /// Checks the connection answers.
    pub(crate) async fn ping(&mut self) -> Result<()> {
        match self {
            RawConnection::Sqlx(conn) => conn.ping().await,
            RawConnection::Custom { conn, .. } => conn.ping().await,
        }
    }

    /// Closes the connection politely (the server is told, not left to notice).
    pub(crate) async fn close(self) {
        match self {
            RawConnection::Sqlx(conn) => conn.close().await,
            RawConnection::Custom { conn, .. } => conn.close().await,
        }
    }
}
