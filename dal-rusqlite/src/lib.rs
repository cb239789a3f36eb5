//! A SQLite driver for dal on [rusqlite](https://docs.rs/rusqlite), written only against dal's
//! public driver traits (`dal::driver`). Statements run on the calling thread when the future
//! dal awaits is first polled, and it completes at once: there is no worker thread to cross,
//! which is what makes `dal::blocking` on SQLite as fast as rusqlite by hand.
//!
//! The database files, settings and values are the built-in (sqlx) SQLite driver's: the same
//! options (`mode`, `busy_timeout`, `synchronous`, `journal_mode`, `cache_size`), foreign keys
//! on, WAL for files, values stored the same way (UUIDs as hyphenated text, timestamps as
//! RFC 3339 text, JSON as text, booleans as integers) and read back by the same rules, errors
//! in the same categories. A file written through one driver reads the same through the other.
//!
//! ```no_run
//! use dal_runtime::{Backend, Database, DbConfig, Pool};
//! use dal_rusqlite::RusqliteDriver;
//!
//! # async fn demo() -> dal_runtime::Result<()> {
//! let config = DbConfig::new(Backend::Sqlite).database("app.db");
//! let db = Database::from_pool(Pool::with_driver(config, RusqliteDriver::new())?);
//! let n: i64 = db.query("SELECT ? + 1").bind(41_i64).fetch_one().await?.get(0)?;
//! assert_eq!(n, 42);
//! # Ok(()) }
//! ```
//!
//! Layout: `open.rs` (a configuration into an open connection), `connection.rs` (the
//! [`DriverConnection`](dal_runtime::driver::DriverConnection)), `bind.rs` (values into
//! parameters), `row.rs` (the [`RowSource`](dal_runtime::driver::RowSource): stored values
//! into the kinds asked for), `error.rs` (result codes into categories).

mod bind;
mod connection;
mod error;
mod open;
mod row;

use dal_runtime::driver::{BoxFuture, Driver, DriverConnection};
use dal_runtime::{Backend, DbConfig, Result};
use futures_util::FutureExt;

pub use self::row::SqliteRow;

/// The SQLite driver on rusqlite. Plug it in with `Pool::with_driver(config, RusqliteDriver::new())`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RusqliteDriver {
    _private: (),
}

impl RusqliteDriver {
    /// The driver.
    pub fn new() -> Self {
        RusqliteDriver::default()
    }

    /// The name [`Driver::name`] reports (and `ServerInfo::driver` shows).
    pub const NAME: &'static str = "rusqlite";
}

impl Driver for RusqliteDriver {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn connect<'a>(
        &'a self,
        config: &'a DbConfig,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
        // Opening a file is quick local I/O: done on the calling thread, like every statement.
        async move {
            let conn = connection::RusqliteConnection::open(config)?;
            Ok(Box::new(conn) as Box<dyn DriverConnection>)
        }
        .boxed()
    }
}
