//! Values crossing the boundary between Rust and SQL: [`Value`] (a bound parameter) and the
//! [`Column`] trait (a Rust type that can be stored in a column).

mod ddl;
mod decimal;
mod from_row;
mod impls;
mod json;
mod row;
mod source;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

pub use self::ddl::{
    BoolDefault, FloatDefault, IntegerDefault, MaxLength, NowDefault, TextDefault,
    integer_default_fits,
};
pub use self::decimal::{DecimalColumn, decimal_from_real, decimal_from_text, takes_precision};
pub use self::from_row::FromRow;
pub use self::json::Json;
pub use self::row::{Row, RowIndex};
pub use self::source::{RowSource, unreadable};
use crate::error::Result;

/// The SQL-level type of a [`Value`], kept for `NULL`s so PostgreSQL gets a typed null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "each variant names the Rust type of the same name")]
pub enum Kind {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    Text,
    Bytes,
    Uuid,
    DateTime,
    NaiveDateTime,
    NaiveDate,
    Json,
    Decimal,
    NaiveTime,
}

/// A parameter value, borrowed from the entity or query it came from where it can be.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs, reason = "each variant holds the Rust type it is named after")]
pub enum Value<'a> {
    /// SQL `NULL` of the given type.
    Null(Kind),
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Text(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Uuid(Uuid),
    DateTime(DateTime<Utc>),
    NaiveDateTime(NaiveDateTime),
    NaiveDate(NaiveDate),
    Json(Cow<'a, serde_json::Value>),
    Decimal(Decimal),
    NaiveTime(NaiveTime),
    /// A value its type could not make into a parameter (a [`Json`] whose `Serialize`
    /// failed): binding it is an [`ErrorKind::Data`](crate::ErrorKind::Data) error with
    /// `reason`, and nothing is sent.
    Unencodable {
        /// The kind the value would have had.
        kind: Kind,
        /// Why it could not be encoded.
        reason: String,
    },
}

impl Value<'_> {
    /// Detaches the value from what it borrows.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null(k) => Value::Null(k),
            Value::Bool(v) => Value::Bool(v),
            Value::I16(v) => Value::I16(v),
            Value::I32(v) => Value::I32(v),
            Value::I64(v) => Value::I64(v),
            Value::F32(v) => Value::F32(v),
            Value::F64(v) => Value::F64(v),
            Value::Text(v) => Value::Text(Cow::Owned(v.into_owned())),
            Value::Bytes(v) => Value::Bytes(Cow::Owned(v.into_owned())),
            Value::Uuid(v) => Value::Uuid(v),
            Value::DateTime(v) => Value::DateTime(v),
            Value::NaiveDateTime(v) => Value::NaiveDateTime(v),
            Value::NaiveDate(v) => Value::NaiveDate(v),
            Value::Json(v) => Value::Json(Cow::Owned(v.into_owned())),
            Value::Decimal(v) => Value::Decimal(v),
            Value::NaiveTime(v) => Value::NaiveTime(v),
            Value::Unencodable { kind, reason } => Value::Unencodable { kind, reason },
        }
    }
}

/// A Rust type that can be stored in a column: its SQL type on each backend, how it becomes a
/// parameter and how it is read back from a row.
///
/// Implemented for `bool`, `i16`, `i32`, `i64`, `u32` (stored in a `BIGINT`), `f32`, `f64`,
/// `String`, `Uuid`, `DateTime<Utc>`, `NaiveDate`, `NaiveDateTime`, `NaiveTime`,
/// `rust_decimal::Decimal` (exact on every backend; see [`DecimalColumn`] for
/// `#[dal(precision = …, scale = …)]`), `serde_json::Value`, [`Json<T>`] for any serde type,
/// `Vec<u8>`, and `Option<T>` of each (a nullable column); `#[derive(dal::Value)]` implements
/// it for a newtype of any of them and for a fieldless enum (stored as text or as an
/// integer).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a dal column",
    label = "unsupported column type",
    note = "supported column types: bool, i16, i32, i64, u32, f32, f64, String, Uuid, DateTime<Utc>, NaiveDate, NaiveDateTime, NaiveTime, Decimal, serde_json::Value, dal::Json<T> (T: Serialize + DeserializeOwned), Vec<u8>, and Option<T> of any of them; a newtype of one, or a fieldless enum, with #[derive(dal::Value)]"
)]
pub trait Column: Sized + Send + Sync {
    /// The value kind, used for typed `NULL`s.
    const KIND: Kind;
    /// Column type in PostgreSQL DDL.
    const POSTGRES: &'static str;
    /// Column type in MySQL/MariaDB DDL.
    const MYSQL: &'static str;
    /// Column type in MySQL/MariaDB DDL when the column is in an index or unique constraint
    /// (`#[dal(index)]`, `#[dal(unique)]`, a composite one or a foreign key): MariaDB cannot
    /// index `LONGTEXT`/`LONGBLOB` whole, so `String` becomes `VARCHAR(255)` and `Vec<u8>`
    /// `VARBINARY(255)` there (`#[dal(max_length = n)]` chooses another length). The same as
    /// [`Column::MYSQL`] unless a type says otherwise.
    const MYSQL_INDEXED: &'static str = Self::MYSQL;
    /// Column type in SQLite DDL.
    const SQLITE: &'static str;
    /// `" NOT NULL"`, or `""` for a nullable column.
    const NULLABILITY: &'static str = " NOT NULL";
    /// The values a column of this type may hold, as an SQL list for a `CHECK (… IN …)` in the
    /// table's DDL (`"('draft', 'paid')"` for an enum stored as text), or `""` when any value
    /// of the SQL type is one of this type's.
    const ALLOWED_VALUES: &'static str = "";

    /// This value as a bind parameter.
    fn encode(&self) -> Value<'_>;

    /// Reads this type from column `index` of `row`.
    fn decode(row: &Row, index: usize) -> Result<Self>;
}

/// Anything that can be bound as a query parameter: every [`Column`] type, `&str` and `&[u8]`.
pub trait IntoValue {
    /// Converts into an owned parameter value.
    fn into_value(self) -> Value<'static>;
}

impl<T: Column> IntoValue for T {
    fn into_value(self) -> Value<'static> {
        self.encode().into_owned()
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value<'static> {
        Value::Text(Cow::Owned(self.to_owned()))
    }
}

impl IntoValue for &[u8] {
    fn into_value(self) -> Value<'static> {
        Value::Bytes(Cow::Owned(self.to_vec()))
    }
}

impl IntoValue for Value<'_> {
    fn into_value(self) -> Value<'static> {
        self.into_owned()
    }
}
