//! [`RowSource`]: a row as a third-party driver holds it, read column by column as a
//! [`Value`] of the kind the reader asks for (the driver trait set re-exports it).

use std::fmt;

use super::{Kind, Row, Value};
use crate::error::{Error, Result};

/// One row of a result, as a driver holds it.
pub trait RowSource: Send + Sync + fmt::Debug {
    /// The number of columns.
    fn len(&self) -> usize;

    /// Whether the row has no column.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `index`.
    fn column_name(&self, index: usize) -> Option<&str>;

    /// Whether column `index` is SQL `NULL`.
    fn is_null(&self, index: usize) -> Result<bool>;

    /// Column `index` as a value of `kind` ([`Value::Null`] when it is NULL), converted from
    /// what the backend stores (text timestamps on SQLite, say). A value that cannot be read as
    /// `kind` is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) error naming the column.
    fn value(&self, index: usize, kind: Kind) -> Result<Value<'_>>;
}

impl Row {
    /// A row a third-party driver made.
    pub fn from_source(source: impl RowSource + 'static) -> Row {
        Row::custom(Box::new(source))
    }
}

/// The error for a value a [`RowSource`] cannot read as the kind asked for.
pub fn unreadable(row: &dyn RowSource, index: usize, kind: Kind, found: &str) -> Error {
    Error::decode(format!(
        "cannot read column {index} (`{}`) as {kind:?}: it holds {found}",
        row.column_name(index).unwrap_or("?")
    ))
}
