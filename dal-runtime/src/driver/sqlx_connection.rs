//! [`SqlxConnection`]: one open connection of a built-in (sqlx) driver, and the calls the
//! statement pipeline makes on it, each sent as its [`Protocol`] says.

use futures_util::stream::BoxStream;
use sqlx::SqlStr;

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "sqlite")]
use super::sqlite;
use super::{ExecResult, Protocol, classify, transaction_pooler_unsupported};
use crate::config::Backend;
use crate::error::Result;
use crate::types::{Row, Value};

/// One open connection of a built-in driver.
#[derive(Debug)]
pub(crate) enum SqlxConnection {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlConnection),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqliteConnection),
}

/// Runs `$body` with `$conn` bound to the driver connection and `$b` to the backend module.
macro_rules! dispatch {
    ($self:expr, $conn:ident, $b:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "postgres")]
            SqlxConnection::Postgres($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::postgres as $b;
                $body
            }
            #[cfg(feature = "mysql")]
            SqlxConnection::MySql($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::mysql as $b;
                $body
            }
            #[cfg(feature = "sqlite")]
            SqlxConnection::Sqlite($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::sqlite as $b;
                $body
            }
        }
    };
}

/// The text to send as a simple query when `protocol` is [`Protocol::Inline`]; `None` for the
/// prepared protocols.
fn inline_text(
    backend: Backend,
    sql: &SqlStr,
    params: &[Value<'_>],
    protocol: Protocol,
) -> Result<Option<SqlStr>> {
    let Protocol::Inline { statement_timeout, in_transaction } = protocol else {
        return Ok(None);
    };
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            postgres::inline(sql.as_str(), params, statement_timeout, in_transaction)
                .map(|text| Some(crate::driver::sql(text)))
        }
        other => Err(transaction_pooler_unsupported(other)),
    }
}

/// Calls `$method` on the statement as `$protocol` says to send it: a simple-protocol
/// `raw_sql` with the values written in, or a prepared `query_with` with them bound. `await`
/// before the method awaits each arm (their futures differ in type).
macro_rules! run {
    ($b:ident, $conn:ident, $sql:ident, $params:ident, $protocol:ident, await $method:ident) => {
        match inline_text($b::BACKEND, &$sql, $params, $protocol)? {
            Some(text) => sqlx::raw_sql(text).$method(&mut *$conn).await,
            None => {
                sqlx::query_with($sql, $b::arguments($params)?)
                    .persistent($protocol.persistent())
                    .$method(&mut *$conn)
                    .await
            }
        }
    };
    ($b:ident, $conn:ident, $sql:ident, $params:ident, $protocol:ident, $method:ident) => {
        match inline_text($b::BACKEND, &$sql, $params, $protocol)? {
            Some(text) => sqlx::raw_sql(text).$method(&mut *$conn),
            None => sqlx::query_with($sql, $b::arguments($params)?)
                .persistent($protocol.persistent())
                .$method(&mut *$conn),
        }
    };
}

impl SqlxConnection {
    pub(crate) async fn execute(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<ExecResult> {
        dispatch!(self, conn, b => {
            let done = run!(b, conn, sql, params, protocol, await execute)
                .map_err(|e| classify(e, b::BACKEND))?;
            Ok(b::exec_result(&done))
        })
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<Vec<Row>> {
        dispatch!(self, conn, b => {
            let rows = run!(b, conn, sql, params, protocol, await fetch_all)
                .map_err(|e| classify(e, b::BACKEND))?;
            Ok(rows.into_iter().map(Row::from).collect())
        })
    }

    /// Runs a query and maps each row with `map` as it arrives, so the driver's rows are
    /// not all held at once (what `fetch_all` followed by a map would do).
    pub(crate) async fn fetch_all_map<T>(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        map: fn(&Row) -> Result<T>,
        protocol: Protocol,
    ) -> Result<Vec<T>> {
        use futures_util::TryStreamExt;
        dispatch!(self, conn, b => {
            let mut rows = run!(b, conn, sql, params, protocol, fetch);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await.map_err(|e| classify(e, b::BACKEND))? {
                out.push(map(&Row::from(row))?);
            }
            Ok(out)
        })
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<Option<Row>> {
        dispatch!(self, conn, b => {
            let row = run!(b, conn, sql, params, protocol, await fetch_optional)
                .map_err(|e| classify(e, b::BACKEND))?;
            Ok(row.map(Row::from))
        })
    }

    /// Streams the rows of a query as they arrive.
    pub(crate) fn fetch_stream<'c>(
        &'c mut self,
        sql: SqlStr,
        params: &[Value<'_>],
        protocol: Protocol,
    ) -> Result<BoxStream<'c, Result<Row>>> {
        use futures_util::StreamExt;
        dispatch!(self, conn, b => {
            let rows = run!(b, conn, sql, params, protocol, fetch);
            Ok(rows.map(|r| r.map(Row::from).map_err(|e| classify(e, b::BACKEND))).boxed())
        })
    }

    /// Runs statements without preparing them (transaction control, DDL).
    pub(crate) async fn execute_unprepared(&mut self, sql: SqlStr) -> Result<()> {
        let backend = self.backend();
        self.execute_raw(sql).await.map_err(|e| classify(e, backend))
    }

    /// [`Self::execute_unprepared`] with the driver's error, for the connect path.
    pub(super) async fn execute_raw(
        &mut self,
        sql: SqlStr,
    ) -> std::result::Result<(), sqlx::Error> {
        use sqlx::Executor;
        dispatch!(self, conn, _b => conn.execute(sqlx::raw_sql(sql)).await.map(|_| ()))
    }

    /// The backend this connection talks to.
    pub(crate) fn backend(&self) -> Backend {
        dispatch!(self, _conn, b => b::BACKEND)
    }

    /// SQLite: installs a progress handler that stops the running statement (with
    /// SQLITE_INTERRUPT) once the returned flag is set, so a query timeout stops the work and
    /// not only the wait. `None` on server backends, whose sessions are ended instead.
    pub(crate) async fn interrupter(
        &mut self,
    ) -> Result<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> {
        dispatch!(self, conn, b => b::interrupter(conn).await)
    }

    /// Checks the connection answers.
    pub(crate) async fn ping(&mut self) -> Result<()> {
        use sqlx::Connection;
        dispatch!(self, conn, b => conn.ping().await.map_err(|e| classify(e, b::BACKEND)))
    }

    /// Closes the connection politely (the server is told, not left to notice).
    pub(crate) async fn close(self) {
        use sqlx::Connection;
        // The connection is going away; a failure to say goodbye changes nothing.
        let _ = dispatch!(self, conn, _b => conn.close().await);
    }
}
