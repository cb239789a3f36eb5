//! SQLite: connect options, parameter binding, result-code categories.

use std::str::FromStr;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteQueryResult};

use super::{Backend, ExecResult, add_arg};
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
    let mut o = o.foreign_keys(true);
    for (key, value) in config.options() {
        o = match (key.as_str(), value.as_str()) {
            ("mode", "ro") => o.read_only(true),
            ("mode", "rw") => o.create_if_missing(false),
            ("mode", "rwc" | "memory") => o,
            _ => {
                return Err(Error::config(format!(
                    "unknown sqlite option `{key}={value}`: sqlite takes mode=ro, rw, rwc or memory"
                )));
            }
        };
    }
    Ok(o)
}

pub(super) fn arguments(params: &[Value<'_>]) -> Result<SqliteArguments> {
    let mut args = SqliteArguments::default();
    for p in params {
        let a = &mut args;
        match p {
            Value::Null(kind) => bind_null(a, *kind)?,
            Value::Bool(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::I16(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::I32(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::I64(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::F32(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::F64(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::Text(v) => add_arg::<Sqlite, _>(a, v.as_ref())?,
            Value::Bytes(v) => add_arg::<Sqlite, _>(a, v.as_ref())?,
            Value::Uuid(v) => add_arg::<Sqlite, _>(a, v.hyphenated().to_string())?,
            Value::DateTime(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::NaiveDateTime(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::NaiveDate(v) => add_arg::<Sqlite, _>(a, v)?,
            Value::Json(v) => add_arg::<Sqlite, _>(a, v.to_string())?,
        }
    }
    Ok(args)
}

fn bind_null(a: &mut SqliteArguments, kind: Kind) -> Result<()> {
    // SQLite columns are dynamically typed: the kind of a NULL does not matter.
    let _ = kind;
    add_arg::<Sqlite, _>(a, None::<i64>)
}

pub(super) fn exec_result(done: &SqliteQueryResult) -> ExecResult {
    ExecResult {
        rows_affected: done.rows_affected(),
        last_insert_id: Some(done.last_insert_rowid()),
    }
}

pub(super) fn server_code(db: &dyn sqlx::error::DatabaseError) -> (ErrorKind, Option<String>) {
    let code = db.code().map(|c| c.into_owned());
    (code.as_deref().map_or(ErrorKind::Other, kind_of_code), code)
}

/// Extended result code → category (https://sqlite.org/rescode.html); the primary code is the
/// low byte.
pub(super) fn kind_of_code(code: &str) -> ErrorKind {
    match code.parse::<u32>().unwrap_or(0) & 0xff {
        19 => ErrorKind::Constraint,
        5 | 6 => ErrorKind::Serialization, // BUSY, LOCKED: another writer holds the lock
        9 => ErrorKind::Timeout,           // INTERRUPT
        1 => ErrorKind::Syntax,            // generic SQL error: syntax, unknown table or column
        18 | 20 | 25 => ErrorKind::Data,   // TOOBIG, MISMATCH, RANGE
        14 | 23 => ErrorKind::Config,      // CANTOPEN, AUTH
        8 => ErrorKind::Usage,             // READONLY: a write under query_only
        _ => ErrorKind::Other,
    }
}
