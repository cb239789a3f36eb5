//! PostgreSQL: connect options, parameter binding, SQLSTATE categories, and statements with
//! their values written in for transaction-pooling proxies.

mod inline;

use sqlx::Postgres;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgQueryResult, PgSslMode};

pub(super) use self::inline::inline;
use super::{ExecResult, add_arg};
use crate::config::Backend;
use crate::config::{DbConfig, Tls, TlsMode};
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Kind, Value};

pub(super) const BACKEND: Backend = Backend::Postgres;

pub(super) fn connect_options(config: &DbConfig) -> Result<PgConnectOptions> {
    // sqlx fills a new options value from PG* environment variables (PGHOST, PGUSER,
    // PGPASSWORD, PGDATABASE, PGSSLMODE, PGAPPNAME, PGOPTIONS, …) with no way to opt out, so
    // every field that has a setter is set here from the DbConfig alone, and the variables
    // whose fields cannot be reset are refused (see `refuse_unresettable_env`).
    let user = match config.user_name() {
        Some(user) => user.to_owned(),
        // libpq's default: the operating-system user.
        None => whoami::username().unwrap_or_else(|_| "postgres".to_owned()),
    };
    let mut o = PgConnectOptions::new_without_pgpass()
        .host(config.host_name().unwrap_or("localhost"))
        .port(config.port_number().unwrap_or(5432))
        .username(&user)
        // An empty password is what sqlx sends when none is set: this only overrides
        // PGPASSWORD.
        .password(config.password_secret().unwrap_or(""))
        // libpq's default database is the user's name.
        .database(config.database_name().unwrap_or(&user));
    o = tls_options(o, config.tls_options());
    let mut settings: Vec<(String, String)> = Vec::new();
    let mut application_name = String::new();
    for (key, value) in config.options() {
        match key.as_str() {
            "application_name" => application_name = value.clone(),
            "search_path" => settings.push((key.clone(), value.clone())),
            "options" => settings.extend(parse_libpq_options(value)?),
            _ => match key.strip_prefix("options[").and_then(|k| k.strip_suffix(']')) {
                Some(name) => settings.push((setting_name(name)?.to_owned(), value.clone())),
                None => {
                    return Err(Error::config(format!(
                        "unknown postgres option `{key}`: postgres takes application_name, search_path, options (-c name=value …) and options[name]=value for server settings, besides the TLS and pool options"
                    )));
                }
            },
        }
    }
    // Always set, so PGAPPNAME cannot supply one.
    o = o.application_name(&application_name);
    refuse_unresettable_env(&o, config)?;
    if config.pool().transaction_pooler {
        if let Some((key, _)) = settings.first() {
            return Err(Error::config(format!(
                "the server setting `{key}` cannot be sent at connect in transaction_pooler mode: PgBouncer refuses startup settings, and a session setting would not follow the transactions from one server connection to the next; set it on the role or database instead (ALTER ROLE … SET {key} = …)"
            )));
        }
        // PgBouncer 1.x refuses startup parameters it does not track; PostgreSQL 12 and later
        // print floats exactly without it.
        o = o.extra_float_digits(None);
        // sqlx logs every statement's text as sent (`sqlx::query` events, and a warning for
        // slow ones); in this mode that text holds the bound values written in as literals,
        // so it would put them in log lines. dal's own spans and slow-query log carry the SQL
        // as written, with `?`.
        o = sqlx::ConnectOptions::disable_statement_logging(o);
    }
    if !settings.is_empty() {
        o = o.options(settings);
    }
    Ok(o)
}

/// Maps [`Tls`] onto the driver's options. Every field is set, so PGSSLMODE and
/// PGSSLROOTCERT cannot supply one (an empty root certificate list adds nothing to the
/// built-in roots).
fn tls_options(o: PgConnectOptions, tls: &Tls) -> PgConnectOptions {
    let mode = match tls.mode() {
        TlsMode::Disable => PgSslMode::Disable,
        TlsMode::Prefer => PgSslMode::Prefer,
        TlsMode::Require => PgSslMode::Require,
        TlsMode::VerifyCa => PgSslMode::VerifyCa,
        TlsMode::VerifyFull => PgSslMode::VerifyFull,
    };
    let mut o = o.ssl_mode(mode);
    o = match tls.root_cert_path() {
        Some(path) => o.ssl_root_cert(path),
        None => o.ssl_root_cert_from_pem(Vec::new()),
    };
    if let (Some(cert), Some(key)) = (tls.client_cert_path(), tls.client_key_path()) {
        o = o.ssl_client_cert(cert).ssl_client_key(key);
    }
    o
}

/// The PG* variables whose effect cannot be undone through the driver's setters: PGOPTIONS
/// (appended to every connection's startup options) and PGSSLCERT/PGSSLKEY (a client
/// certificate presented although none was configured). Rather than connect with settings
/// nobody asked for, the pool is refused with an error that names the variable.
fn refuse_unresettable_env(o: &PgConnectOptions, config: &DbConfig) -> Result<()> {
    let refuse = |var: &str, why: &str| {
        Error::config(format!(
            "{var} is set in this process's environment: dal builds connections from the DbConfig alone, but the PostgreSQL driver (sqlx) would {why} and offers no way to turn that off; unset {var} (or put what it says into the DbConfig)"
        ))
    };
    if o.get_options().is_some() {
        return Err(refuse("PGOPTIONS", "send its settings on every connection"));
    }
    if config.tls_options().client_cert_path().is_none() {
        for var in ["PGSSLCERT", "PGSSLKEY"] {
            if std::env::var_os(var).is_some() {
                return Err(refuse(var, "present its client certificate"));
            }
        }
    }
    Ok(())
}

/// A server setting's name: letters, digits, `_` and `.` (custom settings are `ext.name`).
fn setting_name(name: &str) -> Result<&str> {
    let valid =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if valid {
        Ok(name)
    } else {
        Err(Error::config(format!(
            "`{name}` is not a server setting name (letters, digits, `_` and `.` only)"
        )))
    }
}

/// libpq's `options` value: `-c name=value` pairs (or `--name=value`), separated by spaces,
/// with `\` escaping a space or a backslash in a value.
fn parse_libpq_options(text: &str) -> Result<Vec<(String, String)>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let bad = || {
        Error::config(format!(
            "the postgres option `options` must be `-c name=value` pairs, got `{text}`"
        ))
    };
    let mut settings = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let pair = match word.as_str() {
            "-c" => words.next().ok_or_else(bad)?,
            w => match w.strip_prefix("--").or_else(|| w.strip_prefix("-c")) {
                Some(rest) => rest.to_owned(),
                None => return Err(bad()),
            },
        };
        let (name, value) = pair.split_once('=').ok_or_else(bad)?;
        settings.push((setting_name(&name.replace('-', "_"))?.to_owned(), value.to_owned()));
    }
    Ok(settings)
}

pub(super) fn arguments(params: &[Value<'_>]) -> Result<PgArguments> {
    super::bind::arguments::<Postgres>(params)
}

impl super::bind::Binding for Postgres {
    fn uuid(a: &mut PgArguments, v: &uuid::Uuid) -> Result<()> {
        add_arg::<Postgres, _>(a, v)
    }

    fn datetime(a: &mut PgArguments, v: &chrono::DateTime<chrono::Utc>) -> Result<()> {
        add_arg::<Postgres, _>(a, v)
    }

    fn json(a: &mut PgArguments, v: &serde_json::Value) -> Result<()> {
        add_arg::<Postgres, _>(a, v)
    }

    fn decimal(a: &mut PgArguments, v: &rust_decimal::Decimal) -> Result<()> {
        add_arg::<Postgres, _>(a, v)
    }

    /// PostgreSQL checks parameter types, so a `NULL` is sent with the type of its column.
    fn null(a: &mut PgArguments, kind: Kind) -> Result<()> {
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
            Kind::Decimal => add_arg::<Postgres, _>(a, None::<rust_decimal::Decimal>),
            Kind::NaiveTime => add_arg::<Postgres, _>(a, None::<chrono::NaiveTime>),
        }
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
