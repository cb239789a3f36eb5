//! The traits `#[derive(Entity)]` implements, and [`Repo`], which runs an entity's generated
//! statements. A runtime type never knows which macro produced its caller: everything the
//! derive supplies comes through [`Entity`].

mod id;
mod repo;
mod schema;

use dal_sql::Dialect;

pub use self::id::EntityId;
pub use self::repo::Repo;
use crate::error::Result;
use crate::row::Row;
use crate::types::Value;

/// The SQL of one entity on one backend, generated at compile time.
///
/// Column order everywhere: the id first, then the other columns in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statements {
    /// `CREATE TABLE IF NOT EXISTS …`.
    pub create_table: &'static str,
    /// Insert of every column, the id included.
    pub insert: &'static str,
    /// Insert of every column but the id, for database-assigned ids; returns the id where the
    /// dialect has `RETURNING`.
    pub insert_generated_id: &'static str,
    /// Update of every column but the id, by id (the id is the last parameter).
    pub update: &'static str,
    /// Select of every column by id.
    pub select_by_id: &'static str,
    /// Delete by id.
    pub delete_by_id: &'static str,
}

/// A struct stored as one row of a table. Implement it with `#[derive(Entity)]`.
pub trait Entity: Sized + Send + Sync + 'static {
    /// The id type: `Uuid` (generated on first save when nil) or `i64` (assigned by the
    /// database).
    type Id: EntityId;

    /// The table name.
    const TABLE: &'static str;

    /// Column names: the id first, then the other columns in field order.
    const COLUMNS: &'static [&'static str];

    /// This entity's SQL on `dialect`.
    fn statements(dialect: Dialect) -> &'static Statements;

    /// The id.
    fn id(&self) -> &Self::Id;

    /// Replaces the id.
    fn set_id(&mut self, id: Self::Id);

    /// Every column but the id, in [`Entity::COLUMNS`] order.
    fn values(&self) -> Vec<Value<'_>>;

    /// Builds the entity from a row holding [`Entity::COLUMNS`] in order.
    fn from_row(row: &Row) -> Result<Self>;
}
