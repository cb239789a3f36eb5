//! The traits `#[derive(Entity)]` implements, and [`Repo`], which runs an entity's generated
//! statements. A runtime type never knows which macro produced its caller: everything the
//! derive supplies comes through [`Entity`].

mod bulk;
mod column;
mod filter;
mod find;
mod history;
mod id;
mod index;
mod relation;
mod repo;
mod roles;
mod schema;
mod time_travel;

use chrono::{DateTime, Utc};
use dal_sql::Dialect;

pub use self::column::{ColumnRef, Comparable, Order};
pub use self::filter::{Filter, Op};
pub use self::find::{Find, FindWith};
pub use self::history::{Change, HistoryEntry, Operation};
pub use self::id::EntityId;
pub use self::index::TableIndex;
pub use self::relation::{
    BelongsTo, ForeignKey, HasMany, HasOne, Level, Link, Load, Nested, foreign_key,
};
pub use self::repo::Repo;
pub use self::roles::{DeletedAtField, TimestampField, VersionField};
pub use self::time_travel::FieldChange;
use crate::error::Result;
use crate::types::Row;
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
    /// Update of every column but the id, by id; with a version column also by the version
    /// read (parameters: the columns, the id, then the old version).
    pub update: &'static str,
    /// Select of every column by id, deleted rows included.
    pub select_by_id: &'static str,
    /// Select of every column by id, live rows only (the same as `select_by_id` without soft
    /// delete).
    pub select_live_by_id: &'static str,
    /// Select of the version by id (empty without a version column).
    pub select_version: &'static str,
    /// Delete by id.
    pub delete_by_id: &'static str,
    /// The declared SQL type of each column, in [`Entity::COLUMNS`] order (checked against
    /// an existing table by `ensure_schema`).
    pub column_types: &'static [&'static str],
    /// `CREATE TABLE IF NOT EXISTS` of the history table (empty without history).
    pub create_history_table: &'static str,
    /// `CREATE [UNIQUE] INDEX IF NOT EXISTS` statements of the table's secondary indexes
    /// ([`Entity::INDEXES`] that the dialect does not declare inside `CREATE TABLE`),
    /// separated by `"; "` (empty when there are none).
    pub create_indexes: &'static str,
    /// `CREATE INDEX IF NOT EXISTS` of the history table's index on its change time (empty
    /// without history, or where the dialect declares it inside `CREATE TABLE`).
    pub create_history_index: &'static str,
    /// Insert of a history row: every column, then those of [`dal_sql::history::COLUMNS`]
    /// (the history table's shape).
    pub insert_history: &'static str,
    /// Every history row of an id, oldest first.
    pub select_history: &'static str,
    /// The history row of an id at a version.
    pub select_history_version: &'static str,
}

/// A struct stored as one row of a table: what `#[derive(Entity)]` implements.
///
/// Use the derive, not a hand-written impl: it generates every backend's SQL at compile time
/// ([`Entity::statements`]) and keeps the other items consistent with it. `dal` re-exports this
/// trait with a runnable example of the derive (this crate's doctests cannot derive: it does
/// not depend on the macros).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity",
    label = "not an entity",
    note = "derive one with `#[derive(Entity)]` on the struct (with an `#[dal(id)]` field) to store it, query it or reference it"
)]
pub trait Entity: Sized + Send + Sync + 'static {
    /// The id type: `Uuid` (generated on first save when nil) or `i64` (assigned by the
    /// database).
    type Id: EntityId;

    /// The struct's name, for messages.
    const TYPE_NAME: &'static str;

    /// The table name.
    const TABLE: &'static str;

    /// `delete` marks rows deleted instead of removing them.
    const SOFT_DELETE: bool = false;

    /// Every version is kept in a history table.
    const HISTORY: bool = false;

    /// Positions in [`Entity::values`] of columns whose change alone is not a change (version
    /// and timestamps): an update that changes only these writes nothing.
    const UNTRACKED: &'static [usize] = &[];

    /// Column names: the id first, then the other columns in field order.
    const COLUMNS: &'static [&'static str];

    /// The table's secondary indexes and unique constraints: each foreign key's index, then
    /// those `#[dal(index)]`/`#[dal(unique)]` declare on fields, then the struct's composite
    /// ones. `ensure_schema` creates them with the table and reports an existing table that
    /// lacks one (or has it not unique) as drift. The history table gets none of the unique
    /// ones: it holds many versions of one row.
    const INDEXES: &'static [TableIndex] = &[];

    /// This entity's SQL on `dialect`.
    fn statements(dialect: Dialect) -> &'static Statements;

    /// The id.
    fn id(&self) -> &Self::Id;

    /// Replaces the id.
    fn set_id(&mut self, id: Self::Id);

    /// Every column but the id, in [`Entity::COLUMNS`] order.
    fn values(&self) -> Vec<Value<'_>>;

    /// The version column, when the entity has one.
    const VERSION_COLUMN: Option<&'static str> = None;

    /// The soft-delete column, when the entity has one (reads skip rows where it is set).
    const DELETED_AT_COLUMN: Option<&'static str> = None;

    /// Builds the entity from a row holding [`Entity::COLUMNS`] in order.
    fn from_row(row: &Row) -> Result<Self>;

    /// The version, for entities with a `#[dal(version)]` field.
    fn version(&self) -> Option<i64> {
        None
    }

    /// Sets the version (no-op without a version field).
    fn set_version(&mut self, _version: i64) {}

    /// Sets the creation time (no-op without a created_at field).
    fn set_created_at(&mut self, _at: DateTime<Utc>) {}

    /// Sets the last-update time (no-op without an updated_at field).
    fn set_updated_at(&mut self, _at: DateTime<Utc>) {}

    /// When the entity was soft-deleted, if it was.
    fn deleted_at(&self) -> Option<DateTime<Utc>> {
        None
    }

    /// Marks the entity deleted (or live with `None`); no-op without soft delete.
    fn set_deleted_at(&mut self, _at: Option<DateTime<Utc>>) {}
}

/// Every entity is read from a whole row by the code its derive generates.
impl<E: Entity> crate::types::FromRow for E {
    fn from_row(row: &crate::types::Row) -> Result<Self> {
        <E as Entity>::from_row(row)
    }
}

/// Changes to some fields of an entity; `#[derive(Entity)]` generates one per entity
/// (`UserPatch` for `User`). See [`Repo::patch`].
pub trait Patch<E> {
    /// Writes the changed fields into `entity`.
    fn apply(self, entity: &mut E);
}
