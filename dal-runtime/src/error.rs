//! The one error type of dal, with the category every failure falls into.
//!
//! Messages are lowercase, name the thing that failed and why, and never contain a password:
//! configuration errors are built from parsed parts, never from the raw URL.

use std::fmt;

/// Boxed source error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is; decides whether a retry can help.
#[doc = include_str!("error_codes.md")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid (malformed URL, unknown scheme, bad option).
    Config,
    /// The server could not be reached or the connection broke.
    Connection,
    /// A connect, query or transaction deadline passed.
    Timeout,
    /// No connection became free within the acquisition timeout.
    PoolTimeout,
    /// The pool shed the request at once instead of queueing it: too many callers were
    /// already waiting, or its rate limit was spent.
    PoolExhausted,
    /// The pool or transaction was closed; no more work is accepted.
    Closed,
    /// A unique, foreign-key, not-null or check constraint refused the write.
    Constraint,
    /// Optimistic locking: the row changed since it was read.
    Conflict,
    /// The row asked for does not exist.
    NotFound,
    /// The server aborted the transaction (serialization failure or deadlock).
    Serialization,
    /// The server refused the SQL text (syntax error, unknown table or column).
    Syntax,
    /// The server refused a value (out of range, invalid encoding, NUL byte, too long).
    Data,
    /// A column could not be turned into the requested Rust type.
    Decode,
    /// The SQL and its parameters do not fit (wrong count, unterminated literal).
    Parameters,
    /// An existing table does not match its entity (missing columns, other types).
    Schema,
    /// A circuit breaker is open: calls are refused at once until the backend recovers.
    CircuitOpen,
    /// The API was used in a way that cannot work: empty SQL, a write in a read-only
    /// transaction, the blocking API inside an async runtime.
    Usage,
    /// Anything the categories above do not cover.
    Other,
}

impl ErrorKind {
    /// The lowercase name used in messages and metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
            ErrorKind::PoolTimeout => "pool_timeout",
            ErrorKind::PoolExhausted => "pool_exhausted",
            ErrorKind::Closed => "closed",
            ErrorKind::Constraint => "constraint",
            ErrorKind::Conflict => "conflict",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Serialization => "serialization",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Data => "data",
            ErrorKind::Decode => "decode",
            ErrorKind::Parameters => "parameters",
            ErrorKind::Usage => "usage",
            ErrorKind::Schema => "schema",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from dal: a category, a message naming the cause, the server's code when there is
/// one, and the underlying error as `source()`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    code: Option<String>,
    constraint: Option<String>,
    #[source]
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), code: None, constraint: None, source: None }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Attaches the server's error code (SQLSTATE, MySQL error number, SQLite result code).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Attaches the name of the constraint the server reported as violated.
    pub fn with_constraint(mut self, name: impl Into<String>) -> Self {
        self.constraint = Some(name.into());
        self
    }

    /// The name of the violated constraint of an [`ErrorKind::Constraint`] error, as the
    /// server reported it: a unique constraint's or index's name (`users_email_key`), a foreign
    /// key's (`orders_customer_id_fkey`), a check's. PostgreSQL and MariaDB report it; SQLite
    /// does not (its message names the columns instead: `UNIQUE constraint failed: users.email`),
    /// and neither does a NOT NULL violation anywhere.
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The server's error code, when the server reported one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The message, without the source chain.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether running the same operation again may succeed.
    ///
    /// True for lost connections, timeouts, an exhausted pool and aborted transactions; false
    /// for everything a retry would only repeat (bad SQL, bad data, constraints, conflicts).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Connection
                | ErrorKind::Timeout
                | ErrorKind::PoolTimeout
                | ErrorKind::PoolExhausted
                | ErrorKind::Serialization
        )
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message)
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Decode, message)
    }
}

impl From<dal_sql::PlaceholderError> for Error {
    fn from(e: dal_sql::PlaceholderError) -> Self {
        Error::new(ErrorKind::Parameters, e.to_string()).with_source(e)
    }
}

impl From<dal_sql::TooManyParams> for Error {
    fn from(e: dal_sql::TooManyParams) -> Self {
        Error::new(ErrorKind::Parameters, e.to_string()).with_source(e)
    }
}
