//! [`Query`]: raw SQL with `?` placeholders, bound values, and the ways to run it.

use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::row::Row;
use crate::transaction::sql;
use crate::types::{IntoValue, Value};

/// A raw SQL statement with `?` placeholders on every backend, and the values bound to them.
///
/// The text goes through the placeholder lexer of the handle's dialect, which leaves `?` in
/// literals, quoted identifiers and comments alone; a count of placeholders that differs from
/// the values bound is an error naming both counts.
#[derive(Debug)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'a> {
    db: &'a Database,
    sql: &'a str,
    params: Vec<Value<'static>>,
}

impl<'a> Query<'a> {
    pub(crate) fn new(db: &'a Database, sql: &'a str) -> Self {
        Query { db, sql, params: Vec::new() }
    }

    /// Binds the value of the next `?`.
    pub fn bind(mut self, value: impl IntoValue) -> Self {
        self.params.push(value.into_value());
        self
    }

    fn native_sql(&self) -> Result<sqlx::SqlStr> {
        if self.sql.trim().is_empty() {
            return Err(Error::new(ErrorKind::Usage, "empty SQL: there is no statement to run"));
        }
        let rewritten = self.db.dialect().rewrite_placeholders(self.sql)?;
        if rewritten.params != self.params.len() {
            return Err(Error::new(
                ErrorKind::Parameters,
                format!(
                    "the SQL has {} `?` placeholder{} but {} value{} bound",
                    rewritten.params,
                    if rewritten.params == 1 { "" } else { "s" },
                    self.params.len(),
                    if self.params.len() == 1 { " was" } else { "s were" },
                ),
            ));
        }
        Ok(sql(rewritten.sql))
    }

    /// Runs the statement; returns the number of rows it changed.
    pub async fn execute(self) -> Result<u64> {
        let sql = self.native_sql()?;
        let mut lease = self.db.lease().await?;
        Ok(lease.conn()?.execute(sql, &self.params).await?.rows_affected)
    }

    /// Runs the query and returns every row.
    pub async fn fetch_all(self) -> Result<Vec<Row>> {
        let sql = self.native_sql()?;
        let mut lease = self.db.lease().await?;
        lease.conn()?.fetch_all(sql, &self.params).await
    }

    /// Runs the query and returns its first row, or `None`.
    pub async fn fetch_optional(self) -> Result<Option<Row>> {
        let sql = self.native_sql()?;
        let mut lease = self.db.lease().await?;
        lease.conn()?.fetch_optional(sql, &self.params).await
    }

    /// Runs the query and returns its first row; a not-found error when there is none.
    pub async fn fetch_one(self) -> Result<Row> {
        self.fetch_optional()
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the query returned no row"))
    }
}
