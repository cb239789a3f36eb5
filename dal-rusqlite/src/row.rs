//! [`SqliteRow`]: one result row, copied out of SQLite as it stores it (integer, real, text,
//! blob or NULL), read as the kind dal asks for by the built-in (sqlx) driver's rules: an
//! integer kind from an integer (range-checked), a float kind from a real, text from text,
//! bytes from a blob or text, a UUID or JSON from text, a timestamp from RFC 3339 or
//! SQLite-style text, unix seconds or a Julian day number, a date from `YYYY-MM-DD` text, a
//! time of day from `HH:MM:SS[.f]` text, a decimal from text, an integer or a float that
//! stands for a short decimal (`dal_runtime::driver::decimal_from_real`: SQLite's `SUM`).
//! Anything else is a decode error naming the column.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use dal_runtime::driver::{RowSource, decimal_from_real, decimal_from_text, unreadable};
use dal_runtime::{Error, ErrorKind, Kind, Result, Value};
use rusqlite::types::ValueRef;

/// One value as SQLite stored it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    /// Text as SQLite holds it: UTF-8 unless the database was written by something careless,
    /// which is a decode error when it is read as text.
    Text(Box<[u8]>),
    Blob(Box<[u8]>),
}

impl Cell {
    fn copied(value: ValueRef<'_>) -> Cell {
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Integer(v),
            ValueRef::Real(v) => Cell::Real(v),
            ValueRef::Text(v) => Cell::Text(v.into()),
            ValueRef::Blob(v) => Cell::Blob(v.into()),
        }
    }

    /// What the cell holds, for error messages.
    fn storage(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Integer(_) => "an INTEGER",
            Cell::Real(_) => "a REAL",
            Cell::Text(_) => "TEXT",
            Cell::Blob(_) => "a BLOB",
        }
    }
}

/// One row of a rusqlite result, owned (the statement has moved on).
#[derive(Debug)]
pub struct SqliteRow {
    names: Arc<[String]>,
    cells: Box<[Cell]>,
}

impl SqliteRow {
    /// Copies the current row of `row` (whose columns are `names`).
    pub(crate) fn copied(names: &Arc<[String]>, row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let cells = (0..names.len())
            .map(|i| row.get_ref(i).map(Cell::copied))
            .collect::<rusqlite::Result<_>>()?;
        Ok(SqliteRow { names: Arc::clone(names), cells })
    }

    fn cell(&self, index: usize) -> Result<&Cell> {
        self.cells.get(index).ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "column index {index} is out of range: the row has {} columns",
                    self.cells.len()
                ),
            )
        })
    }

    fn text<'r>(&'r self, index: usize, kind: Kind, bytes: &'r [u8]) -> Result<&'r str> {
        std::str::from_utf8(bytes)
            .map_err(|_| unreadable(self, index, kind, "text that is not UTF-8"))
    }
}

impl RowSource for SqliteRow {
    fn len(&self) -> usize {
        self.cells.len()
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    fn is_null(&self, index: usize) -> Result<bool> {
        Ok(*self.cell(index)? == Cell::Null)
    }

    fn value(&self, index: usize, kind: Kind) -> Result<Value<'_>> {
        let cell = self.cell(index)?;
        let wrong = || unreadable(self, index, kind, cell.storage());
        let out_of_range =
            |v: i64| unreadable(self, index, kind, &format!("{v}, out of its range"));
        Ok(match (kind, cell) {
            (_, Cell::Null) => Value::Null(kind),
            (Kind::Bool, Cell::Integer(v)) => Value::Bool(*v != 0),
            (Kind::I16, Cell::Integer(v)) => {
                Value::I16(i16::try_from(*v).map_err(|_| out_of_range(*v))?)
            }
            (Kind::I32, Cell::Integer(v)) => {
                Value::I32(i32::try_from(*v).map_err(|_| out_of_range(*v))?)
            }
            (Kind::I64, Cell::Integer(v)) => Value::I64(*v),
            #[allow(
                clippy::cast_possible_truncation,
                reason = "f32 is asked for: as sqlx reads it"
            )]
            (Kind::F32, Cell::Real(v)) => Value::F32(*v as f32),
            (Kind::F64, Cell::Real(v)) => Value::F64(*v),
            (Kind::Text, Cell::Text(v)) => Value::Text(Cow::Borrowed(self.text(index, kind, v)?)),
            (Kind::Bytes, Cell::Blob(v) | Cell::Text(v)) => Value::Bytes(Cow::Borrowed(v)),
            (Kind::Uuid, Cell::Text(v)) => {
                let text = self.text(index, kind, v)?;
                Value::Uuid(uuid::Uuid::parse_str(text).map_err(|e| {
                    Error::new(
                        ErrorKind::Decode,
                        format!("column {index} holds `{text}`, which is not a UUID: {e}"),
                    )
                })?)
            }
            (Kind::Json, Cell::Text(v)) => {
                let text = self.text(index, kind, v)?;
                Value::Json(Cow::Owned(serde_json::from_str(text).map_err(|e| {
                    Error::new(
                        ErrorKind::Decode,
                        format!("column {index} does not hold valid JSON: {e}"),
                    )
                })?))
            }
            (Kind::DateTime | Kind::NaiveDateTime, _) => {
                let at = match cell {
                    Cell::Text(v) => datetime_from_text(self.text(index, kind, v)?),
                    Cell::Integer(v) => Utc.fix().timestamp_opt(*v, 0).single(),
                    Cell::Real(v) => datetime_from_julian_day(*v),
                    _ => return Err(wrong()),
                };
                let at = at.ok_or_else(|| unreadable(self, index, kind, "an invalid datetime"))?;
                match kind {
                    Kind::DateTime => Value::DateTime(Utc.from_utc_datetime(&at.naive_utc())),
                    _ => Value::NaiveDateTime(at.naive_local()),
                }
            }
            (Kind::NaiveDate, Cell::Text(v)) => {
                let text = self.text(index, kind, v)?;
                Value::NaiveDate(NaiveDate::parse_from_str(text, "%F").map_err(|e| {
                    unreadable(self, index, kind, &format!("`{text}`, not a date: {e}"))
                })?)
            }
            (Kind::NaiveTime, Cell::Text(v)) => {
                let text = self.text(index, kind, v)?;
                Value::NaiveTime(time_from_text(text).ok_or_else(|| {
                    unreadable(self, index, kind, &format!("`{text}`, not a time of day"))
                })?)
            }
            (Kind::Decimal, Cell::Integer(v)) => Value::Decimal((*v).into()),
            (Kind::Decimal, Cell::Real(v)) => Value::Decimal(
                decimal_from_real(*v).map_err(|what| unreadable(self, index, kind, &what))?,
            ),
            (Kind::Decimal, Cell::Text(v)) => {
                let read = decimal_from_text(self.text(index, kind, v)?);
                Value::Decimal(read.map_err(|what| unreadable(self, index, kind, &what))?)
            }
            _ => return Err(wrong()),
        })
    }
}

/// The formats sqlx reads a time of day from, in its order.
fn time_from_text(value: &str) -> Option<NaiveTime> {
    const FORMATS: [&str; 6] = ["%T%.f", "%R", "%RZ", "%T%.fZ", "%R%:z", "%T%.f%:z"];
    FORMATS.iter().find_map(|format| NaiveTime::parse_from_str(value, format).ok())
}

/// RFC 3339 first, then the formats SQLite's date functions write and accept (sqlx's list,
/// in its order, so both drivers read a file the same).
fn datetime_from_text(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at);
    }
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(value, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(value, format)
                .ok()
                .map(|at| Utc.fix().from_utc_datetime(&at))
        })
    })
}

/// A Julian day number (what `julianday()` returns) as a time.
fn datetime_from_julian_day(value: f64) -> Option<DateTime<FixedOffset>> {
    const UNIX_EPOCH_IN_JULIAN_DAYS: f64 = 2_440_587.5;
    let seconds = (value - UNIX_EPOCH_IN_JULIAN_DAYS) * 86_400.0;
    if !seconds.is_finite() {
        return None;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "finite, as sqlx converts it"
    )]
    let (whole, nanos) = (seconds.trunc() as i64, (seconds.fract() * 1e9).abs() as u32);
    Utc.fix().timestamp_opt(whole, nanos).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: Vec<Cell>) -> SqliteRow {
        let names: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
        SqliteRow { names: names.into(), cells: cells.into() }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.as_bytes().into())
    }

    #[test]
    fn integers_are_range_checked_and_floats_come_only_from_reals() {
        let r = row(vec![Cell::Integer(70_000), Cell::Real(1.5), Cell::Integer(1)]);
        assert_eq!(r.value(0, Kind::I32).expect("fits"), Value::I32(70_000));
        assert!(r.value(0, Kind::I16).is_err());
        assert_eq!(r.value(1, Kind::F64).expect("real"), Value::F64(1.5));
        assert!(r.value(2, Kind::F64).is_err(), "sqlx reads no float from an integer");
        assert!(r.value(1, Kind::I64).is_err());
        assert_eq!(r.value(2, Kind::Bool).expect("bool"), Value::Bool(true));
    }

    #[test]
    fn times_read_from_text_unix_seconds_and_julian_days() {
        let r = row(vec![
            text("2024-05-06T07:08:09.000120+00:00"),
            text("2024-05-06 07:08:09"),
            Cell::Integer(0),
            Cell::Real(2_440_588.0),
            text("2024-05-06"),
            text("yesterday"),
        ]);
        let Value::DateTime(at) = r.value(0, Kind::DateTime).expect("rfc 3339") else { panic!() };
        assert_eq!(at.to_rfc3339(), "2024-05-06T07:08:09.000120+00:00");
        assert!(matches!(r.value(1, Kind::NaiveDateTime), Ok(Value::NaiveDateTime(_))));
        let Value::DateTime(epoch) = r.value(2, Kind::DateTime).expect("unix") else { panic!() };
        assert_eq!(epoch.timestamp(), 0);
        let Value::DateTime(day) = r.value(3, Kind::DateTime).expect("julian") else { panic!() };
        assert_eq!(day.timestamp(), 43_200);
        assert!(matches!(r.value(4, Kind::NaiveDate), Ok(Value::NaiveDate(_))));
        assert!(r.value(5, Kind::DateTime).is_err());
    }

    #[test]
    fn decimals_from_text_integers_and_short_floats_times_from_text() {
        let r = row(vec![
            text("-12.3400"),
            Cell::Integer(42),
            Cell::Real(3.75),
            Cell::Real(0.1 + 0.2),
            text("07:08:09.5"),
            text("7 o'clock"),
        ]);
        let decimal = |i| match r.value(i, Kind::Decimal) {
            Ok(Value::Decimal(d)) => Ok(d.to_string()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(decimal(0), Ok("-12.3400".to_owned()));
        assert_eq!(decimal(1), Ok("42".to_owned()));
        assert_eq!(decimal(2), Ok("3.75".to_owned()));
        let e = decimal(3).expect_err("17 digits");
        assert!(e.contains("c3") && e.contains("0.30000000000000004"), "{e}");
        let Value::NaiveTime(t) = r.value(4, Kind::NaiveTime).expect("time") else { panic!() };
        assert_eq!(t, NaiveTime::from_hms_milli_opt(7, 8, 9, 500).expect("valid"));
        assert!(r.value(5, Kind::NaiveTime).is_err());
    }

    #[test]
    fn nulls_text_bytes_uuid_and_json() {
        let r = row(vec![Cell::Null, text("héllo"), text("{\"a\":1}"), Cell::Blob(vec![1].into())]);
        assert_eq!(r.value(0, Kind::Uuid).expect("null"), Value::Null(Kind::Uuid));
        assert!(r.is_null(0).expect("in range"));
        assert_eq!(r.value(1, Kind::Text).expect("text"), Value::Text("héllo".into()));
        assert_eq!(
            r.value(1, Kind::Bytes).expect("bytes"),
            Value::Bytes("héllo".as_bytes().into())
        );
        assert!(r.value(1, Kind::Uuid).is_err());
        assert!(matches!(r.value(2, Kind::Json), Ok(Value::Json(_))));
        assert!(r.value(3, Kind::Text).is_err(), "sqlx reads no text from a blob");
        assert!(r.value(9, Kind::Text).is_err());
    }
}
