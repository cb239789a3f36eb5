//! [`Column`] for the supported Rust types, with their SQL type on each backend.
//!
//! Choices worth knowing: MySQL strings are `LONGTEXT` so no length limit surprises anyone;
//! `Uuid` is native on PostgreSQL and hyphenated text elsewhere (readable, sortable as text);
//! timestamps keep microseconds (`TIMESTAMPTZ`, `DATETIME(6)`, RFC 3339 text on SQLite), and
//! so do times of day (`TIME`, `TIME(6)`, `HH:MM:SS.f` text on SQLite, which keeps
//! nanoseconds); `u32` has no unsigned column on PostgreSQL or SQLite, so it is a `BIGINT`
//! everywhere. Decimals are in `decimal.rs`, typed JSON in `json.rs`.
//! MariaDB indexes no `LONGTEXT`/`LONGBLOB`, so an indexed string or byte column is
//! `VARCHAR(255)`/`VARBINARY(255)` there ([`Column::MYSQL_INDEXED`]).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use uuid::Uuid;

use super::{Column, Kind, Value};
use crate::error::{Error, Result};
use crate::types::Row;

/// A type every backend's driver reads natively. `$wrap` turns `&self` into the payload of
/// `Value::$kind`; `$decode` is the `Row` method that reads it.
macro_rules! native_column {
    ($ty:ty, $kind:ident, $pg:literal, $my:literal, $lite:literal, $wrap:ident, $decode:ident) => {
        native_column!($ty, $kind, $pg, $my, $my, $lite, $wrap, $decode);
    };
    (
        $ty:ty, $kind:ident, $pg:literal, $my:literal, $my_indexed:literal, $lite:literal,
        $wrap:ident, $decode:ident
    ) => {
        impl Column for $ty {
            const KIND: Kind = Kind::$kind;
            const POSTGRES: &'static str = $pg;
            const MYSQL: &'static str = $my;
            const MYSQL_INDEXED: &'static str = $my_indexed;
            const SQLITE: &'static str = $lite;

            fn encode(&self) -> Value<'_> {
                Value::$kind($wrap(self))
            }

            fn decode(row: &Row, index: usize) -> Result<Self> {
                row.$decode(index)
            }
        }
    };
}

fn copied<T: Copy>(v: &T) -> T {
    *v
}

fn text(v: &str) -> Cow<'_, str> {
    Cow::Borrowed(v)
}

fn bytes(v: &[u8]) -> Cow<'_, [u8]> {
    Cow::Borrowed(v)
}

native_column!(bool, Bool, "BOOLEAN", "BOOLEAN", "BOOLEAN", copied, decode_native);
// Integers read from any integer column they fit in, on every backend (PostgreSQL's driver
// alone would insist on the exact width: `SELECT 1` is INT4 there).
native_column!(i16, I16, "SMALLINT", "SMALLINT", "INTEGER", copied, decode_integer);
native_column!(i32, I32, "INTEGER", "INT", "INTEGER", copied, decode_integer);
native_column!(i64, I64, "BIGINT", "BIGINT", "INTEGER", copied, decode_integer);
native_column!(f32, F32, "REAL", "FLOAT", "REAL", copied, decode_native);
native_column!(f64, F64, "DOUBLE PRECISION", "DOUBLE", "REAL", copied, decode_native);
native_column!(String, Text, "TEXT", "LONGTEXT", "VARCHAR(255)", "TEXT", text, decode_native);
native_column!(Vec<u8>, Bytes, "BYTEA", "LONGBLOB", "VARBINARY(255)", "BLOB", bytes, decode_native);
native_column!(
    DateTime<Utc>,
    DateTime,
    "TIMESTAMPTZ",
    "DATETIME(6)",
    "TEXT",
    copied,
    decode_native
);
native_column!(
    NaiveDateTime,
    NaiveDateTime,
    "TIMESTAMP",
    "DATETIME(6)",
    "TEXT",
    copied,
    decode_native
);
native_column!(NaiveDate, NaiveDate, "DATE", "DATE", "TEXT", copied, decode_native);
native_column!(NaiveTime, NaiveTime, "TIME", "TIME(6)", "TEXT", copied, decode_native);

impl Column for u32 {
    const KIND: Kind = Kind::I64;
    const POSTGRES: &'static str = <i64 as Column>::POSTGRES;
    const MYSQL: &'static str = <i64 as Column>::MYSQL;
    const SQLITE: &'static str = <i64 as Column>::SQLITE;

    fn encode(&self) -> Value<'_> {
        Value::I64(i64::from(*self))
    }

    /// A value the wider column holds but a `u32` cannot (negative, or past 4294967295) is a
    /// decode error naming the column and the value, never a wrapped number.
    fn decode(row: &Row, index: usize) -> Result<Self> {
        let wide: i64 = row.decode_integer(index)?;
        u32::try_from(wide).map_err(|_| row.out_of_range::<u32>(index, wide))
    }
}

impl Column for Uuid {
    const KIND: Kind = Kind::Uuid;
    const POSTGRES: &'static str = "UUID";
    const MYSQL: &'static str = "CHAR(36)";
    const SQLITE: &'static str = "TEXT";

    fn encode(&self) -> Value<'_> {
        Value::Uuid(*self)
    }

    fn decode(row: &Row, index: usize) -> Result<Self> {
        row.decode_native_or_text(index, |text| {
            Uuid::parse_str(text).map_err(|e| {
                Error::decode(format!("column {index} holds `{text}`, which is not a UUID: {e}"))
            })
        })
    }
}

impl Column for serde_json::Value {
    const KIND: Kind = Kind::Json;
    const POSTGRES: &'static str = "JSONB";
    const MYSQL: &'static str = "JSON";
    const SQLITE: &'static str = "TEXT";

    fn encode(&self) -> Value<'_> {
        Value::Json(Cow::Borrowed(self))
    }

    fn decode(row: &Row, index: usize) -> Result<Self> {
        row.decode_native_or_text(index, |text| {
            serde_json::from_str(text)
                .map_err(|e| Error::decode(format!("column {index} does not hold valid JSON: {e}")))
        })
    }
}

impl<T: Column> Column for Option<T> {
    const KIND: Kind = T::KIND;
    const POSTGRES: &'static str = T::POSTGRES;
    const MYSQL: &'static str = T::MYSQL;
    const MYSQL_INDEXED: &'static str = T::MYSQL_INDEXED;
    const SQLITE: &'static str = T::SQLITE;
    const NULLABILITY: &'static str = "";
    // `NULL IN (…)` is not false, so the check lets the nullable column's NULLs pass.
    const ALLOWED_VALUES: &'static str = T::ALLOWED_VALUES;

    fn encode(&self) -> Value<'_> {
        match self {
            Some(v) => v.encode(),
            None => Value::Null(T::KIND),
        }
    }

    fn decode(row: &Row, index: usize) -> Result<Self> {
        if row.is_null(index)? { Ok(None) } else { T::decode(row, index).map(Some) }
    }
}
