//! [`Connector`]: the driver's connect options, prepared once per pool from the
//! configuration, and the statement that sets up each new session.

use std::fmt;
use std::sync::Arc;

use sqlx::SqlStr;

use super::api::Driver;
#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "sqlite")]
use super::sqlite;
use super::sqlx_connection::SqlxConnection;
use super::{RawConnection, classify, is_certificate_failure, transaction_pooler_unsupported};
use crate::config::{Backend, DbConfig};
use crate::error::{Error, ErrorKind, Result};

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
    /// The configuration, for third-party drivers (which connect from it) and for errors.
    config: DbConfig,
}

#[derive(Clone)]
enum DriverOptions {
    /// A third-party driver.
    Custom(Arc<dyn Driver>),
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
        Ok(Connector { options, session_sql, config: config.clone() })
    }

    /// A connector for a third-party `driver`, which must speak the configuration's backend.
    /// The pooler mode, which writes values into PostgreSQL statement text, is the built-in
    /// PostgreSQL driver's alone.
    pub(crate) fn with_driver(config: &DbConfig, driver: Arc<dyn Driver>) -> Result<Self> {
        if driver.backend() != config.backend() {
            return Err(Error::config(format!(
                "the driver `{}` speaks {}, but the configuration is for {}",
                driver.name(),
                driver.backend(),
                config.backend()
            )));
        }
        if config.pool().transaction_pooler {
            return Err(Error::config(format!(
                "transaction_pooler is a mode of the built-in PostgreSQL driver; the driver `{}` cannot take it",
                driver.name()
            )));
        }
        Ok(Connector {
            options: DriverOptions::Custom(driver),
            session_sql: None,
            config: config.clone(),
        })
    }

    /// The driver's name, as `ServerInfo` reports it.
    pub(crate) fn driver_name(&self) -> &'static str {
        match &self.options {
            DriverOptions::Custom(driver) => driver.name(),
            _ => self.config.backend().driver_name(),
        }
    }

    /// Opens a connection. The error says where it could not connect and why: a
    /// [`ErrorKind::Config`] error when the configuration is wrong (credentials, an unknown
    /// database), a [`ErrorKind::Connection`] error otherwise.
    pub(crate) async fn connect(&self) -> Result<RawConnection> {
        match &self.options {
            DriverOptions::Custom(driver) => {
                let backend = driver.backend();
                driver
                    .connect(&self.config)
                    .await
                    .map(|conn| RawConnection::Custom { conn, backend })
                    .map_err(|e| self.cannot_connect(e.kind(), e.message().to_owned(), e))
            }
            _ => self.connect_sqlx().await.map(RawConnection::Sqlx),
        }
    }

    pub(super) async fn connect_sqlx(&self) -> Result<SqlxConnection> {
        use sqlx::ConnectOptions;
        let connected = match &self.options {
            DriverOptions::Custom(_) => {
                return Err(Error::new(ErrorKind::Other, "not a built-in driver"));
            }
            #[cfg(feature = "postgres")]
            DriverOptions::Postgres(o) => o.connect().await.map(SqlxConnection::Postgres),
            #[cfg(feature = "mysql")]
            DriverOptions::MySql(o) => o.connect().await.map(SqlxConnection::MySql),
            #[cfg(feature = "sqlite")]
            DriverOptions::Sqlite(o) => o.connect().await.map(SqlxConnection::Sqlite),
        };
        let mut conn = connected.map_err(|e| self.sqlx_connect_error(e))?;
        if let Some(sql) = &self.session_sql {
            conn.execute_raw(sql.clone()).await.map_err(|e| self.sqlx_connect_error(e))?;
        }
        Ok(conn)
    }

    /// A failed connect of a built-in driver, in words: an I/O error here is the connect itself
    /// failing (refused, unreachable), not a lost connection.
    fn sqlx_connect_error(&self, e: sqlx::Error) -> Error {
        let io_detail = match &e {
            sqlx::Error::Io(io) if !is_certificate_failure(&io.to_string()) => Some(io.to_string()),
            _ => None,
        };
        let cause = classify(e, self.config.backend());
        let detail = io_detail.unwrap_or_else(|| cause.message().to_owned());
        self.cannot_connect(cause.kind(), detail, cause)
    }

    fn cannot_connect(&self, kind: ErrorKind, detail: String, cause: Error) -> Error {
        let kind =
            if kind == ErrorKind::Config { ErrorKind::Config } else { ErrorKind::Connection };
        Error::new(
            kind,
            format!(
                "cannot connect to {} at {}: {detail}",
                self.config.backend(),
                self.config.endpoint()
            ),
        )
        .with_source(cause)
    }
}

/// What the connector leads to, from the configuration (whose password is redacted): never the
/// driver's option structs, whose derived `Debug` prints the password (and inline certificate
/// or key contents).
impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        f.debug_struct("Connector")
            .field("driver", &self.driver_name())
            .field("endpoint", &config.endpoint())
            .field("database", &config.database_name())
            .field("user", &config.user_name())
            .field("tls", &config.tls_options().mode())
            .finish_non_exhaustive()
    }
}
