//! What the pool learns about the server session of a connection it just opened: the session
//! id it may end on the server (only when the session is provably this connection's), whether
//! the session is encrypted, and whether a transaction pooler could inline values safely.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use sqlx::SqlStr;

use super::PoolOptions;
use crate::config::Backend;
use crate::config::{DbConfig, TlsMode};
use crate::driver::{Protocol, RawConnection};
use crate::error::{Error, Result};

/// Per-pool memory of what was found about sessions, and of the warnings given once.
#[derive(Debug, Default)]
pub(crate) struct SessionFacts {
    /// 0 unknown, 1 plaintext, 2 encrypted.
    encrypted: AtomicU8,
    warned_plaintext: AtomicBool,
    warned_proxy: AtomicBool,
}

impl SessionFacts {
    /// Whether the pool's sessions are encrypted, when known.
    pub(crate) fn encrypted(&self) -> Option<bool> {
        match self.encrypted.load(Ordering::Relaxed) {
            1 => Some(false),
            2 => Some(true),
            _ => None,
        }
    }

    fn record_encrypted(&self, encrypted: bool) {
        self.encrypted.store(if encrypted { 2 } else { 1 }, Ordering::Relaxed);
    }
}

/// The server's id of the session `raw` opened, when ending it on the server is allowed and
/// provably hits this session alone: server-side stops are on, no transaction pooler is in
/// between, and the server listens on the port that was dialed (through PgBouncer, ProxySQL
/// or MaxScale it does not, and the id names a server session other clients share).
///
/// The query is kept prepared when the pool caches statements: a MySQL statement run once is
/// closed with a packet the server does not answer, and sqlx leaves Nagle's algorithm on, so
/// the connection's next command would wait for a delayed ACK (40 ms on Linux).
pub(super) async fn own_session_id(
    raw: &mut RawConnection,
    config: &DbConfig,
    options: &PoolOptions,
    facts: &SessionFacts,
) -> Result<Option<i64>> {
    if !options.server_side_stop || options.transaction_pooler {
        return Ok(None);
    }
    let Some(sql) = config.backend().dialect().session_id_sql() else { return Ok(None) };
    let protocol =
        if options.statement_cache_capacity > 0 { Protocol::Cached } else { Protocol::OneOff };
    let Some(row) = raw.fetch_optional(SqlStr::from_static(sql), &[], protocol).await? else {
        return Ok(None);
    };
    let id: i64 = row.get(0)?;
    let server_port: Option<i64> = row.get(1)?;
    let dialed = config.port_number().map(i64::from);
    if server_port.is_some() && server_port == dialed {
        return Ok(Some(id));
    }
    if !facts.warned_proxy.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            pool = %config,
            server_port = server_port.unwrap_or_default(),
            "the server listens on another port than the one dialed, so a pooler or proxy is in between: \
             dal will not end sessions on the server (a timed-out statement only closes dal's connection); \
             set server_side_stop=false to silence this"
        );
    }
    Ok(None)
}

/// Finds out whether the session `raw` opened is encrypted, records it in `facts`, and warns
/// once per pool about plaintext to a host that is not this machine. Modes that always encrypt
/// (or never) need no question; `prefer` asks the server until the pool knows. Behind a
/// transaction pooler the server would describe its own link to the pooler, so nothing is
/// asked.
pub(super) async fn note_encryption(
    raw: &mut RawConnection,
    config: &DbConfig,
    options: &PoolOptions,
    facts: &SessionFacts,
) -> Result<()> {
    let encrypted = match config.tls_options().mode() {
        _ if config.backend() == Backend::Sqlite => return Ok(()),
        TlsMode::Disable => false,
        mode if mode.always_encrypts() => true,
        _ if facts.encrypted().is_some() || options.transaction_pooler => return Ok(()),
        _ => match ask_encrypted(raw, config.backend()).await? {
            Some(encrypted) => encrypted,
            None => return Ok(()),
        },
    };
    facts.record_encrypted(encrypted);
    if !encrypted && !config.is_loopback() && !facts.warned_plaintext.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(
            pool = %config,
            host = config.host_name().unwrap_or_default(),
            "connections to {} are not encrypted: the password and every row cross the network in plaintext; \
             set sslmode=verify-full (or ssl-mode=VERIFY_IDENTITY) with the server's CA",
            config.host_name().unwrap_or_default(),
        );
    }
    Ok(())
}

async fn ask_encrypted(raw: &mut RawConnection, backend: Backend) -> Result<Option<bool>> {
    let Some(sql) = backend.dialect().session_encrypted_sql() else { return Ok(None) };
    let row = raw.fetch_optional(SqlStr::from_static(sql), &[], Protocol::OneOff).await?;
    let Some(row) = row else { return Ok(Some(false)) };
    Ok(Some(match backend {
        Backend::MySql => !row.get::<String>(1)?.is_empty(),
        _ => row.get::<bool>(0)?,
    }))
}

/// Behind a transaction pooler every value is written into the statement text. dal's
/// literals read the same either way, but the application's own string literals do not: with
/// `standard_conforming_strings = off` a backslash escapes the closing quote, so dal's
/// placeholder scanner and the server would disagree about where a literal ends, and a value
/// could land inside SQL text. Such a server is refused.
pub(super) async fn check_inlining_is_safe(
    raw: &mut RawConnection,
    config: &DbConfig,
    options: &PoolOptions,
) -> Result<()> {
    if !options.transaction_pooler || config.backend() != Backend::Postgres {
        return Ok(());
    }
    let sql = SqlStr::from_static("SHOW standard_conforming_strings");
    let row = raw
        .fetch_optional(
            sql,
            &[],
            Protocol::Inline { statement_timeout: None, in_transaction: false },
        )
        .await?;
    let value = row.map(|r| r.get::<String>(0)).transpose()?.unwrap_or_default();
    if value == "on" {
        return Ok(());
    }
    Err(Error::config(format!(
        "transaction_pooler mode needs standard_conforming_strings = on, and {} has `{value}` for this role and database: \
         with it off, a backslash in the application's own string literals changes where they end, and values written \
         into the statement could land in SQL text; set it on (ALTER ROLE … SET standard_conforming_strings = on) or \
         turn transaction_pooler off",
        config.endpoint()
    )))
}
