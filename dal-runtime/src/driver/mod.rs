//! The three drivers behind one enum. Everything that differs between backends at run time
//! (connect options, parameter binding, error codes) lives in this folder, one file per backend;
//! the rest of the runtime speaks only [`RawConnection`] and [`Row`].

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "sqlite")]
pub(crate) use self::sqlite::is_memory as sqlite_is_memory;

use std::fmt;

use futures_util::stream::BoxStream;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::config::{Backend, DbConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::types::Row;
use crate::types::Value;

fn not_built(backend: Backend) -> Error {
    Error::config(format!(
        "dal was built without the `{backend}` feature; enable it in Cargo.toml to use {backend}"
    ))
}

/// Connect options prepared once per pool (for in-memory SQLite this is also what makes every
/// connection of the pool open the same database), with the statement that sets up each new
/// session.
#[derive(Clone)]
pub(crate) struct Connector {
    options: DriverOptions,
    /// Run once on every new connection, before it is used (MySQL's session settings).
    session_sql: Option<SqlStr>,
}

#[derive(Clone)]
enum DriverOptions {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnectOptions),
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlConnectOptions),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteConnectOptions),
}

impl Connector {
    pub(crate) fn new(config: &DbConfig) -> Result<Self> {
        // The driver's cache never holds statements run with `persistent` off, which is how a
        // capacity of 0 is honoured; its own capacity must stay at least 1.
        let capacity = config.pool().statement_cache_capacity.max(1);
        if config.pool().transaction_pooler && config.backend() != Backend::Postgres {
            return Err(transaction_pooler_unsupported(config.backend()));
        }
        config.tls_options().check(config.backend())?;
        let (options, session_sql) = match config.backend() {
            #[cfg(feature = "postgres")]
            Backend::Postgres => postgres::connect_options(config)
                .map(|o| (DriverOptions::Postgres(o.statement_cache_capacity(capacity)), None))?,
            #[cfg(feature = "mysql")]
            Backend::MySql => mysql::connect_options(config).map(|(o, session)| {
                (
                    DriverOptions::MySql(o.statement_cache_capacity(capacity)),
                    Some(crate::driver::sql(session)),
                )
            })?,
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => sqlite::connect_options(config)
                .map(|o| (DriverOptions::Sqlite(o.statement_cache_capacity(capacity)), None))?,
            #[allow(unreachable_patterns, reason = "reached when a backend feature is off")]
            other => return Err(not_built(other)),
        };
        Ok(Connector { options, session_sql })
    }

    pub(crate) async fn connect(&self) -> std::result::Result<RawConnection, sqlx::Error> {
        use sqlx::ConnectOptions;
        let mut raw = match &self.options {
            #[cfg(feature = "postgres")]
            DriverOptions::Postgres(o) => RawConnection::Postgres(o.connect().await?),
            #[cfg(feature = "mysql")]
            DriverOptions::MySql(o) => RawConnection::MySql(o.connect().await?),
            #[cfg(feature = "sqlite")]
            DriverOptions::Sqlite(o) => RawConnection::Sqlite(o.connect().await?),
        };
        if let Some(sql) = &self.session_sql {
            raw.execute_raw(sql.clone()).await?;
        }
        Ok(raw)
    }
}

/// Shows where the options lead (endpoint, database, user, TLS mode), never the driver's option
/// struct.
/// Written by hand: the driver's option structs derive theirs and print the password (and
/// inline certificate or key contents).
impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.options {
            #[cfg(feature = "postgres")]
            DriverOptions::Postgres(o) => f
                .debug_struct("Connector::Postgres")
                .field("host", &o.get_host())
                .field("port", &o.get_port())
                .field("database", &o.get_database())
                .field("user", &o.get_username())
                .field("ssl_mode", &o.get_ssl_mode())
                .finish_non_exhaustive(),
            #[cfg(feature = "mysql")]
            DriverOptions::MySql(o) => f
                .debug_struct("Connector::MySql")
                .field("host", &o.get_host())
                .field("port", &o.get_port())
                .field("database", &o.get_database())
                .field("user", &o.get_username())
                .field("ssl_mode", &o.get_ssl_mode())
                .finish_non_exhaustive(),
            #[cfg(feature = "sqlite")]
            DriverOptions::Sqlite(o) => f
                .debug_struct("Connector::Sqlite")
                .field("file", &o.get_filename())
                .finish_non_exhaustive(),
        }
    }
}

/// One open connection to some backend.
#[derive(Debug)]
pub(crate) enum RawConnection {
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
            RawConnection::Postgres($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::postgres as $b;
                $body
            }
            #[cfg(feature = "mysql")]
            RawConnection::MySql($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::mysql as $b;
                $body
            }
            #[cfg(feature = "sqlite")]
            RawConnection::Sqlite($conn) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::sqlite as $b;
                $body
            }
        }
    };
}

/// What an `execute` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecResult {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The id the database assigned to the last inserted row (MySQL, SQLite).
    pub last_insert_id: Option<i64>,
}

/// How a statement and its values reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// Prepared once per connection and kept in the driver's statement cache.
    Cached,
    /// Prepared for this run only: unnamed on PostgreSQL, closed after the run elsewhere.
    OneOff,
    /// PostgreSQL behind a transaction pooler: one simple-protocol message with the values
    /// written in as typed literals and, when the statement has a limit, the server-side
    /// `statement_timeout` set for it alone (see `postgres/inline.rs`).
    Inline {
        /// The server stops the statement past this.
        statement_timeout: Option<std::time::Duration>,
        /// Whether a transaction is open (then the timeout is reset after the statement).
        in_transaction: bool,
    },
}

impl Protocol {
    fn persistent(self) -> bool {
        self == Protocol::Cached
    }
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

/// The error for `transaction_pooler` on a backend that has no such mode.
pub(crate) fn transaction_pooler_unsupported(backend: Backend) -> Error {
    Error::config(format!(
        "transaction_pooler is for PostgreSQL behind PgBouncer in transaction mode; {backend} has no such mode (MySQL proxies such as ProxySQL keep prepared statements themselves)"
    ))
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

impl RawConnection {
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
    async fn execute_raw(&mut self, sql: SqlStr) -> std::result::Result<(), sqlx::Error> {
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

/// Statement text built at run time (dialect SQL with checked identifiers, never user values),
/// as the driver's owned SQL type.
pub(crate) fn sql(text: String) -> SqlStr {
    AssertSqlSafe(text).into_sql_str()
}

/// Turns a driver error into a categorized [`Error`].
pub(crate) fn classify(err: sqlx::Error, backend: Backend) -> Error {
    use sqlx::error::ErrorKind as Db;
    let (kind, message) = match &err {
        sqlx::Error::Database(db) => {
            let (code_kind, code) = server_code(backend, db.as_ref());
            let kind = match db.kind() {
                Db::UniqueViolation
                | Db::ForeignKeyViolation
                | Db::NotNullViolation
                | Db::CheckViolation
                | Db::ExclusionViolation => ErrorKind::Constraint,
                _ => code_kind,
            };
            let e = Error::new(kind, format!("{backend} rejected the statement: {}", db.message()));
            return match code {
                Some(code) => e.with_code(code),
                None => e,
            }
            .with_source(err);
        }
        // rustls reports a certificate it cannot verify as an I/O error of the handshake.
        sqlx::Error::Io(e) if is_certificate_failure(&e.to_string()) => (
            ErrorKind::Connection,
            format!("the {backend} server's certificate could not be verified: {e}"),
        ),
        sqlx::Error::Io(e) => {
            (ErrorKind::Connection, format!("lost the connection to {backend}: {e}"))
        }
        sqlx::Error::Tls(e) => {
            let detail = e.to_string();
            let message = if is_certificate_failure(&detail) {
                format!("the {backend} server's certificate could not be verified: {detail}")
            } else {
                format!("TLS with {backend} failed: {detail}")
            };
            (ErrorKind::Connection, message)
        }
        sqlx::Error::Protocol(e) => {
            (ErrorKind::Connection, format!("protocol error talking to {backend}: {e}"))
        }
        sqlx::Error::WorkerCrashed => {
            (ErrorKind::Connection, format!("the {backend} connection worker stopped"))
        }
        sqlx::Error::RowNotFound => (ErrorKind::NotFound, "no row was returned".to_owned()),
        sqlx::Error::Encode(e) => (ErrorKind::Data, format!("cannot encode a parameter: {e}")),
        sqlx::Error::Configuration(e) => {
            (ErrorKind::Config, format!("invalid {backend} configuration: {e}"))
        }
        sqlx::Error::InvalidArgument(e) => (ErrorKind::Usage, format!("invalid argument: {e}")),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => {
            (ErrorKind::Decode, format!("cannot read the result: {err}"))
        }
        _ => (ErrorKind::Other, format!("{backend} driver error: {err}")),
    };
    Error::new(kind, message).with_source(err)
}

/// Whether a TLS failure is about the server's certificate (rustls: "invalid peer
/// certificate: …").
pub(crate) fn is_certificate_failure(detail: &str) -> bool {
    detail.contains("certificate")
}

/// The server's code for a database error and its category, per backend (SQLSTATE on
/// PostgreSQL, the error number on MySQL, the extended result code on SQLite).
fn server_code(
    backend: Backend,
    db: &dyn sqlx::error::DatabaseError,
) -> (ErrorKind, Option<String>) {
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => postgres::server_code(db),
        #[cfg(feature = "mysql")]
        Backend::MySql => mysql::server_code(db),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::server_code(db),
        #[allow(unreachable_patterns, reason = "reached when a backend feature is off")]
        _ => (ErrorKind::Other, db.code().map(|c| c.into_owned())),
    }
}

/// Adds one parameter to a driver's argument buffer, mapping an encode failure to a data error.
pub(crate) fn add_arg<'t, DB, T>(args: &mut DB::Arguments, value: T) -> Result<()>
where
    DB: sqlx::Database,
    T: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    use sqlx::Arguments;
    let n = args.len() + 1;
    args.add(value)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot encode parameter {n}: {e}")))
}
