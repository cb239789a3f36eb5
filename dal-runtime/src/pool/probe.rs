//! Questions asked of a pool's server outside the pool: on a connection just opened (does
//! it accept writes?) or on a one-off side connection that neither borrows from the pool nor
//! counts against its breaker (what a failover search asks every candidate).

use sqlx::SqlStr;

use super::Pool;
use crate::config::DbConfig;
use crate::driver::{Protocol, RawConnection};
use crate::error::{Error, ErrorKind, Result};
use crate::types::Row;

/// Refuses a new connection to a server that does not accept writes (see
/// [`super::PoolOptions::read_write_only`]).
pub(super) async fn check_accepts_writes(raw: &mut RawConnection, config: &DbConfig) -> Result<()> {
    let Some(sql) = config.backend().dialect().accepts_writes_sql() else { return Ok(()) };
    let row = raw.fetch_optional(SqlStr::from_static(sql), &[], Protocol::OneOff).await?;
    match row.map(|r| r.get::<i64>(0)).transpose()? {
        Some(1) => Ok(()),
        _ => Err(not_writable(config)),
    }
}

/// The error for a server that does not take writes.
pub(crate) fn not_writable(config: &DbConfig) -> Error {
    Error::new(
        ErrorKind::Connection,
        format!(
            "{} at {} does not accept writes (a replica, or read-only): it is not the primary; a retry may find the new one",
            config.backend(),
            config.endpoint()
        ),
    )
}

impl Pool {
    /// Runs `sql` (no parameters) on a connection of its own, opened within the connect
    /// timeout and closed after, and returns its first row.
    pub(crate) async fn probe(&self, sql: &'static str) -> Result<Option<Row>> {
        let inner = &self.inner;
        let limit = inner.options.connect_timeout;
        let ask = async {
            let mut side = inner.connector.connect().await?;
            let row = side.fetch_optional(SqlStr::from_static(sql), &[], Protocol::OneOff).await;
            side.close().await;
            row
        };
        crate::rt::timeout(limit, ask).await.unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "{} did not answer within {}",
                    inner.config.endpoint(),
                    super::human(limit)
                ),
            ))
        })
    }

    /// Operations of this pool that failed with a connection error so far.
    pub(crate) fn connection_failures(&self) -> u64 {
        self.inner.observer.failures(ErrorKind::Connection)
    }
}
