//! [`Query`]: raw SQL with `?` placeholders, bound values, per-query timeout and tags, and the
//! ways to run it (execute, fetch all/one/optional, stream, typed, many parameter sets).

mod static_sql;

use std::time::Duration;

use futures_core::Stream;
use sqlx::SqlStr;

pub use self::static_sql::{DialectSql, SqlQuery, TypedSqlQuery};
use crate::database::Database;
use crate::driver::sql;
use crate::error::{Error, ErrorKind, Result};
use crate::types::FromRow;
use crate::types::Row;
use crate::types::{IntoValue, Value};

/// A raw SQL statement with `?` placeholders on every backend, and the values bound to them.
///
/// The text goes through the placeholder lexer of the handle's dialect, which leaves `?` in
/// literals, quoted identifiers and comments alone; a count of placeholders that differs from
/// the values bound is an error naming both counts.
///
/// Refused with [`ErrorKind::Parameters`] before anything is sent, on every backend:
/// - `?` directly followed by a digit (`?1`, SQLite's numbered form): on PostgreSQL it would
///   silently become `$11`;
/// - native `$n` next to `?`: the `?` are numbered from `$1`, so a hand-written `$1` would take
///   the first `?`'s value;
/// - more values than the backend binds in one statement (65,535 on PostgreSQL and
///   MySQL/MariaDB, 32,766 on SQLite; see [`dal_sql::Dialect::max_params`]).
///
/// Text with `$n` and no `?` is sent as written, since dal binds values to `?` only: the server
/// decides what such a `$n` means (PostgreSQL's `PREPARE … AS` and `BEGIN ATOMIC` function
/// bodies have their own), and binding values to it is a count mismatch that says to write `?`.
///
/// ```no_run
/// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
/// use std::time::Duration;
/// let names: Vec<(String, i32)> = db
///     .query("SELECT name, age FROM users WHERE age > ? ORDER BY name")
///     .bind(18)
///     .timeout(Duration::from_secs(2))
///     .tag("route", "/adults")
///     .fetch_all_as()
///     .await?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows the statement, its bound values, limit and tags, and the handle it runs on
/// (see [`Database`]'s: no password).
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'a> {
    db: &'a Database,
    sql: &'a str,
    /// Text already in the dialect's native form (from `sql!`, rewritten and its argument
    /// count checked at compile time).
    native: Option<&'static str>,
    params: Vec<Value<'static>>,
    timeout: Option<Duration>,
    tags: Vec<(String, String)>,
    /// Run a read on the primary even where a replica could serve it.
    on_primary: bool,
}

impl std::fmt::Debug for Query<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("sql", &self.sql)
            .field("native", &self.native)
            .field("params", &self.params)
            .field("timeout", &self.timeout)
            .field("tags", &self.tags)
            .field("on_primary", &self.on_primary)
            .field("db", self.db)
            .finish()
    }
}

impl<'a> Query<'a> {
    pub(crate) fn new(db: &'a Database, sql: &'a str) -> Self {
        Query {
            db,
            sql,
            native: None,
            params: Vec::new(),
            timeout: None,
            tags: db.statement_tags().into_owned(),
            on_primary: false,
        }
    }

    /// A query whose text is already native to `db`'s dialect and whose values are bound.
    pub(crate) fn native(db: &'a Database, sql: &'static str, params: Vec<Value<'static>>) -> Self {
        Query {
            db,
            sql,
            native: Some(sql),
            params,
            timeout: None,
            tags: db.statement_tags().into_owned(),
            on_primary: false,
        }
    }

    /// Binds already-converted values, in order.
    pub(crate) fn bind_all(mut self, values: Vec<Value<'static>>) -> Self {
        self.params.extend(values);
        self
    }

    /// Binds the value of the next `?`.
    pub fn bind(mut self, value: impl IntoValue) -> Self {
        self.params.push(value.into_value());
        self
    }

    /// Fails the query with a timeout error when it runs longer than `limit` (waiting for a
    /// connection is bounded separately by the pool's acquisition timeout). The statement is
    /// stopped on the server (its session is ended from a side connection: PostgreSQL
    /// `pg_terminate_backend`, MariaDB `KILL CONNECTION`; SQLite's statement is interrupted)
    /// and the connection is closed, never reused. Overrides the pool's
    /// [`query_timeout`](crate::PoolOptions::query_timeout); inside a transaction with a
    /// budget, the shorter of the two applies.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Adds a tag, sent as a trailing sqlcommenter comment (`/*key='value'*/`) that shows in the
    /// server's activity views and logs. Keys and values are percent-encoded.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Runs this query on the primary of a cluster even if it only reads, to see what was just
    /// written there (replicas may lag). No effect outside a cluster.
    pub fn on_primary(mut self) -> Self {
        self.on_primary = true;
        self
    }

    /// The text sent to the server: placeholders rewritten, tags appended.
    fn native_sql(&self, params: usize) -> Result<SqlStr> {
        if self.sql.trim().is_empty() {
            return Err(Error::new(ErrorKind::Usage, "empty SQL: there is no statement to run"));
        }
        if let (Some(text), true) = (self.native, self.tags.is_empty()) {
            return Ok(SqlStr::from_static(text));
        }
        let rewritten = match self.native {
            Some(text) => dal_sql::Rewritten { sql: text.to_owned(), params, numbered: None },
            None => self.db.dialect().rewrite_placeholders(self.sql)?,
        };
        check_count(rewritten.params, params, None, rewritten.numbered.as_deref())?;
        if self.tags.is_empty() {
            return Ok(sql(rewritten.sql));
        }
        let tags: Vec<(&str, &str)> =
            self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Ok(sql(dal_sql::with_tags(&rewritten.sql, &tags)))
    }

    /// Runs `sql`, already in the backend's placeholder form (built by dal, never from user
    /// text), with the handle's tags appended; returns the rows changed and the last id the
    /// database assigned.
    pub(crate) async fn execute_native_result(
        db: &Database,
        sql: String,
        params: &[Value<'_>],
    ) -> Result<crate::driver::ExecResult> {
        let all = db.statement_tags();
        let text = if all.is_empty() {
            sql
        } else {
            let tags: Vec<(&str, &str)> =
                all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            dal_sql::with_tags(&sql, &tags)
        };
        let mut lease = db.lease().await?;
        crate::exec::execute(lease.conn()?, crate::driver::sql(text), params, None).await
    }

    /// Runs the statement; returns the number of rows it changed.
    pub async fn execute(self) -> Result<u64> {
        let sql = self.native_sql(self.params.len())?;
        let mut lease = self.db.lease_for(self.sql).await?;
        let conn = lease.conn()?;
        Ok(crate::exec::execute(conn, sql, &self.params, self.timeout).await?.rows_affected)
    }

    /// Runs the query and returns every row.
    pub async fn fetch_all(self) -> Result<Vec<Row>> {
        let sql = self.native_sql(self.params.len())?;
        let (params, timeout) = (&self.params, self.timeout);
        let mut route = self.db.read_route(self.sql, self.on_primary);
        loop {
            let mut lease = route.lease().await?;
            let result = crate::exec::fetch_all(lease.conn()?, sql.clone(), params, timeout).await;
            if !route.retry(&result) {
                return result;
            }
        }
    }

    /// Runs the query and returns its first row, or `None`.
    pub async fn fetch_optional(self) -> Result<Option<Row>> {
        let sql = self.native_sql(self.params.len())?;
        let (params, timeout) = (&self.params, self.timeout);
        let mut route = self.db.read_route(self.sql, self.on_primary);
        loop {
            let mut lease = route.lease().await?;
            let result =
                crate::exec::fetch_optional(lease.conn()?, sql.clone(), params, timeout).await;
            if !route.retry(&result) {
                return result;
            }
        }
    }

    /// Runs the query and returns its first row; a not-found error when there is none.
    pub async fn fetch_one(self) -> Result<Row> {
        self.fetch_optional()
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the query returned no row"))
    }

    /// Every row, as `T` (an entity or a tuple of columns).
    pub async fn fetch_all_as<T: FromRow>(self) -> Result<Vec<T>> {
        let sql = self.native_sql(self.params.len())?;
        let (params, timeout) = (&self.params, self.timeout);
        let mut route = self.db.read_route(self.sql, self.on_primary);
        loop {
            let mut lease = route.lease().await?;
            let result = crate::exec::fetch_all_map(
                lease.conn()?,
                sql.clone(),
                params,
                timeout,
                T::from_row,
            )
            .await;
            if !route.retry(&result) {
                return result;
            }
        }
    }

    /// The first row as `T`, or `None`.
    pub async fn fetch_optional_as<T: FromRow>(self) -> Result<Option<T>> {
        self.fetch_optional().await?.as_ref().map(T::from_row).transpose()
    }

    /// The first row as `T`; a not-found error when there is none.
    pub async fn fetch_one_as<T: FromRow>(self) -> Result<T> {
        T::from_row(&self.fetch_one().await?)
    }

    /// Streams the rows as the server sends them, without collecting them first. The
    /// connection is held until the stream ends or is dropped (then it is closed, since rows
    /// were left unread). The query timeout does not apply to streams.
    pub fn fetch(self) -> impl Stream<Item = Result<Row>> + Send + 'a {
        async_stream::try_stream! {
            let sql = self.native_sql(self.params.len())?;
            let mut lease = self.db.lease_for_read(self.sql, self.on_primary).await?;
            let conn = lease.conn()?;
            {
                let mut rows = crate::exec::fetch_stream(conn, sql, &self.params)?;
                while let Some(row) = futures_util::StreamExt::next(&mut rows).await {
                    yield row?;
                }
            }
            conn.finish_stream();
        }
    }

    /// Runs the statement once per parameter set, all or nothing: inside a transaction of its
    /// own, or inside the handle's transaction when it has one. Values bound with
    /// [`Query::bind`] are not used. Returns the total of rows changed.
    ///
    /// An `INSERT … VALUES (…)` takes up to 1,000 sets per statement (within the backend's
    /// parameter limit), so 10,000 rows go in 10 round trips; any other statement is prepared
    /// once and run once per set.
    pub async fn execute_many<R, V>(self, rows: R) -> Result<u64>
    where
        R: IntoIterator,
        R::Item: IntoIterator<Item = V>,
        V: IntoValue,
    {
        let rows: Vec<Vec<Value<'static>>> =
            rows.into_iter().map(|r| r.into_iter().map(IntoValue::into_value).collect()).collect();
        let Some(first) = rows.first() else { return Ok(0) };
        let sql = self.native_sql(first.len())?;
        for (i, row) in rows.iter().enumerate() {
            check_count(first.len(), row.len(), Some(i), None)?;
        }
        let in_transaction = self.db.in_transaction().await;
        let tx = if in_transaction { None } else { Some(self.db.begin().await?) };
        let db = tx.as_deref().unwrap_or(self.db);
        let batches = self.batches(first.len(), rows.len())?;
        let mut total = 0;
        {
            let mut lease = db.lease_for(self.sql).await?;
            let conn = lease.conn()?;
            match batches {
                // `INSERT … VALUES (…)`: many rows per statement, within the parameter limit.
                Some((per_statement, full, last)) => {
                    for chunk in rows.chunks(per_statement) {
                        let text = if chunk.len() == per_statement { &full } else { &last };
                        let values: Vec<Value<'_>> = chunk.iter().flatten().cloned().collect();
                        total += crate::exec::execute(conn, text.clone(), &values, self.timeout)
                            .await?
                            .rows_affected;
                    }
                }
                None => {
                    for row in &rows {
                        total += crate::exec::execute(conn, sql.clone(), row, self.timeout)
                            .await?
                            .rows_affected;
                    }
                }
            }
        }
        if let Some(tx) = tx {
            tx.commit().await?;
        }
        Ok(total)
    }
}

impl Query<'_> {
    /// For an `INSERT … VALUES (…)` statement: rows per statement and the statements for a full
    /// chunk and for the last one. `None` when the statement cannot take several rows (or has
    /// tags, which stay on one statement per set).
    fn batches(&self, per_row: usize, rows: usize) -> Result<Option<(usize, SqlStr, SqlStr)>> {
        /// Rows per statement at most: beyond this the statement text, not round trips,
        /// dominates.
        const MAX_ROWS: usize = 1000;
        if self.native.is_some() || !self.tags.is_empty() || per_row == 0 || rows < 2 {
            return Ok(None);
        }
        let dialect = self.db.dialect();
        let per_statement = (dialect.max_params() / per_row).clamp(1, MAX_ROWS).min(rows);
        let Some(full) = dialect.multi_row_values(self.sql, per_statement)? else {
            return Ok(None);
        };
        let rest = rows % per_statement;
        let last = match dialect.multi_row_values(self.sql, rest.max(1))? {
            Some(last) if rest > 0 => sql(last.sql),
            _ => sql(full.sql.clone()),
        };
        Ok(Some((per_statement, sql(full.sql), last)))
    }
}

/// The error for a parameter count that does not match the placeholders. `numbered` is the
/// text's first native `$n`, which explains a mismatch: dal binds nothing to it.
fn check_count(
    placeholders: usize,
    values: usize,
    set: Option<usize>,
    numbered: Option<&str>,
) -> Result<()> {
    if placeholders == values {
        return Ok(());
    }
    let plural = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    let which = set.map(|i| format!(" in parameter set {i}")).unwrap_or_default();
    let hint = numbered
        .map(|n| format!(": dal binds values to `?` only, so write `?` where the text has `{n}`"))
        .unwrap_or_default();
    Err(Error::new(
        ErrorKind::Parameters,
        format!(
            "the SQL has {placeholders} `?` placeholder{} but {values} value{} bound{which}{hint}",
            plural(placeholders, "", "s"),
            plural(values, " was", "s were"),
        ),
    ))
}
