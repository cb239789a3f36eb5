//! SQLite's result codes into categories, shared by every SQLite driver (the built-in one and
//! third-party ones such as `dal-rusqlite`).

use crate::error::ErrorKind;

/// The category of a SQLite extended result code (https://sqlite.org/rescode.html), for any
/// SQLite driver: a few extended codes first, then the primary code (the low byte).
/// `message` tells apart the few `SQLITE_ERROR`s raised by a value at run time. The table
/// with the reasons is in `error_codes.md`.
pub fn sqlite_error_kind(code: i32, message: &str) -> ErrorKind {
    // SQLITE_CONSTRAINT_DATATYPE: a STRICT table refused the type of a value, which the
    // servers report as a data error (PostgreSQL 22P02, MariaDB 1366), not a constraint.
    if code == 3091 {
        return ErrorKind::Data;
    }
    match code & 0xff {
        19 => ErrorKind::Constraint,
        // BUSY (the busy timeout passed while another connection held the lock; BUSY_SNAPSHOT:
        // a write from a stale read snapshot), LOCKED: lost races with another transaction,
        // cured by running it again, as the servers' deadlocks and lock wait timeouts.
        5 | 6 => ErrorKind::Serialization,
        9 => ErrorKind::Timeout, // INTERRUPT
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
