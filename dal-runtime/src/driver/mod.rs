//! Drivers. Public: the trait set a backend implements ([`Driver`], [`DriverConnection`],
//! [`RowSource`], with [`Statement`] and [`ExecResult`]; see `api.rs`) and the built-in drivers
//! behind it ([`SqlxDriver`]). Inside the runtime: everything that differs between the built-in
//! backends at run time (connect options, parameter binding, error codes) lives here, one file
//! per backend (`postgres/`, `mysql.rs`, `sqlite.rs`) over what they share: the connector
//! (`connector.rs`), the connection the statement pipeline calls (`connection.rs`,
//! `sqlx_connection.rs`), one value binder (`bind.rs`) and error classification
//! (`classify.rs`).

mod api;
mod bind;
mod classify;
mod connection;
mod connector;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod sqlite_codes;
mod sqlx_connection;
mod sqlx_driver;

pub use self::api::{Driver, DriverConnection, Statement};
pub(crate) use self::classify::{classify, is_certificate_failure};
pub(crate) use self::connection::RawConnection;
pub(crate) use self::connector::Connector;
#[cfg(feature = "sqlite")]
pub(crate) use self::sqlite::is_memory as sqlite_is_memory;
pub use self::sqlite_codes::sqlite_error_kind;
pub use self::sqlx_driver::SqlxDriver;
/// Parses a duration option as dal's URLs write them (`500ms`, `10s`, `2m`, `1h`, or a bare
/// number of seconds), for drivers with options of their own; the error names `key`.
pub use crate::config::parse_duration as duration_option;
pub use crate::types::{RowSource, unreadable};
/// For a driver's [`RowSource`]: a decimal from the text, or the float, a column holds.
pub use crate::types::{decimal_from_real, decimal_from_text};
/// What a SQLite driver registers on every connection: decimal columns are declared
/// `TEXT COLLATE dal_decimal` ([`DECIMAL_COLLATION`]), ordered by [`compare_decimal_text`].
pub use dal_sql::decimal::{
    SQLITE_COLLATION as DECIMAL_COLLATION, compare_text as compare_decimal_text,
};
/// The boxed future and stream types the driver traits return.
pub use futures_util::future::BoxFuture;
/// See [`BoxFuture`].
pub use futures_util::stream::BoxStream;

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::config::Backend;
use crate::error::{Error, ErrorKind, Result};

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

/// The error for `transaction_pooler` on a backend that has no such mode.
pub(crate) fn transaction_pooler_unsupported(backend: Backend) -> Error {
    Error::config(format!(
        "transaction_pooler is for PostgreSQL behind PgBouncer in transaction mode; {backend} has no such mode (MySQL proxies such as ProxySQL keep prepared statements themselves)"
    ))
}

/// Statement text built at run time (dialect SQL with checked identifiers, never user values),
/// as the driver's owned SQL type.
pub(crate) fn sql(text: String) -> SqlStr {
    AssertSqlSafe(text).into_sql_str()
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
