//! [`SqlQuery`]: what `sql!` builds. Its text was rewritten for every dialect at compile time
//! and its argument count checked there, so at run time it only picks the handle's dialect.

use std::marker::PhantomData;
use std::time::Duration;

use super::{FromRow, Query};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::types::Row;
use crate::types::Value;
use dal_sql::Dialect;

/// One statement in each dialect's native form; `None` where the lexer refuses the text for
/// that dialect (`??` is a literal `?` on PostgreSQL only; `$$ … $$` quotes only there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialectSql {
    /// The statement as written, for messages.
    pub source: &'static str,
    /// PostgreSQL text (`$n` placeholders).
    pub postgres: Option<&'static str>,
    /// MySQL/MariaDB text.
    pub mysql: Option<&'static str>,
    /// SQLite text.
    pub sqlite: Option<&'static str>,
}

impl DialectSql {
    /// The text for `dialect`.
    pub fn for_dialect(&self, dialect: Dialect) -> Result<&'static str> {
        let text = match dialect {
            Dialect::Postgres => self.postgres,
            Dialect::MySql => self.mysql,
            Dialect::Sqlite => self.sqlite,
        };
        text.ok_or_else(|| {
            // `sql!` leaves a dialect out only when the lexer refused the text there; ask it
            // again for the reason (`??` is a literal `?` on PostgreSQL only, `$$` quotes only
            // there).
            let why = match dialect.rewrite_placeholders(self.source) {
                Err(e) => e.to_string(),
                Ok(_) => "its placeholders cannot be rewritten for it".to_owned(),
            };
            Error::new(
                ErrorKind::Parameters,
                format!("this sql! statement cannot run on {dialect}: {why}: {}", self.source),
            )
        })
    }
}

/// A statement from `sql!` with its arguments bound; run it on any handle.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct SqlQuery {
    sql: &'static DialectSql,
    params: Vec<Value<'static>>,
    timeout: Option<Duration>,
    tags: Vec<(String, String)>,
}

impl SqlQuery {
    /// Used by `sql!`.
    #[doc(hidden)]
    pub fn new(sql: &'static DialectSql, params: Vec<Value<'static>>) -> Self {
        SqlQuery { sql, params, timeout: None, tags: Vec::new() }
    }

    /// The per-dialect text.
    pub fn sql(&self) -> &'static DialectSql {
        self.sql
    }

    /// See [`Query::timeout`].
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// See [`Query::tag`].
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Maps rows into `T` (an entity or a tuple of columns): what `sql_as!` builds.
    pub fn typed<T: FromRow>(self) -> TypedSqlQuery<T> {
        TypedSqlQuery { query: self, row: PhantomData }
    }

    fn on<'a>(&self, db: &'a Database) -> Result<Query<'a>> {
        let mut q = Query::native(db, self.sql.for_dialect(db.dialect())?, self.params.clone());
        q.timeout = self.timeout;
        q.tags = self.tags.clone();
        Ok(q)
    }

    /// Runs the statement on `db`; returns the number of rows it changed.
    pub async fn execute(&self, db: &Database) -> Result<u64> {
        self.on(db)?.execute().await
    }

    /// Every row.
    pub async fn fetch_all(&self, db: &Database) -> Result<Vec<Row>> {
        self.on(db)?.fetch_all().await
    }

    /// The first row, or `None`.
    pub async fn fetch_optional(&self, db: &Database) -> Result<Option<Row>> {
        self.on(db)?.fetch_optional().await
    }

    /// The first row; a not-found error when there is none.
    pub async fn fetch_one(&self, db: &Database) -> Result<Row> {
        self.on(db)?.fetch_one().await
    }
}

/// A statement from `sql_as!`: rows come back as `T`.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct TypedSqlQuery<T> {
    query: SqlQuery,
    row: PhantomData<fn() -> T>,
}

impl<T: FromRow> TypedSqlQuery<T> {
    /// The statement's text for each dialect, as `sql_as!` rewrote it.
    pub fn sql(&self) -> &'static DialectSql {
        self.query.sql()
    }

    /// Every row as `T`.
    pub async fn fetch_all(&self, db: &Database) -> Result<Vec<T>> {
        self.query.on(db)?.fetch_all_as().await
    }

    /// The first row as `T`, or `None`.
    pub async fn fetch_optional(&self, db: &Database) -> Result<Option<T>> {
        self.query.on(db)?.fetch_optional_as().await
    }

    /// The first row as `T`; a not-found error when there is none.
    pub async fn fetch_one(&self, db: &Database) -> Result<T> {
        self.query.on(db)?.fetch_one_as().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialect_left_out_says_why() {
        const SQL: DialectSql = DialectSql {
            source: "SELECT $$ $1 $$, ?",
            postgres: Some("SELECT $$ $1 $$, $1"),
            mysql: None,
            sqlite: None,
        };
        assert_eq!(SQL.for_dialect(Dialect::Postgres).ok(), Some("SELECT $$ $1 $$, $1"));
        let e = SQL.for_dialect(Dialect::Sqlite).expect_err("`$$` quotes nothing on SQLite");
        assert_eq!(e.kind(), ErrorKind::Parameters);
        assert_eq!(
            e.to_string(),
            "this sql! statement cannot run on sqlite: the statement mixes `$1` (at byte 10) with `?`: use `?` only and bind values in order: SELECT $$ $1 $$, ?"
        );
    }
}
