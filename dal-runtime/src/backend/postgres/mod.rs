//! PostgreSQL: connect options, parameter binding, SQLSTATE categories, and statements with
//! their values written in for transaction-pooling proxies.

mod inline;

use sqlx::Postgres;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgQueryResult};

pub(super) use self::inline::inline;
use super::{Backend, ExecResult, add_arg};
use crate::config::DbConfig;
use crate::error::{ErrorKind, Result};
use crate::types::{Kind, Value};

pub(super) const BACKEND: Backend = Backend::Postgres;

pub(super) fn connect_options(config: &DbConfig) -> Result<PgConnectOptions> {
    // Without pgpass: every setting comes from the DbConfig, never from files or PG* variables.
    let mut o = PgConnectOptions::new_without_pgpass()
        .host(config.host_name().unwrap_or("localhost"))
        .port(config.port_number().unwrap_or(5432));
    if let Some(user) = config.user_name() {
        o = o.username(user);
    }
    if let Some(password) = config.password_secret() {
        o = o.password(password);
    }
    if let Some(db) = config.database_name() {
        o = o.database(db);
    }
    let mut settings = Vec::new();
    for (key, value) in config.options() {
        match key.as_str() {
            "application_name" => o = o.application_name(value),
            _ => settings.push((key.as_str(), value.as_str())),
        }
    }
    if config.pool().transaction_pooler {
        if let Some((key, _)) = settings.first() {
            return Err(crate::error::Error::config(format!(
                "the server setting `{key}` cannot be sent at connect in transaction_pooler mode: PgBouncer refuses startup settings, and a session setting would not follow the transactions from one server connection to the next; set it on the role or database instead (ALTER ROLE … SET {key} = …)"
            )));
        }
        // PgBouncer 1.x refuses startup parameters it does not track; PostgreSQL 12 and later
        // print floats exactly without it.
        o = o.extra_float_digits(None);
    }
    if !settings.is_empty() {
        o = o.options(settings);
    }
    Ok(o)
}

pub(super) fn arguments(params: &[Value<'_>]) -> Result<PgArguments> {
    let mut args = PgArguments::default();
    for p in params {
        let a = &mut args;
        match p {
            Value::Null(kind) => bind_null(a, *kind)?,
            Value::Bool(v) => add_arg::<Postgres, _>(a, v)?,
            Value::I16(v) => add_arg::<Postgres, _>(a, v)?,
            Value::I32(v) => add_arg::<Postgres, _>(a, v)?,
            Value::I64(v) => add_arg::<Postgres, _>(a, v)?,
            Value::F32(v) => add_arg::<Postgres, _>(a, v)?,
            Value::F64(v) => add_arg::<Postgres, _>(a, v)?,
            Value::Text(v) => add_arg::<Postgres, _>(a, v.as_ref())?,
            Value::Bytes(v) => add_arg::<Postgres, _>(a, v.as_ref())?,
            Value::Uuid(v) => add_arg::<Postgres, _>(a, v)?,
            Value::DateTime(v) => add_arg::<Postgres, _>(a, v)?,
            Value::NaiveDateTime(v) => add_arg::<Postgres, _>(a, v)?,
            Value::NaiveDate(v) => add_arg::<Postgres, _>(a, v)?,
            Value::Json(v) => add_arg::<Postgres, _>(a, v.as_ref())?,
        }
    }
    Ok(args)
}

/// PostgreSQL checks parameter types, so a `NULL` is sent with the type of its column.
fn bind_null(a: &mut PgArguments, kind: Kind) -> Result<()> {
    match kind {
        Kind::Bool => add_arg::<Postgres, _>(a, None::<bool>),
        Kind::I16 => add_arg::<Postgres, _>(a, None::<i16>),
        Kind::I32 => add_arg::<Postgres, _>(a, None::<i32>),
        Kind::I64 => add_arg::<Postgres, _>(a, None::<i64>),
        Kind::F32 => add_arg::<Postgres, _>(a, None::<f32>),
        Kind::F64 => add_arg::<Postgres, _>(a, None::<f64>),
        Kind::Text => add_arg::<Postgres, _>(a, None::<&str>),
        Kind::Bytes => add_arg::<Postgres, _>(a, None::<&[u8]>),
        Kind::Uuid => add_arg::<Postgres, _>(a, None::<uuid::Uuid>),
        Kind::DateTime => add_arg::<Postgres, _>(a, None::<chrono::DateTime<chrono::Utc>>),
        Kind::NaiveDateTime => add_arg::<Postgres, _>(a, None::<chrono::NaiveDateTime>),
        Kind::NaiveDate => add_arg::<Postgres, _>(a, None::<chrono::NaiveDate>),
        Kind::Json => add_arg::<Postgres, _>(a, None::<serde_json::Value>),
    }
}

pub(super) fn exec_result(done: &PgQueryResult) -> ExecResult {
    ExecResult { rows_affected: done.rows_affected(), last_insert_id: None }
}

pub(super) fn server_code(db: &dyn sqlx::error::DatabaseError) -> (ErrorKind, Option<String>) {
    let code = db.code().map(|c| c.into_owned());
    (code.as_deref().map_or(ErrorKind::Other, kind_of_code), code)
}

/// SQLSTATE → category (PostgreSQL manual, appendix A): single codes first, then the class
/// (the first two characters). The table with the reasons is in `error_codes.md`.
pub(super) fn kind_of_code(code: &str) -> ErrorKind {
    kind_of_single_code(code).unwrap_or_else(|| kind_of_class(code.get(..2).unwrap_or("")))
}

fn kind_of_single_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "40001" | "40P01" => ErrorKind::Serialization, // serialization_failure, deadlock_detected
        // lock_not_available (lock_timeout, NOWAIT): another transaction holds the lock, so the
        // cure is the deadlock's: run the whole transaction again. Serialization, not Timeout,
        // so transaction scopes retry it and circuit breakers do not count it as an outage.
        "55P03" => ErrorKind::Serialization,
        "57014" => ErrorKind::Timeout, // query_canceled: statement_timeout or a cancel request
        // The server ended the session (admin_shutdown, crash_shutdown, cannot_connect_now,
        // idle_session_timeout, idle_in_transaction_session_timeout) or has no slot for it.
        "57P01" | "57P02" | "57P03" | "57P05" | "25P03" | "53300" => ErrorKind::Connection,
        "3D000" => ErrorKind::Config, // database does not exist
        "25006" => ErrorKind::Usage,  // read_only_sql_transaction: a write in a read-only one
        "25P02" => ErrorKind::Usage,  // in_failed_sql_transaction: work after a failed statement
        _ => return None,
    })
}

fn kind_of_class(class: &str) -> ErrorKind {
    match class {
        "08" => ErrorKind::Connection,
        "23" => ErrorKind::Constraint,
        "22" => ErrorKind::Data,
        "42" => ErrorKind::Syntax, // also insufficient_privilege (42501), as PostgreSQL files it
        "28" => ErrorKind::Config, // authorization
        _ => ErrorKind::Other,
    }
}

/// Server sessions are ended from a side connection; nothing to install.
pub(super) async fn interrupter(
    _conn: &mut sqlx::PgConnection,
) -> Result<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> {
    Ok(None)
}
