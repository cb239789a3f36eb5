//! [`Json<T>`]: a value of any serde type stored as a JSON document.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Column, Kind, Row, Value};
use crate::error::{Error, Result};

/// A value of any serde type stored as a JSON document: `JSONB` on PostgreSQL, `JSON` on
/// MySQL/MariaDB, text on SQLite (the column types of `serde_json::Value`, which stays a
/// column type of its own for documents without a Rust type).
///
/// Saving serializes `T`; a `T` whose `Serialize` fails (a map with non-string keys, say)
/// is an [`ErrorKind::Data`](crate::ErrorKind::Data) error and nothing is written. Reading
/// a document that is not a `T` is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) error
/// naming the column and what serde found wrong. (`dal::Json`'s page has an example.)
///
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Column for Json<T>
where
    T: Serialize + DeserializeOwned + Send + Sync,
{
    const KIND: Kind = Kind::Json;
    const POSTGRES: &'static str = <serde_json::Value as Column>::POSTGRES;
    const MYSQL: &'static str = <serde_json::Value as Column>::MYSQL;
    const SQLITE: &'static str = <serde_json::Value as Column>::SQLITE;

    fn encode(&self) -> Value<'_> {
        match serde_json::to_value(&self.0) {
            Ok(document) => Value::Json(Cow::Owned(document)),
            Err(e) => Value::Unencodable {
                kind: Kind::Json,
                reason: format!("a {} does not serialize to JSON: {e}", std::any::type_name::<T>()),
            },
        }
    }

    fn decode(row: &Row, index: usize) -> Result<Self> {
        let document = <serde_json::Value as Column>::decode(row, index)?;
        serde_json::from_value(document).map(Json).map_err(|e| {
            Error::decode(format!(
                "column {index} (`{}`) holds JSON that is not a {}: {e}",
                row.column_name(index).unwrap_or("?"),
                std::any::type_name::<T>()
            ))
        })
    }
}
