//! The history table's shape, in one place: its name, the columns it adds to the entity's own,
//! its index, and the insert of its rows. `dal-macros` builds the generated history statements
//! and DDL from it at compile time; `dal-runtime` builds `save_all`'s multi-row history inserts
//! and its time-travel queries from it at run time.
//!
//! The history table of entity table `t` is `t_history`. It holds every column of the entity
//! (the id first, then the others in field order), then [`COLUMNS`]: what made the version,
//! when, who and why. Its primary key is the entity's id and version columns; an index
//! (`t_history_at`) on [`CHANGED_AT`] serves "as of a time" reads and purges by age.

use crate::ident::MAX_IDENT_LEN;
use crate::insert::insert_checked;
use crate::{Dialect, Ident, IdentError};

/// What the history table's name adds to the entity table's.
pub const TABLE_SUFFIX: &str = "_history";
/// What the name of the history table's index on [`CHANGED_AT`] adds to the entity table's.
pub const INDEX_SUFFIX: &str = "_history_at";
/// The longest entity table name that leaves room for its history table's index name.
pub const MAX_TABLE_LEN: usize = MAX_IDENT_LEN - INDEX_SUFFIX.len();

/// The SQL type of a column the history table adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryType {
    /// This type on every backend.
    Sql(&'static str),
    /// The backend's type of a UTC timestamp (dal-runtime's column type of `DateTime<Utc>`).
    Timestamp,
    /// The backend's type of text (dal-runtime's column type of `String`).
    Text,
}

/// A column the history table adds to the entity's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryColumn {
    /// The column's name: a plain identifier, which no entity column may take.
    pub name: &'static str,
    /// Its SQL type.
    pub ty: HistoryType,
    /// Whether it may be NULL.
    pub nullable: bool,
}

impl HistoryColumn {
    /// The name quoted for `d` (plain identifiers need no escaping).
    pub fn quoted(&self, d: Dialect) -> String {
        let q = d.ident_quote();
        format!("{q}{}{q}", self.name)
    }
}

/// What made the version: `insert`, `update`, `delete` or `restore` (dal-runtime's
/// `Operation::as_str`).
pub const OPERATION: HistoryColumn =
    HistoryColumn { name: "operation", ty: HistoryType::Sql("VARCHAR(16)"), nullable: false };
/// When the version was saved.
pub const CHANGED_AT: HistoryColumn =
    HistoryColumn { name: "changed_at", ty: HistoryType::Timestamp, nullable: false };
/// Who saved it (a user id, a service name), when recorded.
pub const CHANGED_BY: HistoryColumn =
    HistoryColumn { name: "changed_by", ty: HistoryType::Text, nullable: true };
/// Why, when recorded.
pub const COMMENT: HistoryColumn =
    HistoryColumn { name: "comment", ty: HistoryType::Text, nullable: true };

/// The columns the history table adds, in the order they follow the entity's columns in its
/// DDL, its inserts (parameters) and its selects (row positions).
pub const COLUMNS: [HistoryColumn; 4] = [OPERATION, CHANGED_AT, CHANGED_BY, COMMENT];

/// The names of an entity table's history table and of its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    name: Ident,
    index: Ident,
}

impl HistoryTable {
    /// The history table of entity table `table`; an error when `table` is no identifier, or
    /// longer than [`MAX_TABLE_LEN`] (the index's name would not fit).
    ///
    /// ```
    /// use dal_sql::history::HistoryTable;
    /// let h = HistoryTable::of("users")?;
    /// assert_eq!((h.name().as_str(), h.index().as_str()), ("users_history", "users_history_at"));
    /// # Ok::<(), dal_sql::IdentError>(())
    /// ```
    pub fn of(table: &str) -> Result<Self, IdentError> {
        crate::validate_ident(table)?;
        Ok(HistoryTable {
            name: Ident::new(&format!("{table}{TABLE_SUFFIX}"))?,
            index: Ident::new(&format!("{table}{INDEX_SUFFIX}"))?,
        })
    }

    /// The history table's name.
    pub fn name(&self) -> &Ident {
        &self.name
    }

    /// The name of its index on [`CHANGED_AT`].
    pub fn index(&self) -> &Ident {
        &self.index
    }

    /// The insert of `rows` history rows (at least one): the entity's `columns` (the id
    /// first), then [`COLUMNS`], with native placeholders numbered across the rows.
    ///
    /// ```
    /// use dal_sql::{Dialect, Ident, history::HistoryTable};
    /// let columns = [Ident::new("id")?, Ident::new("version")?];
    /// assert_eq!(
    ///     HistoryTable::of("t")?.insert_sql(Dialect::MySql, &columns, 1),
    ///     "INSERT INTO `t_history` (`id`, `version`, `operation`, `changed_at`, `changed_by`, `comment`) \
    ///      VALUES (?, ?, ?, ?, ?, ?)"
    /// );
    /// # Ok::<(), dal_sql::IdentError>(())
    /// ```
    pub fn insert_sql<'a>(
        &self,
        d: Dialect,
        columns: impl IntoIterator<Item = &'a Ident>,
        rows: usize,
    ) -> String {
        let mut all: Vec<&str> = columns.into_iter().map(Ident::as_str).collect();
        all.extend(COLUMNS.iter().map(|c| c.name));
        insert_checked(d, self.name.as_str(), &all, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_added_columns_are_plain_identifiers() {
        for c in COLUMNS {
            assert_eq!(crate::validate_ident(c.name), Ok(()), "{}", c.name);
            assert_eq!(c.quoted(Dialect::MySql), format!("`{}`", c.name));
        }
    }

    #[test]
    fn the_longest_table_name_still_has_a_history_index() {
        let longest = "t".repeat(MAX_TABLE_LEN);
        let h = HistoryTable::of(&longest).expect("fits");
        assert_eq!(h.index().as_str().len(), MAX_IDENT_LEN);
        assert_eq!(h.name().as_str(), format!("{longest}_history"));
        let too_long = "t".repeat(MAX_TABLE_LEN + 1);
        assert_eq!(HistoryTable::of(&too_long), Err(IdentError::TooLong(MAX_IDENT_LEN + 1)));
        assert_eq!(HistoryTable::of("a b"), Err(IdentError::InvalidChar(' ')));
    }

    #[test]
    fn inserts_put_the_added_columns_after_the_entitys_on_every_row() {
        let h = HistoryTable::of("users").expect("plain");
        let columns = [Ident::new("id").expect("plain"), Ident::new("name").expect("plain")];
        assert_eq!(
            h.insert_sql(Dialect::Postgres, &columns, 2),
            r#"INSERT INTO "users_history" ("id", "name", "operation", "changed_at", "changed_by", "comment") VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12)"#
        );
        assert_eq!(
            h.insert_sql(Dialect::Sqlite, &columns, 1),
            r#"INSERT INTO "users_history" ("id", "name", "operation", "changed_at", "changed_by", "comment") VALUES (?, ?, ?, ?, ?, ?)"#
        );
    }
}
