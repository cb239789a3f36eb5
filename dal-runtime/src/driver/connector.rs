//! [`Connector`]: the driver's connect options, prepared once per pool from the
//! configuration, and the statement that sets up each new session.

use std::fmt;

use sqlx::SqlStr;

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "sqlite")]
use super::sqlite;
use super::{RawConnection, transaction_pooler_unsupported};
use crate::config::{Backend, DbConfig};
use crate::error::{Error, Result};

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
