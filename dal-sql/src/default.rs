//! Column defaults (`#[dal(default = …)]`): the values dal accepts and the `DEFAULT` clause
//! each dialect gets for them.
//!
//! Text is written so no session setting can change what it means: doubled quotes everywhere;
//! a backslash, which MySQL (without `NO_BACKSLASH_ESCAPES`) and PostgreSQL (with
//! `standard_conforming_strings` off) may read as an escape, turns the literal into MySQL's
//! hex form or PostgreSQL's `E'…'`, whose reading is fixed. `now` is the current UTC time in
//! the form each backend stores a `DateTime<Utc>` (RFC 3339 text with `+00:00` on SQLite, to
//! the millisecond: SQLite's clock has no finer digits).

use crate::Dialect;

/// A column default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A string (made with [`DefaultValue::text`], which refuses NUL).
    Text(String),
    /// An integer.
    Integer(i128),
    /// A finite number, as decimal text (made with [`DefaultValue::float`]).
    Float(String),
    /// A boolean.
    Bool(bool),
    /// The time the row is inserted, in UTC.
    Now,
}

/// Why a default was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultError {
    /// Text holding NUL, which PostgreSQL cannot store in text.
    Nul,
    /// Not a finite decimal number (`1.5`, `-2e3`).
    NotANumber(String),
}

impl std::fmt::Display for DefaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefaultError::Nul => f.write_str("a text default cannot hold a NUL character"),
            DefaultError::NotANumber(t) => write!(f, "`{t}` is not a finite decimal number"),
        }
    }
}

impl std::error::Error for DefaultError {}

impl DefaultValue {
    /// A text default; refuses NUL.
    pub fn text(s: &str) -> Result<Self, DefaultError> {
        if s.contains('\0') { Err(DefaultError::Nul) } else { Ok(DefaultValue::Text(s.to_owned())) }
    }

    /// A number default from decimal text (digits, one `.`, an exponent, a leading `-`), as
    /// Rust writes a float literal without `_` or suffix; refuses anything else, and numbers
    /// that are not finite.
    pub fn float(text: &str) -> Result<Self, DefaultError> {
        let plain = text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        match text.parse::<f64>() {
            Ok(v) if plain && v.is_finite() && text.bytes().any(|b| b.is_ascii_digit()) => {
                Ok(DefaultValue::Float(text.to_owned()))
            }
            _ => Err(DefaultError::NotANumber(text.to_owned())),
        }
    }

    /// ` DEFAULT …` for a column of `d`.
    ///
    /// ```
    /// use dal_sql::{Dialect, default::DefaultValue};
    /// assert_eq!(DefaultValue::text("it's")?.clause(Dialect::Postgres), " DEFAULT 'it''s'");
    /// assert_eq!(DefaultValue::text(r"a\b")?.clause(Dialect::MySql), " DEFAULT (X'615c62')");
    /// assert_eq!(DefaultValue::Integer(-3).clause(Dialect::Sqlite), " DEFAULT -3");
    /// assert_eq!(DefaultValue::Now.clause(Dialect::MySql), " DEFAULT (UTC_TIMESTAMP(6))");
    /// # Ok::<(), dal_sql::default::DefaultError>(())
    /// ```
    pub fn clause(&self, d: Dialect) -> String {
        let value = match self {
            DefaultValue::Text(s) => string_literal(d, s),
            DefaultValue::Integer(n) => n.to_string(),
            DefaultValue::Float(text) => text.clone(),
            DefaultValue::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_owned(),
            DefaultValue::Now => match d {
                Dialect::Postgres => "CURRENT_TIMESTAMP".to_owned(),
                // Not CURRENT_TIMESTAMP: DATETIME has no zone, and that is the session's
                // local time; dal's sessions are UTC, other clients' need not be.
                Dialect::MySql => "(UTC_TIMESTAMP(6))".to_owned(),
                Dialect::Sqlite => "(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))".to_owned(),
            },
        };
        format!(" DEFAULT {value}")
    }
}

/// A text default as a literal of `d`. On MySQL in parentheses: MySQL 8 takes a default on a
/// `TEXT` column (how `String` is stored there) only written as an expression, and MariaDB
/// reads `('…')` as the same literal.
fn string_literal(d: Dialect, s: &str) -> String {
    let quoted = || format!("'{}'", s.replace('\'', "''"));
    match d {
        Dialect::MySql if s.contains('\\') => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            format!("(X'{hex}')")
        }
        Dialect::MySql => format!("({})", quoted()),
        Dialect::Postgres if s.contains('\\') => {
            format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
        }
        _ => quoted(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_its_meaning_under_every_setting() {
        let plain = DefaultValue::text("o'clock").expect("text");
        assert_eq!(plain.clause(Dialect::Postgres), " DEFAULT 'o''clock'");
        assert_eq!(plain.clause(Dialect::MySql), " DEFAULT ('o''clock')");
        assert_eq!(plain.clause(Dialect::Sqlite), " DEFAULT 'o''clock'");
        let slash = DefaultValue::text(r"C:\'x").expect("text");
        assert_eq!(slash.clause(Dialect::Postgres), r" DEFAULT E'C:\\''x'");
        assert_eq!(slash.clause(Dialect::MySql), " DEFAULT (X'433a5c2778')");
        assert_eq!(slash.clause(Dialect::Sqlite), r" DEFAULT 'C:\''x'");
        assert_eq!(DefaultValue::text("a\0b"), Err(DefaultError::Nul));
    }

    #[test]
    fn numbers_are_plain_decimal_text() {
        assert_eq!(
            DefaultValue::float("-1.5e3").expect("number").clause(Dialect::MySql),
            " DEFAULT -1.5e3"
        );
        for bad in ["1.0 OR 1", "inf", "NaN", "1e999", "", "-", "."] {
            assert!(DefaultValue::float(bad).is_err(), "{bad}");
        }
        assert_eq!(DefaultValue::Bool(false).clause(Dialect::Sqlite), " DEFAULT FALSE");
    }
}
