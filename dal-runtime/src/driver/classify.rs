//! Driver errors into categorized [`Error`]s: the server's code per backend (the tables are in
//! `error_codes.md`), TLS and connection failures, decode failures.

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "sqlite")]
use super::sqlite;
use crate::config::Backend;
use crate::error::{Error, ErrorKind};

/// Turns a driver error into a categorized [`Error`].
pub(crate) fn classify(err: sqlx::Error, backend: Backend) -> Error {
    use sqlx::error::ErrorKind as Db;
    let (kind, message) = match &err {
        sqlx::Error::Database(db) => {
            let (code_kind, code) = server_code(backend, db.as_ref());
            let kind = match db.kind() {
                Db::UniqueViolation
                | Db::ForeignKeyViolation
                | Db::NotNullViolation
                | Db::CheckViolation
                | Db::ExclusionViolation => ErrorKind::Constraint,
                _ => code_kind,
            };
            let mut e =
                Error::new(kind, format!("{backend} rejected the statement: {}", db.message()));
            if let Some(code) = code {
                e = e.with_code(code);
            }
            if kind == ErrorKind::Constraint
                && let Some(name) = constraint_name(backend, db.as_ref())
            {
                e = e.with_constraint(name);
            }
            return e.with_source(err);
        }
        // rustls reports a certificate it cannot verify as an I/O error of the handshake.
        sqlx::Error::Io(e) if is_certificate_failure(&e.to_string()) => (
            ErrorKind::Connection,
            format!("the {backend} server's certificate could not be verified: {e}"),
        ),
        sqlx::Error::Io(e) => {
            (ErrorKind::Connection, format!("lost the connection to {backend}: {e}"))
        }
        sqlx::Error::Tls(e) => {
            let detail = e.to_string();
            let message = if is_certificate_failure(&detail) {
                format!("the {backend} server's certificate could not be verified: {detail}")
            } else {
                format!("TLS with {backend} failed: {detail}")
            };
            (ErrorKind::Connection, message)
        }
        sqlx::Error::Protocol(e) => {
            (ErrorKind::Connection, format!("protocol error talking to {backend}: {e}"))
        }
        sqlx::Error::WorkerCrashed => {
            (ErrorKind::Connection, format!("the {backend} connection worker stopped"))
        }
        sqlx::Error::RowNotFound => (ErrorKind::NotFound, "no row was returned".to_owned()),
        sqlx::Error::Encode(e) => (ErrorKind::Data, format!("cannot encode a parameter: {e}")),
        sqlx::Error::Configuration(e) => {
            (ErrorKind::Config, format!("invalid {backend} configuration: {e}"))
        }
        sqlx::Error::InvalidArgument(e) => (ErrorKind::Usage, format!("invalid argument: {e}")),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => {
            (ErrorKind::Decode, format!("cannot read the result: {err}"))
        }
        _ => (ErrorKind::Other, format!("{backend} driver error: {err}")),
    };
    Error::new(kind, message).with_source(err)
}

/// Whether a TLS failure is about the server's certificate (rustls: "invalid peer
/// certificate: …").
pub(crate) fn is_certificate_failure(detail: &str) -> bool {
    detail.contains("certificate")
}

/// The violated constraint's name: PostgreSQL sends it as a field of the error; MySQL and
/// MariaDB only in the message; SQLite not at all.
fn constraint_name(backend: Backend, db: &dyn sqlx::error::DatabaseError) -> Option<String> {
    match backend {
        #[cfg(feature = "mysql")]
        Backend::MySql => mysql::constraint_name(db.message()),
        _ => db.constraint().map(str::to_owned),
    }
}

/// The server's code for a database error and its category, per backend (SQLSTATE on
/// PostgreSQL, the error number on MySQL, the extended result code on SQLite).
fn server_code(
    backend: Backend,
    db: &dyn sqlx::error::DatabaseError,
) -> (ErrorKind, Option<String>) {
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => postgres::server_code(db),
        #[cfg(feature = "mysql")]
        Backend::MySql => mysql::server_code(db),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::server_code(db),
        #[allow(unreachable_patterns, reason = "reached when a backend feature is off")]
        _ => (ErrorKind::Other, db.code().map(|c| c.into_owned())),
    }
}
