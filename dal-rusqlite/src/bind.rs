//! dal's values as rusqlite parameters, stored exactly as the built-in (sqlx) SQLite driver
//! stores them, so files are interchangeable: UUIDs as hyphenated text, `DateTime<Utc>` as
//! RFC 3339 text with as many fraction digits as needed and `+00:00`, `NaiveDateTime` as
//! `YYYY-MM-DD HH:MM:SS[.f]`, `NaiveDate` as `YYYY-MM-DD`, `NaiveTime` as `HH:MM:SS[.f]`,
//! decimals as their text (`-12.3400`), JSON as text, booleans as 0/1.

use chrono::SecondsFormat;
use dal_runtime::Value;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Result, ToSql};

/// One bound value; text and blobs are bound without a copy.
pub(crate) struct Param<'a>(pub(crate) &'a Value<'a>);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as Owned;
        Ok(match self.0 {
            // SQLite columns are dynamically typed: the kind of a NULL does not matter.
            Value::Null(_) => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(v) => ToSqlOutput::Owned(Owned::Integer(i64::from(*v))),
            Value::I16(v) => ToSqlOutput::Owned(Owned::Integer(i64::from(*v))),
            Value::I32(v) => ToSqlOutput::Owned(Owned::Integer(i64::from(*v))),
            Value::I64(v) => ToSqlOutput::Owned(Owned::Integer(*v)),
            Value::F32(v) => ToSqlOutput::Owned(Owned::Real(f64::from(*v))),
            Value::F64(v) => ToSqlOutput::Owned(Owned::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Value::Uuid(v) => ToSqlOutput::Owned(Owned::Text(v.hyphenated().to_string())),
            Value::DateTime(v) => {
                ToSqlOutput::Owned(Owned::Text(v.to_rfc3339_opts(SecondsFormat::AutoSi, false)))
            }
            Value::NaiveDateTime(v) => {
                ToSqlOutput::Owned(Owned::Text(v.format("%F %T%.f").to_string()))
            }
            Value::NaiveDate(v) => ToSqlOutput::Owned(Owned::Text(v.format("%F").to_string())),
            Value::Json(v) => ToSqlOutput::Owned(Owned::Text(v.to_string())),
            Value::Decimal(v) => ToSqlOutput::Owned(Owned::Text(v.to_string())),
            Value::NaiveTime(v) => ToSqlOutput::Owned(Owned::Text(v.format("%T%.f").to_string())),
            Value::Unencodable { reason, .. } => {
                return Err(rusqlite::Error::ToSqlConversionFailure(reason.clone().into()));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn text(v: Value<'_>) -> String {
        match Param(&v).to_sql() {
            Ok(ToSqlOutput::Owned(rusqlite::types::Value::Text(t))) => t,
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn times_are_written_as_sqlx_writes_them() {
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).single().expect("valid");
        assert_eq!(text(Value::DateTime(at)), "2024-05-06T07:08:09+00:00");
        let nanos = at + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(text(Value::DateTime(nanos)), "2024-05-06T07:08:09.123456789+00:00");
        let micros = at + chrono::Duration::microseconds(120);
        assert_eq!(text(Value::DateTime(micros)), "2024-05-06T07:08:09.000120+00:00");
        assert_eq!(text(Value::NaiveDateTime(micros.naive_utc())), "2024-05-06 07:08:09.000120");
        let day = NaiveDate::from_ymd_opt(2024, 5, 6).expect("valid");
        assert_eq!(text(Value::NaiveDate(day)), "2024-05-06");
        assert_eq!(text(Value::NaiveTime(micros.time())), "07:08:09.000120");
        assert_eq!(text(Value::NaiveTime(at.time())), "07:08:09");
    }

    #[test]
    fn decimals_are_their_text() {
        let d: rust_decimal::Decimal = "-12.3400".parse().expect("decimal");
        assert_eq!(text(Value::Decimal(d)), "-12.3400");
    }
}
