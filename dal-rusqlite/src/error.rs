//! rusqlite's errors into categorized [`Error`]s, by SQLite's extended result codes, with the
//! same categories as the built-in SQLite driver (`error_codes.md` has the table and reasons).

use dal_runtime::driver::sqlite_error_kind as kind_of_code;
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
        rusqlite::Error::ToSqlConversionFailure(reason) => {
            Error::new(ErrorKind::Data, format!("cannot encode a parameter: {reason}"))
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
