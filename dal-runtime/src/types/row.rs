//! A result row from any backend, read by column index or name into [`Column`] types.

use sqlx::{Column as _, Row as _, ValueRef as _};

use rust_decimal::Decimal;

use super::RowSource;
use super::decimal::decimal_from_real32;
use super::{Column, Kind, Value, decimal_from_real, decimal_from_text};
use crate::error::{Error, Result};

/// One row of a result.
///
/// ```no_run
/// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
/// let row = db.query("SELECT ? AS n, 'x' AS s").bind(7_i64).fetch_one().await?;
/// let n: i64 = row.get(0)?;
/// let s: String = row.get("s")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Row(RowInner);

#[derive(Debug)]
enum RowInner {
    /// A row of a built-in driver, read through sqlx's decoding.
    Sqlx(SqlxRow),
    /// A row of a third-party driver (see [`RowSource`]).
    Custom(Box<dyn RowSource>),
}

#[derive(Debug)]
enum SqlxRow {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlRow),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteRow),
}

#[cfg(feature = "postgres")]
impl From<sqlx::postgres::PgRow> for Row {
    fn from(r: sqlx::postgres::PgRow) -> Self {
        Row(RowInner::Sqlx(SqlxRow::Postgres(r)))
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlRow> for Row {
    fn from(r: sqlx::mysql::MySqlRow) -> Self {
        Row(RowInner::Sqlx(SqlxRow::MySql(r)))
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteRow> for Row {
    fn from(r: sqlx::sqlite::SqliteRow) -> Self {
        Row(RowInner::Sqlx(SqlxRow::Sqlite(r)))
    }
}

/// Runs `$body` with `$r` bound to the sqlx row, whichever backend it is from.
macro_rules! each {
    ($row:expr, $r:ident => $body:expr) => {
        match $row {
            #[cfg(feature = "postgres")]
            SqlxRow::Postgres($r) => $body,
            #[cfg(feature = "mysql")]
            SqlxRow::MySql($r) => $body,
            #[cfg(feature = "sqlite")]
            SqlxRow::Sqlite($r) => $body,
        }
    };
}

/// A column position: a `usize` index or a `&str` name.
pub trait RowIndex {
    /// The 0-based index of this column in `row`.
    fn index_in(&self, row: &Row) -> Result<usize>;
}

impl RowIndex for usize {
    fn index_in(&self, row: &Row) -> Result<usize> {
        if *self < row.len() {
            Ok(*self)
        } else {
            Err(Error::decode(format!(
                "column index {self} is out of range: the row has {} columns",
                row.len()
            )))
        }
    }
}

impl RowIndex for &str {
    fn index_in(&self, row: &Row) -> Result<usize> {
        (0..row.len())
            .find(|&i| row.column_name(i) == Some(*self))
            .ok_or_else(|| Error::decode(format!("the row has no column named `{self}`")))
    }
}

impl Row {
    pub(crate) fn custom(source: Box<dyn RowSource>) -> Row {
        Row(RowInner::Custom(source))
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        match &self.0 {
            RowInner::Sqlx(row) => each!(row, r => r.len()),
            RowInner::Custom(source) => source.len(),
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `index`.
    pub fn column_name(&self, index: usize) -> Option<&str> {
        match &self.0 {
            RowInner::Sqlx(row) => each!(row, r => r.columns().get(index).map(|c| c.name())),
            RowInner::Custom(source) => source.column_name(index),
        }
    }

    /// Reads a column as `T`.
    pub fn get<T: Column>(&self, index: impl RowIndex) -> Result<T> {
        T::decode(self, index.index_in(self)?)
    }

    /// Whether column `index` is SQL `NULL`.
    pub fn is_null(&self, index: usize) -> Result<bool> {
        match &self.0 {
            RowInner::Sqlx(row) => each!(row, r => r
                .try_get_raw(index)
                .map(|v| v.is_null())
                .map_err(|e| self.decode_error::<()>(index, e))),
            RowInner::Custom(source) => source.is_null(index),
        }
    }

    /// Reads text column `index` and hands it to `parse` where it lies in the row, without
    /// copying it: the way to decode a [`Column`] stored as text whose values are a set of
    /// strings (an enum's variants). `NULL` is a [`Decode`](crate::ErrorKind::Decode) error.
    ///
    /// ```no_run
    /// # fn demo(row: &dal_runtime::Row) -> dal_runtime::Result<()> {
    /// let on: bool = row.with_text(0, |text| match text {
    ///     "on" => Ok(true),
    ///     "off" => Ok(false),
    ///     other => Err(row.invalid_value::<bool>(0, other)),
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn with_text<T>(&self, index: usize, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
        match &self.0 {
            RowInner::Sqlx(row) => {
                let text = each!(row, r => r
                    .try_get::<Option<&str>, _>(index)
                    .map_err(|e| self.decode_error::<T>(index, e)))?;
                parse(text.ok_or_else(|| self.null_error::<T>(index))?)
            }
            RowInner::Custom(source) => match source.value(index, Kind::Text)? {
                Value::Text(text) => parse(&text),
                Value::Null(_) => Err(self.null_error::<T>(index)),
                other => Err(super::unreadable(
                    source.as_ref(),
                    index,
                    Kind::Text,
                    &format!("{other:?} (the driver gave another kind)"),
                )),
            },
        }
    }

    /// The [`Decode`](crate::ErrorKind::Decode) error for a value of column `index` that is
    /// not one of `T`'s (text no variant of an enum is stored as, say): it names the column,
    /// the value (its first 64 characters) and `T`.
    pub fn invalid_value<T>(&self, index: usize, value: impl std::fmt::Display) -> Error {
        const SHOWN: usize = 64;
        let mut shown = value.to_string();
        if let Some((cut, _)) = shown.char_indices().nth(SHOWN) {
            shown.truncate(cut);
            shown.push('…');
        }
        Error::decode(format!(
            "column {index} (`{}`) holds `{shown}`, which is not a value of {}",
            self.column_name(index).unwrap_or("?"),
            std::any::type_name::<T>()
        ))
    }

    /// A `NULL` read into a non-optional type is an error on every backend (SQLite's driver
    /// would otherwise hand back 0 or an empty string).
    fn null_error<T>(&self, index: usize) -> Error {
        Error::decode(format!(
            "column {index} (`{}`) is NULL, which {} cannot hold: read it as an Option",
            self.column_name(index).unwrap_or("?"),
            std::any::type_name::<T>()
        ))
    }

    /// A third-party driver's value of `T`'s kind, converted.
    fn decode_custom<T: FromValue>(&self, source: &dyn RowSource, index: usize) -> Result<T> {
        match source.value(index, T::KIND)? {
            Value::Null(_) => Err(self.null_error::<T>(index)),
            // The value is shown only when it is not of the kind asked for: formatting it on
            // every read would cost more than the read.
            value => T::from_value(value).map_err(|other| {
                super::unreadable(
                    source,
                    index,
                    T::KIND,
                    &format!("{other:?} (the driver gave another kind)"),
                )
            }),
        }
    }

    /// Decodes through the driver's `Option<T>`, which looks the value up once and checks it
    /// for `NULL` once.
    pub(crate) fn decode_native<T: NativeDecode + FromValue>(&self, index: usize) -> Result<T> {
        let row = match &self.0 {
            RowInner::Sqlx(row) => row,
            RowInner::Custom(source) => return self.decode_custom(source.as_ref(), index),
        };
        let value = each!(row, r => r
            .try_get::<Option<T>, _>(index)
            .map_err(|e| self.decode_error::<T>(index, e)))?;
        value.ok_or_else(|| self.null_error::<T>(index))
    }

    /// An integer from any integer column whose value fits; MySQL's and SQLite's drivers already
    /// convert with a range check, PostgreSQL's needs the column's exact width.
    pub(crate) fn decode_integer<T>(&self, index: usize) -> Result<T>
    where
        T: NativeDecode + FromValue + TryFrom<i64>,
    {
        match &self.0 {
            #[cfg(feature = "postgres")]
            RowInner::Sqlx(SqlxRow::Postgres(r)) => {
                use sqlx::TypeInfo;
                if self.is_null(index)? {
                    return Err(self.null_error::<T>(index));
                }
                let wide: i64 = match r.columns().get(index).map(|c| c.type_info().name()) {
                    Some("INT2") => self.decode_native::<i16>(index)?.into(),
                    Some("INT4") => self.decode_native::<i32>(index)?.into(),
                    Some("INT8") => self.decode_native::<i64>(index)?,
                    _ => return self.decode_native::<T>(index),
                };
                T::try_from(wide).map_err(|_| self.out_of_range::<T>(index, wide))
            }
            #[allow(unreachable_patterns, reason = "reached when only postgres is built")]
            _ => self.decode_native::<T>(index),
        }
    }

    /// The error for an integer column whose value `T` cannot hold.
    pub(crate) fn out_of_range<T>(&self, index: usize, value: i64) -> Error {
        Error::decode(format!(
            "cannot read column {index} (`{}`) as {}: {value} is out of its range",
            self.column_name(index).unwrap_or("?"),
            std::any::type_name::<T>()
        ))
    }

    /// For types PostgreSQL has natively and the others store as text (UUID, JSON): `parse`
    /// reads the text where it lies in the row, without copying it.
    pub(crate) fn decode_native_or_text<T: PgDecode + FromValue>(
        &self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T>,
    ) -> Result<T> {
        let row = match &self.0 {
            RowInner::Sqlx(row) => row,
            RowInner::Custom(source) => return self.decode_custom(source.as_ref(), index),
        };
        match row {
            #[cfg(feature = "postgres")]
            SqlxRow::Postgres(r) => r
                .try_get::<Option<T>, _>(index)
                .map_err(|e| self.decode_error::<T>(index, e))?
                .ok_or_else(|| self.null_error::<T>(index)),
            #[allow(unreachable_patterns, reason = "reached when only postgres is built")]
            _ => {
                let text = each!(row, r => r
                    .try_get::<Option<&str>, _>(index)
                    .map_err(|e| self.decode_error::<T>(index, e)))?;
                parse(text.ok_or_else(|| self.null_error::<T>(index))?)
            }
        }
    }

    /// A decimal from whatever the backend computed: its decimal type, an integer (a `COUNT`,
    /// SQLite's `SUM` of whole numbers), text (SQLite's stored decimals), or a float that
    /// stands for a short decimal (SQLite's `SUM`); see `decimal.rs`.
    pub(crate) fn decode_decimal(&self, index: usize) -> Result<Decimal> {
        let row = match &self.0 {
            RowInner::Sqlx(row) => row,
            RowInner::Custom(source) => return self.decode_custom(source.as_ref(), index),
        };
        if self.is_null(index)? {
            return Err(self.null_error::<Decimal>(index));
        }
        let held = |e| self.decode_error::<Decimal>(index, e);
        let type_name = each!(row, r => r
            .try_get_raw(index)
            .map(|v| sqlx::TypeInfo::name(v.type_info().as_ref()).to_owned())
            .map_err(held))?;
        let found = match (row, type_name.as_str()) {
            #[cfg(feature = "postgres")]
            (SqlxRow::Postgres(r), "NUMERIC") => return r.try_get(index).map_err(held),
            // sqlx would round a text of more digits than a Decimal holds: read the text.
            #[cfg(feature = "mysql")]
            (SqlxRow::MySql(r), "DECIMAL") => {
                decimal_from_text(r.try_get_unchecked::<&str, _>(index).map_err(held)?)
            }
            #[cfg(feature = "mysql")]
            (SqlxRow::MySql(r), name) if name.ends_with(" UNSIGNED") => {
                Ok(r.try_get::<u64, _>(index).map_err(held)?.into())
            }
            (
                _,
                "INT2" | "INT4" | "INT8" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT",
            )
            | (_, "INTEGER") => Ok(self.decode_integer::<i64>(index)?.into()),
            (_, "FLOAT4" | "FLOAT") => decimal_from_real32(self.decode_native::<f32>(index)?),
            (_, "FLOAT8" | "DOUBLE" | "REAL") => decimal_from_real(self.decode_native(index)?),
            _ => {
                let text = each!(row, r => r.try_get::<&str, _>(index).map_err(held))?;
                decimal_from_text(text)
            }
        };
        found.map_err(|what| {
            Error::decode(format!(
                "cannot read column {index} (`{}`) as a Decimal: it holds {what}",
                self.column_name(index).unwrap_or("?")
            ))
        })
    }

    fn decode_error<T>(&self, index: usize, e: sqlx::Error) -> Error {
        let name = self.column_name(index).unwrap_or("?");
        Error::decode(format!(
            "cannot read column {index} (`{name}`) as {}: {e}",
            std::any::type_name::<T>()
        ))
        .with_source(e)
    }
}

/// Types every enabled driver decodes natively. The supertraits change with the backend
/// features, so generic code needs one bound instead of a `cfg` per backend.
pub(crate) trait NativeDecode: PgDecode + MySqlDecode + SqliteDecode {}
impl<T: PgDecode + MySqlDecode + SqliteDecode> NativeDecode for T {}

macro_rules! decode_bound {
    ($name:ident, $feature:literal, $db:ty) => {
        #[cfg(feature = $feature)]
        pub(crate) trait $name: for<'r> sqlx::Decode<'r, $db> + sqlx::Type<$db> {}
        #[cfg(feature = $feature)]
        impl<T: for<'r> sqlx::Decode<'r, $db> + sqlx::Type<$db>> $name for T {}
        #[cfg(not(feature = $feature))]
        pub(crate) trait $name {}
        #[cfg(not(feature = $feature))]
        impl<T> $name for T {}
    };
}
decode_bound!(PgDecode, "postgres", sqlx::Postgres);
decode_bound!(MySqlDecode, "mysql", sqlx::MySql);
decode_bound!(SqliteDecode, "sqlite", sqlx::Sqlite);

/// A Rust type read from a third-party driver's [`Value`] of its [`Kind`].
pub(crate) trait FromValue: Sized {
    /// The kind the driver is asked for.
    const KIND: Kind;
    /// The value, when it is of that kind; else the value given back.
    fn from_value(value: Value<'_>) -> std::result::Result<Self, Value<'_>>;
}

macro_rules! from_value {
    ($ty:ty, $kind:ident, |$v:ident| $convert:expr) => {
        impl FromValue for $ty {
            const KIND: Kind = Kind::$kind;
            fn from_value(value: Value<'_>) -> std::result::Result<Self, Value<'_>> {
                match value {
                    Value::$kind($v) => Ok($convert),
                    other => Err(other),
                }
            }
        }
    };
}
from_value!(bool, Bool, |v| v);
from_value!(i16, I16, |v| v);
from_value!(i32, I32, |v| v);
from_value!(i64, I64, |v| v);
from_value!(f32, F32, |v| v);
from_value!(f64, F64, |v| v);
from_value!(String, Text, |v| v.into_owned());
from_value!(Vec<u8>, Bytes, |v| v.into_owned());
from_value!(uuid::Uuid, Uuid, |v| v);
from_value!(chrono::DateTime<chrono::Utc>, DateTime, |v| v);
from_value!(chrono::NaiveDateTime, NaiveDateTime, |v| v);
from_value!(chrono::NaiveDate, NaiveDate, |v| v);
from_value!(serde_json::Value, Json, |v| v.into_owned());
from_value!(rust_decimal::Decimal, Decimal, |v| v);
from_value!(chrono::NaiveTime, NaiveTime, |v| v);
