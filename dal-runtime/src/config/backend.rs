//! [`Backend`]: which database a configuration names, with what is fixed about each (URL
//! scheme, dialect, default port).

use std::fmt;

use dal_sql::Dialect;

use crate::error::{Error, Result};

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// SQLite (embedded).
    Sqlite,
}

impl Backend {
    /// Parses a URL scheme: `postgres`/`postgresql`, `mysql`/`mariadb`, `sqlite`.
    pub fn from_scheme(scheme: &str) -> Result<Self> {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            "sqlite" => Ok(Backend::Sqlite),
            _ => Err(Error::config(format!(
                "unknown database scheme `{scheme}`: expected postgres, postgresql, mysql, mariadb or sqlite"
            ))),
        }
    }

    /// The canonical URL scheme.
    pub const fn scheme(self) -> &'static str {
        self.dialect().name()
    }

    /// The SQL dialect this backend speaks.
    pub const fn dialect(self) -> Dialect {
        match self {
            Backend::Postgres => Dialect::Postgres,
            Backend::MySql => Dialect::MySql,
            Backend::Sqlite => Dialect::Sqlite,
        }
    }

    /// The default TCP port, `None` for SQLite.
    pub const fn default_port(self) -> Option<u16> {
        match self {
            Backend::Postgres => Some(5432),
            Backend::MySql => Some(3306),
            Backend::Sqlite => None,
        }
    }

    /// The driver dal uses for this backend, as reported by `server_version` callers.
    pub const fn driver_name(self) -> &'static str {
        match self {
            Backend::Postgres => "sqlx-postgres",
            Backend::MySql => "sqlx-mysql",
            Backend::Sqlite => "sqlx-sqlite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}
