//! rusqlite's errors into categorized [`Error`]s, by SQLite's extended result codes, with the
//! same categories as the built-in SQLite driver (`error_codes.md` has the table and reasons).

use dal_runtime::{Backend, Error, ErrorKind};

/// A rusqlite error as dal's.
pub(crate) fn classify(err: rusqlite::Error) -> Error {
    let backend = Backend::Sqlite;
    match &err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let code = failure.extended_code;
            let message = message.clone().unwrap_or_else(|| failure.to_string());
            let kind = kind_of_code(code, &message);
            Error::new(kind, format!("{backend} rejected the statement: {message}"))
                .with_code(code.to_string())
                .with_source(err)
        }
        rusqlite::Error::InvalidParameterCount(..) | rusqlite::Error::InvalidParameterName(_) => {
            Error::new(ErrorKind::Usage, format!("invalid argument: {err}")).with_source(err)
        }
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            let kind = kind_of_code(error.extended_code, msg);
            Error::new(kind, format!("{backend} rejected the statement: {msg}"))
                .with_code(error.extended_code.to_string())
                .with_source(err)
        }
        rusqlite::Error::InvalidPath(_) => {
            Error::new(ErrorKind::Config, format!("invalid {backend} configuration: {err}"))
                .with_source(err)
        }
        rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnIndex(_)
        | rusqlite::Error::InvalidColumnName(_)
        | rusqlite::Error::InvalidColumnType(..) => {
            Error::new(ErrorKind::Decode, format!("cannot read the result: {err}")).with_source(err)
        }
        _ => {
            Error::new(ErrorKind::Other, format!("{backend} driver error: {err}")).with_source(err)
        }
    }
}

/// Extended result code → category (https://sqlite.org/rescode.html): a few extended codes
/// first, then the primary code (the low byte). The same rules as the built-in driver's.
fn kind_of_code(code: i32, message: &str) -> ErrorKind {
    // SQLITE_CONSTRAINT_DATATYPE: a STRICT table refused the type of a value, which the
    // servers report as a data error (PostgreSQL 22P02, MariaDB 1366), not a constraint.
    if code == 3091 {
        return ErrorKind::Data;
    }
    match code & 0xff {
        19 => ErrorKind::Constraint,
        // BUSY, BUSY_SNAPSHOT, LOCKED: lost races with another transaction, cured by running
        // it again, as the servers' deadlocks and lock wait timeouts.
        5 | 6 => ErrorKind::Serialization,
        9 => ErrorKind::Timeout, // INTERRUPT: the progress handler saw the stop flag
        1 => kind_of_sql_error(message),
        18 | 20 | 25 => ErrorKind::Data, // TOOBIG, MISMATCH, RANGE
        14 | 23 => ErrorKind::Config,    // CANTOPEN, AUTH
        8 => ErrorKind::Usage,           // READONLY: a write under query_only or mode=ro
        _ => ErrorKind::Other,
    }
}

/// SQLITE_ERROR is SQLite's catch-all. Most come from preparing the statement (syntax error,
/// no such table, column or function, ...): Syntax. A few are raised by functions at run time
/// because of a value (what the servers report with SQLSTATE class 22): Data.
fn kind_of_sql_error(message: &str) -> ErrorKind {
    const DATA: [&str; 3] = ["integer overflow", "malformed JSON", "JSON cannot hold BLOB"];
    if DATA.iter().any(|m| message.contains(m)) { ErrorKind::Data } else { ErrorKind::Syntax }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fall_into_the_built_in_drivers_categories() {
        assert_eq!(kind_of_code(2067, "UNIQUE constraint failed"), ErrorKind::Constraint);
        assert_eq!(kind_of_code(787, "FOREIGN KEY constraint failed"), ErrorKind::Constraint);
        assert_eq!(kind_of_code(3091, "cannot store TEXT"), ErrorKind::Data);
        assert_eq!(kind_of_code(5, "database is locked"), ErrorKind::Serialization);
        assert_eq!(kind_of_code(517, "database is locked"), ErrorKind::Serialization);
        assert_eq!(kind_of_code(6, "table is locked"), ErrorKind::Serialization);
        assert_eq!(kind_of_code(9, "interrupted"), ErrorKind::Timeout);
        assert_eq!(kind_of_code(1, "near \"SELEC\": syntax error"), ErrorKind::Syntax);
        assert_eq!(kind_of_code(1, "integer overflow"), ErrorKind::Data);
        assert_eq!(kind_of_code(14, "unable to open"), ErrorKind::Config);
        assert_eq!(kind_of_code(8, "attempt to write a readonly database"), ErrorKind::Usage);
        assert_eq!(kind_of_code(10, "disk I/O error"), ErrorKind::Other);
    }
}
