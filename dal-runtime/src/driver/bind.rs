//! One value binder for every built-in driver: the values sqlx binds as they are go the same
//! way everywhere; what a backend stores its own way (UUIDs, UTC timestamps, JSON, decimals,
//! the type of a `NULL`) is the backend's [`Binding`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use sqlx::{Encode, Type};
use uuid::Uuid;

use super::add_arg;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Kind, Value};

/// How one backend binds the values it stores in a way of its own.
pub(super) trait Binding: sqlx::Database
where
    Self::Arguments: Default,
{
    /// A UUID: natively on PostgreSQL, hyphenated text (readable in any client) elsewhere.
    fn uuid(args: &mut Self::Arguments, v: &Uuid) -> Result<()>;
    /// A UTC timestamp.
    fn datetime(args: &mut Self::Arguments, v: &DateTime<Utc>) -> Result<()>;
    /// A JSON document.
    fn json(args: &mut Self::Arguments, v: &serde_json::Value) -> Result<()>;
    /// A decimal: natively where the backend has the type, its text on SQLite.
    fn decimal(args: &mut Self::Arguments, v: &Decimal) -> Result<()>;
    /// A `NULL` of a column of `kind` (PostgreSQL checks parameter types; SQLite does not care).
    fn null(args: &mut Self::Arguments, kind: Kind) -> Result<()>;
}

/// The driver's argument buffer with `params` bound in order.
pub(super) fn arguments<DB>(params: &[Value<'_>]) -> Result<DB::Arguments>
where
    DB: Binding,
    DB::Arguments: Default,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> i16: Encode<'t, DB> + Type<DB>,
    for<'t> i32: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> f32: Encode<'t, DB> + Type<DB>,
    for<'t> f64: Encode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> &'t [u8]: Encode<'t, DB> + Type<DB>,
    for<'t> NaiveDateTime: Encode<'t, DB> + Type<DB>,
    for<'t> NaiveDate: Encode<'t, DB> + Type<DB>,
    for<'t> NaiveTime: Encode<'t, DB> + Type<DB>,
{
    let mut args = DB::Arguments::default();
    for (i, p) in params.iter().enumerate() {
        let a = &mut args;
        match p {
            Value::Null(kind) => DB::null(a, *kind)?,
            Value::Bool(v) => add_arg::<DB, _>(a, *v)?,
            Value::I16(v) => add_arg::<DB, _>(a, *v)?,
            Value::I32(v) => add_arg::<DB, _>(a, *v)?,
            Value::I64(v) => add_arg::<DB, _>(a, *v)?,
            Value::F32(v) => add_arg::<DB, _>(a, *v)?,
            Value::F64(v) => add_arg::<DB, _>(a, *v)?,
            Value::Text(v) => add_arg::<DB, _>(a, v.as_ref())?,
            Value::Bytes(v) => add_arg::<DB, _>(a, v.as_ref())?,
            Value::Uuid(v) => DB::uuid(a, v)?,
            Value::DateTime(v) => DB::datetime(a, v)?,
            Value::NaiveDateTime(v) => add_arg::<DB, _>(a, *v)?,
            Value::NaiveDate(v) => add_arg::<DB, _>(a, *v)?,
            Value::Json(v) => DB::json(a, v)?,
            Value::Decimal(v) => DB::decimal(a, v)?,
            Value::NaiveTime(v) => add_arg::<DB, _>(a, *v)?,
            Value::Unencodable { reason, .. } => return Err(unencodable(i + 1, reason)),
        }
    }
    Ok(args)
}

/// The error for parameter `n`, which its type could not encode.
pub(super) fn unencodable(n: usize, reason: &str) -> Error {
    Error::new(ErrorKind::Data, format!("cannot encode parameter {n}: {reason}"))
}
