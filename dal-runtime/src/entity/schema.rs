//! Creating an entity's tables, and checking an existing table still matches its entity.

use sqlx::SqlStr;

use super::Entity;
use super::index::{FoundIndex, index_problems};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Query;

impl Database {
    /// Creates the table of entity `E` with its indexes and unique constraints (and its
    /// history table) when they do not exist, then checks the table matches `E`: every column
    /// with the declared type, and every index of [`Entity::INDEXES`] on its columns, unique
    /// where declared so. A difference is an [`ErrorKind::Schema`] error naming the columns
    /// and indexes (dal never alters an existing table, nor adds an index to one: that is a
    /// migration's job, and a unique index added to a table of duplicates would fail anyway).
    /// Indexes the table has besides are left alone.
    ///
    /// A table with foreign keys (`#[dal(references = …)]`) references its parents' tables:
    /// ensure the parents first (PostgreSQL and MySQL refuse a reference to a missing table).
    ///
    /// On PostgreSQL and SQLite a table's secondary indexes are statements of their own after
    /// `CREATE TABLE`: a second process calling this at that moment sees the table without
    /// them and reports drift; call it again, or ensure schemas from one process.
    pub async fn ensure_schema<E: Entity>(&self) -> Result<()> {
        let st = E::statements(self.dialect());
        let existed = !self.catalog_columns(E::TABLE).await?.is_empty();
        {
            let mut lease = self.lease_for(st.create_table).await?;
            let conn = lease.conn()?;
            conn.execute_unprepared(SqlStr::from_static(st.create_table)).await?;
            if !st.create_history_table.is_empty() {
                conn.execute_unprepared(SqlStr::from_static(st.create_history_table)).await?;
            }
            // Indexes come with a table created here; an existing table's are checked below.
            let indexes = if existed { "" } else { st.create_indexes };
            // Generated statements over checked identifiers: no `;` but the separators.
            let statements =
                [indexes, st.create_history_index].into_iter().flat_map(|s| s.split("; "));
            for ddl in statements.filter(|s| !s.is_empty()) {
                conn.execute_unprepared(SqlStr::from_static(ddl)).await?;
            }
        }
        self.check_drift::<E>(st.column_types).await
    }

    /// The columns of `table` as the catalog lists them (name, type); none when it does not
    /// exist. Read on the primary: a replica may not have a table just created yet.
    async fn catalog_columns(&self, table: &'static str) -> Result<Vec<(String, String)>> {
        Query::new(self, self.dialect().table_columns_sql())
            .bind(table)
            .on_primary()
            .fetch_all_as()
            .await
    }

    async fn check_drift<E: Entity>(&self, types: &[&str]) -> Result<()> {
        let d = self.dialect();
        let found = self.catalog_columns(E::TABLE).await?;
        let mut missing = Vec::new();
        let mut mismatched = Vec::new();
        for (column, declared) in E::COLUMNS.iter().zip(types) {
            match found.iter().find(|(name, _)| name.eq_ignore_ascii_case(column)) {
                None => missing.push(*column),
                Some((_, actual)) if !d.same_type(declared, actual) => {
                    mismatched.push(format!("{column} ({declared} expected, {actual} found)"))
                }
                Some(_) => {}
            }
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing columns: {}", missing.join(", ")));
        }
        if !mismatched.is_empty() {
            problems.push(format!("columns of another type: {}", mismatched.join(", ")));
        }
        if !E::INDEXES.is_empty() {
            let indexes: Vec<(String, i64, String)> = Query::new(self, d.table_indexes_sql())
                .bind(E::TABLE)
                .on_primary()
                .fetch_all_as()
                .await?;
            let indexes: Vec<FoundIndex> = indexes.into_iter().map(FoundIndex::from_row).collect();
            problems.extend(index_problems(E::INDEXES, &indexes));
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Schema,
            format!(
                "table `{}` does not match {}: {}; migrate the table, or change the struct",
                E::TABLE,
                E::TYPE_NAME,
                problems.join("; ")
            ),
        ))
    }
}
