//! MySQL and MariaDB: connect options, parameter binding, error-number categories.

use sqlx::MySql;
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlQueryResult, MySqlSslMode};

use super::{ExecResult, add_arg};
use crate::config::Backend;
use crate::config::{DbConfig, Tls, TlsMode};
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Kind, Value};

pub(super) const BACKEND: Backend = Backend::MySql;

/// The `sql_mode` of every session unless the configuration says otherwise: strict
/// (`TRADITIONAL`: a value that does not fit is an error, not a silent truncation or a zero
/// date), with `||` concatenating strings as on PostgreSQL and SQLite.
pub(crate) const DEFAULT_SQL_MODE: &str = "TRADITIONAL,PIPES_AS_CONCAT";

pub(super) fn connect_options(config: &DbConfig) -> Result<(MySqlConnectOptions, String)> {
    let mut o = MySqlConnectOptions::new()
        .host(config.host_name().unwrap_or("localhost"))
        .port(config.port_number().unwrap_or(3306))
        // dal sends the session settings itself (see `session_sql`), in one statement.
        .pipes_as_concat(false)
        .no_engine_substitution(false)
        .timezone(None)
        .set_names(false);
    if let Some(user) = config.user_name() {
        o = o.username(user);
    }
    if let Some(password) = config.password_secret() {
        o = o.password(password);
    }
    if let Some(db) = config.database_name() {
        o = o.database(db);
    }
    o = tls_options(o, config.tls_options());
    Ok((o, session_sql(config)?))
}

/// The statement run on every new connection: `sql_mode`, `time_zone` (UTC by default, so
/// DATETIME columns hold what `DateTime<Utc>` means) and the character set (full Unicode by
/// default), each from the options or its default. Values are checked against what the
/// server's syntax allows, never quoted blindly.
fn session_sql(config: &DbConfig) -> Result<String> {
    let mut sql_mode = DEFAULT_SQL_MODE.to_owned();
    let mut time_zone = "+00:00".to_owned();
    let mut charset = "utf8mb4".to_owned();
    let mut collation = None;
    for (key, value) in config.options() {
        match key.as_str() {
            "sql_mode" => {
                sql_mode =
                    checked(key, value, |c| c.is_ascii_alphanumeric() || c == '_' || c == ',')?
            }
            "time_zone" => {
                time_zone = checked(key, value, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '+' | '-' | ':')
                })?
            }
            "charset" => charset = checked(key, value, |c| c.is_ascii_alphanumeric() || c == '_')?,
            "collation" => {
                collation = Some(checked(key, value, |c| c.is_ascii_alphanumeric() || c == '_')?)
            }
            _ => {
                return Err(Error::config(format!(
                    "unknown mysql option `{key}`: mysql takes sql_mode, time_zone, charset and collation, besides the TLS and pool options"
                )));
            }
        }
    }
    let names = match collation {
        Some(collation) => format!("NAMES {charset} COLLATE {collation}"),
        None => format!("NAMES {charset}"),
    };
    Ok(format!("SET sql_mode = '{sql_mode}', time_zone = '{time_zone}', {names}"))
}

/// `value` when every character passes `allowed` (and it is not empty), else a Config error
/// naming the option.
fn checked(key: &str, value: &str, allowed: impl Fn(char) -> bool) -> Result<String> {
    if !value.is_empty() && value.chars().all(allowed) {
        Ok(value.to_owned())
    } else {
        Err(Error::config(format!(
            "the mysql option `{key}` has characters it cannot hold: `{value}`"
        )))
    }
}

/// Maps [`Tls`] onto the driver's options.
fn tls_options(o: MySqlConnectOptions, tls: &Tls) -> MySqlConnectOptions {
    let mode = match tls.mode() {
        TlsMode::Disable => MySqlSslMode::Disabled,
        TlsMode::Prefer => MySqlSslMode::Preferred,
        TlsMode::Require => MySqlSslMode::Required,
        TlsMode::VerifyCa => MySqlSslMode::VerifyCa,
        TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
    };
    let mut o = o.ssl_mode(mode);
    if let Some(path) = tls.root_cert_path() {
        o = o.ssl_ca(path);
    }
    if let (Some(cert), Some(key)) = (tls.client_cert_path(), tls.client_key_path()) {
        o = o.ssl_client_cert(cert).ssl_client_key(key);
    }
    o
}

pub(super) fn arguments(params: &[Value<'_>]) -> Result<MySqlArguments> {
    super::bind::arguments::<MySql>(params)
}

impl super::bind::Binding for MySql {
    /// As CHAR(36) text: readable in any client.
    fn uuid(a: &mut MySqlArguments, v: &uuid::Uuid) -> Result<()> {
        add_arg::<MySql, _>(a, v.hyphenated().to_string())
    }

    /// As DATETIME, not TIMESTAMP: a TIMESTAMP parameter past 2038 becomes a zero date.
    fn datetime(a: &mut MySqlArguments, v: &chrono::DateTime<chrono::Utc>) -> Result<()> {
        add_arg::<MySql, _>(a, v.naive_utc())
    }

    fn json(a: &mut MySqlArguments, v: &serde_json::Value) -> Result<()> {
        add_arg::<MySql, _>(a, v.to_string())
    }

    fn decimal(a: &mut MySqlArguments, v: &rust_decimal::Decimal) -> Result<()> {
        add_arg::<MySql, _>(a, v)
    }

    fn null(a: &mut MySqlArguments, kind: Kind) -> Result<()> {
        match kind {
            Kind::Bool => add_arg::<MySql, _>(a, None::<bool>),
            Kind::I16 => add_arg::<MySql, _>(a, None::<i16>),
            Kind::I32 => add_arg::<MySql, _>(a, None::<i32>),
            Kind::I64 => add_arg::<MySql, _>(a, None::<i64>),
            Kind::F32 => add_arg::<MySql, _>(a, None::<f32>),
            Kind::F64 => add_arg::<MySql, _>(a, None::<f64>),
            Kind::Bytes => add_arg::<MySql, _>(a, None::<&[u8]>),
            Kind::DateTime | Kind::NaiveDateTime => {
                add_arg::<MySql, _>(a, None::<chrono::NaiveDateTime>)
            }
            Kind::NaiveDate => add_arg::<MySql, _>(a, None::<chrono::NaiveDate>),
            Kind::NaiveTime => add_arg::<MySql, _>(a, None::<chrono::NaiveTime>),
            Kind::Decimal => add_arg::<MySql, _>(a, None::<rust_decimal::Decimal>),
            Kind::Text | Kind::Uuid | Kind::Json => add_arg::<MySql, _>(a, None::<&str>),
        }
    }
}

pub(super) fn exec_result(done: &MySqlQueryResult) -> ExecResult {
    let id = done.last_insert_id();
    ExecResult {
        rows_affected: done.rows_affected(),
        last_insert_id: (id != 0).then(|| i64::try_from(id).unwrap_or(i64::MAX)),
    }
}

/// The error number (more precise than MySQL's SQLSTATE, which lumps many errors together)
/// and its category; an unknown number falls back to the SQLSTATE class.
pub(super) fn server_code(db: &dyn sqlx::error::DatabaseError) -> (ErrorKind, Option<String>) {
    let number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|e| e.number());
    let kind = match number.map(kind_of_number) {
        Some(ErrorKind::Other) | None => {
            db.code().map_or(ErrorKind::Other, |s| kind_of_sqlstate(&s))
        }
        Some(kind) => kind,
    };
    (kind, number.map(|n| n.to_string()))
}

/// The constraint a MySQL/MariaDB message names: `… for key 'users_email_key'` (a duplicate;
/// MySQL 8 writes `'users.users_email_key'`) or `… CONSTRAINT `orders_customer_id_fkey`
/// FOREIGN KEY …` (a foreign key), `CONSTRAINT `name` failed …` (a check).
pub(super) fn constraint_name(message: &str) -> Option<String> {
    // The duplicated value comes first and may hold anything: read the key from the end.
    if let Some(rest) = message.rfind(" for key '").map(|i| &message[i + 10..]) {
        let key = rest.strip_suffix('\'')?;
        return Some(key.rsplit('.').next().unwrap_or(key).to_owned());
    }
    let rest = &message[message.find("CONSTRAINT `")? + 12..];
    Some(rest[..rest.find('`')?].to_owned())
}

/// Server error number → category (MariaDB and MySQL error references); the table with the
/// reasons is in `error_codes.md`.
fn kind_of_number(number: u16) -> ErrorKind {
    match number {
        // 4025 (MariaDB's CHECK failure) is not listed: MySQL uses that number for something
        // else. sqlx tells them apart by SQLSTATE 23000, which lands in Constraint either way.
        1062 | 1451 | 1452 | 1048 | 1364 | 3819 => ErrorKind::Constraint,
        // Deadlock, lock wait timeout (also NOWAIT on MariaDB), MySQL's NOWAIT, and MariaDB's
        // snapshot-isolation write conflict: all are lost races with another transaction, cured
        // by running the whole transaction again, so Serialization (retried by transaction
        // scopes, not counted by circuit breakers), not Timeout.
        1213 | 1205 | 3572 | 1020 => ErrorKind::Serialization,
        1317 | 1969 | 3024 => ErrorKind::Timeout, // interrupted, max_statement_time exceeded
        1064 | 1146 | 1054 | 1305 | 1050 | 1060 | 1091 | 1149 | 1065 => ErrorKind::Syntax,
        1264 | 1265 | 1292 | 1365 | 1366 | 1406 | 1367 | 1690 => ErrorKind::Data,
        // Too many connections (server wide, per user), shutdown, connection killed. 2006 and
        // 2013 are the C client's "server gone away"/"lost connection", which no server sends:
        // sqlx reports those events as I/O errors (Connection too); listed for completeness.
        1040 | 1203 | 1226 | 1053 | 1927 | 2006 | 2013 => ErrorKind::Connection,
        1044 | 1045 | 1049 => ErrorKind::Config, // access denied, unknown database
        1792 => ErrorKind::Usage,                // a write in a READ ONLY transaction
        _ => ErrorKind::Other,
    }
}

/// SQLSTATE class → category, for numbers [`kind_of_number`] does not know.
fn kind_of_sqlstate(state: &str) -> ErrorKind {
    match state.get(..2) {
        Some("08") => ErrorKind::Connection,
        Some("23") => ErrorKind::Constraint,
        Some("22") => ErrorKind::Data,
        Some("42") => ErrorKind::Syntax,
        Some("40") => ErrorKind::Serialization,
        Some("25") => ErrorKind::Usage,
        _ => ErrorKind::Other,
    }
}

/// Server sessions are ended from a side connection; nothing to install.
pub(super) async fn interrupter(
    _conn: &mut sqlx::MySqlConnection,
) -> Result<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::constraint_name;

    #[test]
    fn the_constraint_is_read_from_the_message() {
        let name = |m: &str| constraint_name(m);
        assert_eq!(
            name("Duplicate entry 'a for key 'b'' for key 'users_email_key'").as_deref(),
            Some("users_email_key")
        );
        assert_eq!(
            name("Duplicate entry 'x' for key 'users.users_email_key'").as_deref(),
            Some("users_email_key")
        );
        assert_eq!(
            name("Cannot add or update a child row: a foreign key constraint fails (`test`.`orders`, CONSTRAINT `orders_customer_id_fkey` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`))").as_deref(),
            Some("orders_customer_id_fkey")
        );
        assert_eq!(name("Column 'name' cannot be null"), None);
    }
}
