//! A result row from any backend, read by column index or name into [`Column`] types.

use sqlx::{Column as _, Row as _, ValueRef as _};

use crate::error::{Error, Result};
use crate::types::Column;

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
        Row(RowInner::Postgres(r))
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlRow> for Row {
    fn from(r: sqlx::mysql::MySqlRow) -> Self {
        Row(RowInner::MySql(r))
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteRow> for Row {
    fn from(r: sqlx::sqlite::SqliteRow) -> Self {
        Row(RowInner::Sqlite(r))
    }
}

macro_rules! each {
    ($self:expr, $r:ident => $body:expr) => {
        match &$self.0 {
            #[cfg(feature = "postgres")]
            RowInner::Postgres($r) => $body,
            #[cfg(feature = "mysql")]
            RowInner::MySql($r) => $body,
            #[cfg(feature = "sqlite")]
            RowInner::Sqlite($r) => $body,
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
    /// The number of columns.
    pub fn len(&self) -> usize {
        each!(self, r => r.len())
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `index`.
    pub fn column_name(&self, index: usize) -> Option<&str> {
        each!(self, r => r.columns().get(index).map(|c| c.name()))
    }

    /// Reads a column as `T`.
    pub fn get<T: Column>(&self, index: impl RowIndex) -> Result<T> {
        T::decode(self, index.index_in(self)?)
    }

    /// Whether column `index` is SQL `NULL`.
    pub fn is_null(&self, index: usize) -> Result<bool> {
        each!(self, r => r
            .try_get_raw(index)
            .map(|v| v.is_null())
            .map_err(|e| self.decode_error::<()>(index, e)))
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

    /// Decodes through the driver's `Option<T>`, which looks the value up once and checks it
    /// for `NULL` once.
    pub(crate) fn decode_native<T: NativeDecode>(&self, index: usize) -> Result<T> {
        let value = each!(self, r => r
            .try_get::<Option<T>, _>(index)
            .map_err(|e| self.decode_error::<T>(index, e)))?;
        value.ok_or_else(|| self.null_error::<T>(index))
    }

    /// An integer from any integer column whose value fits; MySQL's and SQLite's drivers already
    /// convert with a range check, PostgreSQL's needs the column's exact width.
    pub(crate) fn decode_integer<T>(&self, index: usize) -> Result<T>
    where
        T: NativeDecode + TryFrom<i64>,
    {
        match &self.0 {
            #[cfg(feature = "postgres")]
            RowInner::Postgres(r) => {
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
                T::try_from(wide).map_err(|_| {
                    Error::decode(format!(
                        "cannot read column {index} (`{}`) as {}: {wide} is out of its range",
                        self.column_name(index).unwrap_or("?"),
                        std::any::type_name::<T>()
                    ))
                })
            }
            #[allow(unreachable_patterns, reason = "reached when only postgres is built")]
            _ => self.decode_native::<T>(index),
        }
    }

    /// For types PostgreSQL has natively and the others store as text (UUID, JSON): `parse`
    /// reads the text where it lies in the row, without copying it.
    pub(crate) fn decode_native_or_text<T: PgDecode>(
        &self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T>,
    ) -> Result<T> {
        match &self.0 {
            #[cfg(feature = "postgres")]
            RowInner::Postgres(r) => r
                .try_get::<Option<T>, _>(index)
                .map_err(|e| self.decode_error::<T>(index, e))?
                .ok_or_else(|| self.null_error::<T>(index)),
            #[allow(unreachable_patterns, reason = "reached when only postgres is built")]
            _ => {
                let text = each!(self, r => r
                    .try_get::<Option<&str>, _>(index)
                    .map_err(|e| self.decode_error::<T>(index, e)))?;
                parse(text.ok_or_else(|| self.null_error::<T>(index))?)
            }
        }
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
