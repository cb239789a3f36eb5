//! The baseline: the work of each dal workload written by hand on sqlx, as a careful sqlx user
//! would — the same SQL text (dal's generated constants, or the same text built once), the same
//! transaction boundaries (`BEGIN`, or `BEGIN IMMEDIATE` on SQLite, like dal), history rows
//! where dal writes them, `query_as` into the same struct — and nothing dal does that such a
//! user would not need (no second read of a row already read in the transaction).
//!
//! The pool is sqlx's own, sized like dal's default (10) and without the ping before every
//! acquire (dal pings only connections idle for 2 s or more); R0 and P1 compare the pools
//! themselves.

use std::str::FromStr;

use dal::Entity;
use dal::query::Dialect;
use dal::types::{DateTime, Utc, Uuid};
use sqlx::QueryBuilder;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::pool::{PoolConnection, PoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

use crate::{HistoryUser, Post, User};

/// What a by-hand operation fails with.
pub type HandError = Box<dyn std::error::Error + Send + Sync>;

/// The result of a by-hand operation.
pub type HandResult<T> = Result<T, HandError>;

/// The columns of `User` and `HistoryUser`, the id first.
const COLUMNS: [&str; 8] =
    ["id", "name", "email", "age", "version", "created_at", "updated_at", "deleted_at"];

/// The history table's columns after the entity's own.
const HISTORY_EXTRA: [&str; 4] = ["operation", "changed_at", "changed_by", "comment"];

/// Connections in the by-hand pool: dal's default `max_connections`.
const POOL_SIZE: u32 = 10;

/// Now, at the microsecond precision every backend stores (as dal's timestamps).
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// A sqlx pool of one of the three backends.
#[derive(Debug, Clone)]
pub enum HandPool {
    /// PostgreSQL.
    Postgres(PgPool),
    /// MariaDB.
    MySql(MySqlPool),
    /// SQLite.
    Sqlite(SqlitePool),
}

/// One connection taken from a [`HandPool`] and held (R1 without a pool on either side).
#[derive(Debug)]
pub enum HandConn {
    /// PostgreSQL.
    Postgres(PoolConnection<sqlx::Postgres>),
    /// MariaDB.
    MySql(PoolConnection<sqlx::MySql>),
    /// SQLite.
    Sqlite(PoolConnection<sqlx::Sqlite>),
}

impl HandConn {
    /// R1 on this connection: the live user with `id`.
    pub async fn get(&mut self, id: Uuid) -> HandResult<Option<User>> {
        let sql = |d| User::statements(d).select_live_by_id;
        Ok(match self {
            HandConn::Postgres(c) => {
                let q = sqlx::query_as::<_, User>(sql(Dialect::Postgres));
                q.bind(pg::id(id)).fetch_optional(&mut **c).await?
            }
            HandConn::MySql(c) => {
                let q = sqlx::query_as::<_, User>(sql(Dialect::MySql));
                q.bind(my::id(id)).fetch_optional(&mut **c).await?
            }
            HandConn::Sqlite(c) => {
                let q = sqlx::query_as::<_, User>(sql(Dialect::Sqlite));
                q.bind(lite::id(id)).fetch_optional(&mut **c).await?
            }
        })
    }
}

/// How each backend's values are bound and its transactions begun.
mod pg {
    use dal::types::{DateTime, Utc, Uuid};

    pub(super) fn id(id: Uuid) -> Uuid {
        id
    }
    pub(super) fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }
    pub(super) const BEGIN: &str = "BEGIN";
}

mod my {
    use dal::types::{DateTime, NaiveDateTime, Utc, Uuid};

    /// `CHAR(36)`.
    pub(super) fn id(id: Uuid) -> uuid::fmt::Hyphenated {
        id.hyphenated()
    }
    /// `DATETIME(6)` in UTC.
    pub(super) fn ts(t: DateTime<Utc>) -> NaiveDateTime {
        t.naive_utc()
    }
    pub(super) const BEGIN: &str = "BEGIN";
}

mod lite {
    use dal::types::{DateTime, Utc, Uuid};

    /// `TEXT`.
    pub(super) fn id(id: Uuid) -> uuid::fmt::Hyphenated {
        id.hyphenated()
    }
    pub(super) fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }
    /// Takes the write lock at once, as dal does.
    pub(super) const BEGIN: &str = "BEGIN IMMEDIATE";
}

/// Runs `$body` with `$pool` bound to the concrete sqlx pool and `$b` to its backend module.
macro_rules! each {
    ($self:expr, $pool:ident, $b:ident => $body:expr) => {
        match $self {
            HandPool::Postgres($pool) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::pg as $b;
                $body
            }
            HandPool::MySql($pool) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::my as $b;
                $body
            }
            HandPool::Sqlite($pool) => {
                #[allow(unused_imports, reason = "not every body names the backend module")]
                use self::lite as $b;
                $body
            }
        }
    };
}

/// Binds every column of `$e`, the id first (the parameters of `insert`).
macro_rules! bind_all {
    ($q:expr, $b:ident, $e:expr) => {
        $q.bind($b::id($e.id))
            .bind(&$e.name)
            .bind(&$e.email)
            .bind($e.age)
            .bind($e.version)
            .bind($b::ts($e.created_at))
            .bind($b::ts($e.updated_at))
            .bind($e.deleted_at.map($b::ts))
    };
}

/// Binds every column but the id, then the id and the old version (the parameters of
/// `update`).
macro_rules! bind_update {
    ($q:expr, $b:ident, $e:expr, $old_version:expr) => {
        $q.bind(&$e.name)
            .bind(&$e.email)
            .bind($e.age)
            .bind($e.version)
            .bind($b::ts($e.created_at))
            .bind($b::ts($e.updated_at))
            .bind($e.deleted_at.map($b::ts))
            .bind($b::id($e.id))
            .bind($old_version)
    };
}

/// Binds a history row of `$e`: every column, then operation, changed_at, changed_by, comment.
macro_rules! bind_history {
    ($q:expr, $b:ident, $e:expr, $op:expr, $at:expr) => {
        bind_all!($q, $b, $e).bind($op).bind($b::ts($at)).bind(None::<&str>).bind(None::<&str>)
    };
}

/// Pushes one history row of `$e` as a tuple of a multi-row insert.
macro_rules! push_history {
    ($t:expr, $b:ident, $e:expr, $at:expr) => {{
        let e = $e;
        $t.push_bind($b::id(e.id))
            .push_bind(e.name.as_str())
            .push_bind(e.email.as_str())
            .push_bind(e.age)
            .push_bind(e.version)
            .push_bind($b::ts(e.created_at))
            .push_bind($b::ts(e.updated_at))
            .push_bind(e.deleted_at.map($b::ts))
            .push_bind("insert")
            .push_bind($b::ts($at))
            .push_bind(None::<&str>)
            .push_bind(None::<&str>);
    }};
}

/// Pushes one row of `$e` as a tuple of a multi-row insert.
macro_rules! push_row {
    ($t:expr, $b:ident, $e:expr) => {{
        let e = $e;
        $t.push_bind($b::id(e.id))
            .push_bind(e.name.as_str())
            .push_bind(e.email.as_str())
            .push_bind(e.age)
            .push_bind(e.version)
            .push_bind($b::ts(e.created_at))
            .push_bind($b::ts(e.updated_at))
            .push_bind(e.deleted_at.map($b::ts));
    }};
}

/// A version conflict, as dal reports it (by hand: a plain error).
fn conflict(id: Uuid, mine: i64, theirs: Option<i64>) -> HandError {
    format!("{id} changed: this save was based on version {mine}, the database holds {theirs:?}")
        .into()
}

/// `"name"` or `` `name` ``.
fn quoted(d: Dialect, name: &str) -> String {
    let q = if d == Dialect::MySql { '`' } else { '"' };
    format!("{q}{name}{q}")
}

/// The R2 query as dal's `find()` renders it for
/// `.filter(User::AGE.ge(min)).order_by(User::ID.asc()).limit(limit)`, made once.
pub fn find_sql(d: Dialect, limit: u64) -> &'static str {
    let q = |name| quoted(d, name);
    let columns: Vec<String> = COLUMNS.iter().map(|c| q(c)).collect();
    let placeholder = if d == Dialect::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT {} FROM {} WHERE ({} >= {placeholder}) AND {} IS NULL ORDER BY {} ASC LIMIT {limit}",
        columns.join(", "),
        q("bench_users"),
        q("age"),
        q("deleted_at"),
        q("id"),
    );
    Box::leak(sql.into_boxed_str())
}

/// `INSERT INTO table (columns…) ` ahead of a `QueryBuilder`'s `VALUES (…), (…)`.
fn insert_head(d: Dialect, table: &str, columns: &[&str]) -> String {
    let columns: Vec<String> = columns.iter().map(|c| quoted(d, c)).collect();
    format!("INSERT INTO {} ({}) ", quoted(d, table), columns.join(", "))
}

/// A new entity as dal stores it: a UUID v7, version 1, both timestamps `at`.
macro_rules! prepare_new {
    ($e:expr, $at:expr) => {{
        let at = $at;
        let mut e = $e.clone();
        if e.id.is_nil() {
            e.id = Uuid::now_v7();
        }
        e.version = 1;
        e.created_at = at;
        e.updated_at = at;
        e
    }};
}

/// sqlx's pool options for the baseline: dal's default size, no ping before every acquire.
fn pool_options<DB: sqlx::Database>() -> PoolOptions<DB> {
    PoolOptions::new().max_connections(POOL_SIZE).test_before_acquire(false)
}

impl HandPool {
    /// Opens sqlx's pool on `url` (for SQLite a file path), with the connect options dal uses.
    pub async fn connect(dialect: Dialect, url: &str) -> HandResult<Self> {
        Ok(match dialect {
            Dialect::Postgres => {
                let options = PgConnectOptions::from_str(url)?;
                HandPool::Postgres(pool_options().connect_with(options).await?)
            }
            Dialect::MySql => {
                let options = MySqlConnectOptions::from_str(url)?
                    .charset("utf8mb4")
                    .timezone(Some("+00:00".to_owned()));
                HandPool::MySql(pool_options().connect_with(options).await?)
            }
            Dialect::Sqlite => {
                let options = SqliteConnectOptions::new()
                    .filename(url)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true);
                HandPool::Sqlite(pool_options().connect_with(options).await?)
            }
        })
    }

    /// The dialect of this pool's backend.
    pub fn dialect(&self) -> Dialect {
        match self {
            HandPool::Postgres(_) => Dialect::Postgres,
            HandPool::MySql(_) => Dialect::MySql,
            HandPool::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// A connection of this pool, to hold.
    pub async fn acquire(&self) -> HandResult<HandConn> {
        Ok(match self {
            HandPool::Postgres(pool) => HandConn::Postgres(pool.acquire().await?),
            HandPool::MySql(pool) => HandConn::MySql(pool.acquire().await?),
            HandPool::Sqlite(pool) => HandConn::Sqlite(pool.acquire().await?),
        })
    }

    /// R1: the live user with `id`.
    pub async fn get(&self, id: Uuid) -> HandResult<Option<User>> {
        let sql = User::statements(self.dialect()).select_live_by_id;
        Ok(each!(self, pool, b => {
            sqlx::query_as::<_, User>(sql).bind(b::id(id)).fetch_optional(pool).await?
        }))
    }

    /// R2: the users of `sql` (from [`find_sql`]) with an age of at least `min_age`.
    pub async fn find(&self, sql: &'static str, min_age: i32) -> HandResult<Vec<User>> {
        Ok(each!(self, pool, _b => {
            sqlx::query_as::<_, User>(sql).bind(min_age).fetch_all(pool).await?
        }))
    }

    /// R3: the posts of `sql` (native [`crate::MEDIUM_SQL`]) for users whose name is like
    /// `pattern`.
    pub async fn medium(&self, sql: &'static str, pattern: &str) -> HandResult<Vec<Post>> {
        Ok(each!(self, pool, _b => {
            sqlx::query_as::<_, Post>(sql).bind(pattern).fetch_all(pool).await?
        }))
    }

    /// W1 without history: inserts a new user (one statement, no transaction).
    pub async fn insert(&self, user: &User) -> HandResult<User> {
        let e = prepare_new!(user, now());
        let sql = User::statements(self.dialect()).insert;
        each!(self, pool, b => {
            bind_all!(sqlx::query(sql), b, e).execute(pool).await?;
        });
        Ok(e)
    }

    /// W1 with history: inserts a new user and its history row in one transaction.
    pub async fn insert_with_history(&self, user: &HistoryUser) -> HandResult<HistoryUser> {
        let at = now();
        let e = prepare_new!(user, at);
        let st = HistoryUser::statements(self.dialect());
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            bind_all!(sqlx::query(st.insert), b, e).execute(&mut *tx).await?;
            bind_history!(sqlx::query(st.insert_history), b, e, "insert", at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(e)
    }

    /// W2: saves a changed user: in one transaction, reads the row and checks its version,
    /// updates it where the version is still the one read, writes the history row.
    pub async fn update_with_history(&self, changed: &HistoryUser) -> HandResult<HistoryUser> {
        let at = now();
        let st = HistoryUser::statements(self.dialect());
        let mut e = changed.clone();
        let old_version = e.version;
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            let current = sqlx::query_as::<_, HistoryUser>(st.select_by_id)
                .bind(b::id(e.id))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or("the row to update is gone")?;
            if current.version != old_version {
                return Err(conflict(e.id, old_version, Some(current.version)));
            }
            if (&current.name, &current.email, current.age, current.deleted_at)
                == (&e.name, &e.email, e.age, e.deleted_at)
            {
                tx.commit().await?;
                return Ok(current);
            }
            e.version = old_version + 1;
            e.updated_at = at;
            let done = bind_update!(sqlx::query(st.update), b, e, old_version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(conflict(e.id, old_version, None));
            }
            bind_history!(sqlx::query(st.insert_history), b, e, "update", at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(e)
    }

    /// W3 without history: inserts new users in multi-row statements (as many rows per
    /// statement as the parameter limit allows), in one transaction, as dal's `save_all`.
    pub async fn save_all(&self, users: &[User]) -> HandResult<Vec<User>> {
        let d = self.dialect();
        let at = now();
        let rows: Vec<User> = users.iter().map(|u| prepare_new!(u, at)).collect();
        let head = insert_head(d, User::TABLE, &COLUMNS);
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            for chunk in rows.chunks(d.max_params() / COLUMNS.len()) {
                let mut q = QueryBuilder::new(head.as_str());
                q.push_values(chunk, |mut t, e| push_row!(t, b, e));
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows)
    }

    /// W3: inserts new users and their history rows in multi-row statements (as many rows per
    /// statement as the parameter limit allows), in one transaction.
    pub async fn save_all_with_history(
        &self,
        users: &[HistoryUser],
    ) -> HandResult<Vec<HistoryUser>> {
        let d = self.dialect();
        let at = now();
        let rows: Vec<HistoryUser> = users.iter().map(|u| prepare_new!(u, at)).collect();
        let mut history_columns = COLUMNS.to_vec();
        history_columns.extend(HISTORY_EXTRA);
        let (head, history_head) = (
            insert_head(d, HistoryUser::TABLE, &COLUMNS),
            insert_head(d, "bench_users_h_history", &history_columns),
        );
        let per_statement = d.max_params() / history_columns.len();
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            for chunk in rows.chunks(d.max_params() / COLUMNS.len()) {
                let mut q = QueryBuilder::new(head.as_str());
                q.push_values(chunk, |mut t, e| push_row!(t, b, e));
                q.build().execute(&mut *tx).await?;
            }
            for chunk in rows.chunks(per_statement) {
                let mut q = QueryBuilder::new(history_head.as_str());
                q.push_values(chunk, |mut t, e| push_history!(t, b, e, at));
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows)
    }

    /// W4 without history: sets the age of the live user `id`, in one transaction: read,
    /// update where the version is still the one read.
    pub async fn patch_age(&self, id: Uuid, age: i32) -> HandResult<Option<User>> {
        let st = User::statements(self.dialect());
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            let Some(mut e) = sqlx::query_as::<_, User>(st.select_live_by_id)
                .bind(b::id(id))
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(None);
            };
            if e.age == Some(age) {
                tx.commit().await?;
                return Ok(Some(e));
            }
            e.age = Some(age);
            let old_version = e.version;
            e.version += 1;
            e.updated_at = now();
            let done = bind_update!(sqlx::query(st.update), b, e, old_version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(conflict(id, old_version, None));
            }
            tx.commit().await?;
            Ok(Some(e))
        })
    }

    /// W4 with history: as [`HandPool::patch_age`], plus the history row.
    pub async fn patch_age_with_history(
        &self,
        id: Uuid,
        age: i32,
    ) -> HandResult<Option<HistoryUser>> {
        let st = HistoryUser::statements(self.dialect());
        each!(self, pool, b => {
            let mut tx = pool.begin_with(b::BEGIN).await?;
            let Some(mut e) = sqlx::query_as::<_, HistoryUser>(st.select_live_by_id)
                .bind(b::id(id))
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(None);
            };
            if e.age == Some(age) {
                tx.commit().await?;
                return Ok(Some(e));
            }
            let at = now();
            e.age = Some(age);
            let old_version = e.version;
            e.version += 1;
            e.updated_at = at;
            let done = bind_update!(sqlx::query(st.update), b, e, old_version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(conflict(id, old_version, None));
            }
            bind_history!(sqlx::query(st.insert_history), b, e, "update", at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(e))
        })
    }

    /// Whether another PostgreSQL session's last statement was exactly `sql` (a check that
    /// the by-hand text is dal's: run dal's statement, then ask). `None` off PostgreSQL.
    pub async fn pg_other_session_ran(&self, sql: &str) -> HandResult<Option<bool>> {
        let HandPool::Postgres(pool) = self else { return Ok(None) };
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()",
        )
        .bind(sql)
        .fetch_one(pool)
        .await?;
        Ok(Some(n > 0))
    }

    /// The server's version string.
    pub async fn server_version(&self) -> HandResult<String> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "SELECT sqlite_version()",
            _ => "SELECT version()",
        };
        Ok(each!(self, pool, _b => {
            sqlx::query_scalar::<_, String>(sql).fetch_one(pool).await?
        }))
    }

    /// Closes the pool.
    pub async fn close(&self) {
        each!(self, pool, _b => pool.close().await)
    }
}
