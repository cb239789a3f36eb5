//! Creating an entity's tables, and checking an existing table still matches its entity.

use sqlx::SqlStr;

use super::Entity;
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Query;

impl Database {
    /// Creates the table of entity `E` (and its history table and indexes) when they do not
    /// exist, then checks the table has every column of `E` with the declared type: a missing
    /// column or another type is an [`ErrorKind::Schema`] error naming the columns (dal never alters an
    /// existing table; that is a migration's job).
    ///
    /// A table with foreign keys (`#[dal(references = …)]`) references its parents' tables:
    /// ensure the parents first (PostgreSQL and MySQL refuse a reference to a missing table).
    pub async fn ensure_schema<E: Entity>(&self) -> Result<()> {
        let st = E::statements(self.dialect());
        {
            let mut lease = self.lease_for(st.create_table).await?;
            let conn = lease.conn()?;
            conn.execute_unprepared(SqlStr::from_static(st.create_table)).await?;
            if !st.create_history_table.is_empty() {
                conn.execute_unprepared(SqlStr::from_static(st.create_history_table)).await?;
            }
            // Generated statements over checked identifiers: no `;` but the separators.
            for ddl in st.create_indexes.split("; ").filter(|s| !s.is_empty()) {
                conn.execute_unprepared(SqlStr::from_static(ddl)).await?;
            }
        }
        self.check_drift::<E>(st.column_types).await
    }

    async fn check_drift<E: Entity>(&self, types: &[&str]) -> Result<()> {
        let d = self.dialect();
        // On the primary: a replica may not have the table just created yet.
        let found: Vec<(String, String)> = Query::new(self, d.table_columns_sql())
            .bind(E::TABLE)
            .on_primary()
            .fetch_all_as()
            .await?;
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
        if missing.is_empty() && mismatched.is_empty() {
            return Ok(());
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing columns: {}", missing.join(", ")));
        }
        if !mismatched.is_empty() {
            problems.push(format!("columns of another type: {}", mismatched.join(", ")));
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
