//! SQLite: connect options, parameter binding, result-code categories.

use std::str::FromStr;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteQueryResult, SqliteSynchronous,
};

use super::{ExecResult, add_arg};
use crate::config::Backend;
use crate::config::DbConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Kind, Value};

pub(super) const BACKEND: Backend = Backend::Sqlite;

/// Whether `config` names a private in-memory database (one the pool must keep on one
/// connection, since SQLite's shared cache locks whole tables).
pub(crate) fn is_memory(config: &DbConfig) -> bool {
    config.database_name().is_none_or(|db| db == ":memory:")
        || config.options().get("mode").is_some_and(|m| m == "memory")
}

pub(super) fn connect_options(config: &DbConfig) -> Result<SqliteConnectOptions> {
    let bad = |e: sqlx::Error| {
        Error::config(format!("invalid sqlite database `{}`: {e}", config.endpoint()))
    };
    let o = if is_memory(config) {
        // Parsed once per pool: sqlx names the shared in-memory database at parse time.
        SqliteConnectOptions::from_str("sqlite::memory:").map_err(bad)?
    } else {
        let path = config.database_name().unwrap_or_default();
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
    };
    // Waits this long for another connection's lock before SQLITE_BUSY: sqlx's default,
    // written here so the option below has a documented default.
    let mut o = o.foreign_keys(true).busy_timeout(std::time::Duration::from_secs(5));
    // Decimal columns are declared with this collation: without it, a statement that
    // compares one fails with "no such collation sequence".
    o = o.collation(dal_sql::decimal::SQLITE_COLLATION, dal_sql::decimal::compare_text);
    for (key, value) in config.options() {
        let unknown = |what: &str| {
            Error::config(format!("the sqlite option `{key}` must be {what}, got `{value}`"))
        };
        o = match key.as_str() {
            "mode" => match value.as_str() {
                "ro" => o.read_only(true),
                "rw" => o.create_if_missing(false),
                "rwc" | "memory" => o,
                _ => return Err(unknown("ro, rw, rwc or memory")),
            },
            "busy_timeout" => o.busy_timeout(crate::config::parse_duration(key, value)?),
            "synchronous" => o.synchronous(
                SqliteSynchronous::from_str(value)
                    .map_err(|_| unknown("off, normal, full or extra"))?,
            ),
            "journal_mode" => o.journal_mode(
                SqliteJournalMode::from_str(value)
                    .map_err(|_| unknown("delete, truncate, persist, memory, wal or off"))?,
            ),
            "cache_size" => {
                let pages: i64 = value
                    .parse()
                    .map_err(|_| unknown("a number of pages, or a negative number of KiB"))?;
                o.pragma("cache_size", pages.to_string())
            }
            _ => {
                return Err(Error::config(format!(
                    "unknown sqlite option `{key}`: sqlite takes mode, busy_timeout, synchronous, journal_mode and cache_size"
                )));
            }
        };
    }
    Ok(o)
}

pub(super) fn arguments(params: &[Value<'_>]) -> Result<SqliteArguments> {
    super::bind::arguments::<Sqlite>(params)
}

impl super::bind::Binding for Sqlite {
    fn uuid(a: &mut SqliteArguments, v: &uuid::Uuid) -> Result<()> {
        add_arg::<Sqlite, _>(a, v.hyphenated().to_string())
    }

    fn datetime(a: &mut SqliteArguments, v: &chrono::DateTime<chrono::Utc>) -> Result<()> {
        add_arg::<Sqlite, _>(a, v)
    }

    fn json(a: &mut SqliteArguments, v: &serde_json::Value) -> Result<()> {
        add_arg::<Sqlite, _>(a, v.to_string())
    }

    /// As text, which the column's collation compares by value (see `dal_sql::decimal`).
    fn decimal(a: &mut SqliteArguments, v: &rust_decimal::Decimal) -> Result<()> {
        add_arg::<Sqlite, _>(a, v.to_string())
    }

    /// SQLite columns are dynamically typed: the kind of a NULL does not matter.
    fn null(a: &mut SqliteArguments, _kind: Kind) -> Result<()> {
        add_arg::<Sqlite, _>(a, None::<i64>)
    }
}

pub(super) fn exec_result(done: &SqliteQueryResult) -> ExecResult {
    ExecResult {
        rows_affected: done.rows_affected(),
        last_insert_id: Some(done.last_insert_rowid()),
    }
}

pub(super) fn server_code(db: &dyn sqlx::error::DatabaseError) -> (ErrorKind, Option<String>) {
    let code = db.code().map(|c| c.into_owned());
    let kind = code.as_deref().map_or(ErrorKind::Other, |c| {
        super::sqlite_error_kind(c.parse().unwrap_or(0), db.message())
    });
    (kind, code)
}

/// VM steps between two looks at the interrupt flag: frequent enough to stop within
/// microseconds, rare enough to cost nothing measurable.
const STEPS_PER_CHECK: i32 = 1000;

/// Installs the progress handler that interrupts the running statement once the flag is set.
pub(super) async fn interrupter(
    conn: &mut sqlx::SqliteConnection,
) -> Result<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let flag = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&flag);
    let mut handle = conn.lock_handle().await.map_err(|e| super::classify(e, BACKEND))?;
    // Returning false makes SQLite abandon the statement with SQLITE_INTERRUPT.
    handle.set_progress_handler(STEPS_PER_CHECK, move || !seen.load(Ordering::Acquire));
    Ok(Some(flag))
}
