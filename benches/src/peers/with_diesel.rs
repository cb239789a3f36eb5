//! Diesel 2.3 through diesel-async 0.9: `bench_users` (R1, R2, W1, W3) and the D1 tables of
//! `diesel_bench`, as a Diesel user writes them (`table!`, derived `Queryable`/`Selectable`/
//! `Insertable`, the query DSL, `belonging_to` + `grouped_by`). PostgreSQL and MariaDB use
//! diesel-async's native connections; SQLite uses its `SyncConnectionWrapper` around Diesel's
//! own `SqliteConnection`, which runs each query on Tokio's blocking pool. Every backend has a
//! deadpool pool of dal's default size (10) that recycles connections without a test query
//! (`RecyclingMethod::Fast`), like the by-hand sqlx pool.
//!
//! The id of `bench_users` is a `Uuid` on PostgreSQL and the hyphenated `String` elsewhere
//! (Diesel's `Uuid` type is PostgreSQL's); its timestamps are `DateTime<Utc>` except on
//! MariaDB, whose `DATETIME` Diesel reads as `NaiveDateTime` (in UTC, as dal writes it).
#![allow(missing_docs, reason = "Diesel's table! generates undocumented modules and structs")]

use dal::query::Dialect;
use dal::types::{DateTime, NaiveDateTime, Utc, Uuid};
use diesel::prelude::{
    Associations, BelongingToDsl, ExpressionMethods, GroupedBy, Identifiable, Insertable,
    OptionalExtension, QueryDsl, QueryResult, Queryable, Selectable, SelectableHelper,
};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};

use super::PeerResult;

/// Diesel's SQLite connection made async.
pub type LiteConnection = SyncConnectionWrapper<diesel::sqlite::SqliteConnection>;

/// A deadpool pool of `$c` on `$url`, of dal's default size, recycling without a test query.
macro_rules! pool_of {
    ($c:ty, $url:expr) => {{
        let mut config = ManagerConfig::<$c>::default();
        config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::<$c>::new_with_config($url, config);
        Pool::builder(manager).max_size(10).build()?
    }};
}

/// The id as PostgreSQL's `UUID`.
fn native_id(id: Uuid) -> Uuid {
    id
}

/// The id as hyphenated text (`CHAR(36)`, `TEXT`).
fn text_id(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// A timestamp as stored with a time zone.
fn zoned(t: DateTime<Utc>) -> DateTime<Utc> {
    t
}

/// A timestamp as MariaDB's `DATETIME` (UTC).
fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// A batch insert of `$rows` (owned) into `$table`: through diesel-async's query DSL (`async`),
/// or (`blocking`, SQLite) on the wrapped sync connection, since diesel-async has no batch
/// insert for SQLite (sync Diesel writes it as one multi-row statement when no value is
/// `DEFAULT`).
macro_rules! batch_execute {
    (async, $conn:expr, $table:expr, $rows:expr) => {
        diesel::insert_into($table).values(&$rows).execute($conn).await
    };
    (blocking, $conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        $conn
            .spawn_blocking(move |c| {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values(&rows), c)
            })
            .await
    }};
}

/// `bench_users` on one backend: the table, the row struct and the four workloads.
macro_rules! users_on {
    ($module:ident, $kind:ident, $conn:ty, $id_sql:ident, $id:ty, $id_of:path, $ts_sql:ident, $ts:ty, $ts_of:path) => {
        /// `bench_users` with this backend's column types.
        pub mod $module {
            use super::*;

            diesel::table! {
                bench_users (id) {
                    id -> $id_sql,
                    name -> Text,
                    email -> Text,
                    age -> Nullable<Integer>,
                    version -> BigInt,
                    created_at -> $ts_sql,
                    updated_at -> $ts_sql,
                    deleted_at -> Nullable<$ts_sql>,
                }
            }

            /// One row of `bench_users`.
            #[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
            #[diesel(table_name = bench_users, treat_none_as_default_value = false)]
            pub struct User {
                /// Id.
                pub id: $id,
                /// Name.
                pub name: String,
                /// Email.
                pub email: String,
                /// Age, optional.
                pub age: Option<i32>,
                /// Version.
                pub version: i64,
                /// Created at.
                pub created_at: $ts,
                /// Updated at.
                pub updated_at: $ts,
                /// Deleted at.
                pub deleted_at: Option<$ts>,
            }

            /// The `i`-th new user: a fresh UUID v7, version 1, both timestamps `now`.
            pub fn new_user(i: u32, now: DateTime<Utc>) -> User {
                User {
                    id: $id_of(Uuid::now_v7()),
                    name: format!("user {i}"),
                    email: format!("user{i}@example.com"),
                    age: Some((i % 90) as i32),
                    version: 1,
                    created_at: $ts_of(now),
                    updated_at: $ts_of(now),
                    deleted_at: None,
                }
            }

            /// R1: the live user with `id`.
            pub async fn get(conn: &mut $conn, id: Uuid) -> QueryResult<Option<User>> {
                bench_users::table
                    .find($id_of(id))
                    .filter(bench_users::deleted_at.is_null())
                    .select(User::as_select())
                    .first(conn)
                    .await
                    .optional()
            }

            /// R2: live users with an age of at least `min_age`, by id, at most `limit`.
            pub async fn find(
                conn: &mut $conn,
                min_age: i32,
                limit: u64,
            ) -> QueryResult<Vec<User>> {
                bench_users::table
                    .filter(bench_users::age.ge(min_age))
                    .filter(bench_users::deleted_at.is_null())
                    .order(bench_users::id.asc())
                    .limit(limit as i64)
                    .select(User::as_select())
                    .load(conn)
                    .await
            }

            /// W1: inserts one new user.
            pub async fn insert(conn: &mut $conn, i: u32) -> QueryResult<usize> {
                diesel::insert_into(bench_users::table)
                    .values(&new_user(i, Utc::now()))
                    .execute(conn)
                    .await
            }

            /// W3: inserts `n` new users in one batch insert.
            pub async fn insert_many(conn: &mut $conn, n: u32) -> QueryResult<usize> {
                let now = Utc::now();
                let rows: Vec<User> = (0..n).map(|i| new_user(i, now)).collect();
                batch_execute!($kind, conn, bench_users::table, rows)
            }
        }
    };
}

users_on!(
    pg_users,
    async,
    AsyncPgConnection,
    Uuid,
    Uuid,
    native_id,
    Timestamptz,
    DateTime<Utc>,
    zoned
);
users_on!(
    my_users,
    async,
    AsyncMysqlConnection,
    Text,
    String,
    text_id,
    Datetime,
    NaiveDateTime,
    naive
);
users_on!(
    lite_users,
    blocking,
    LiteConnection,
    Text,
    String,
    text_id,
    TimestamptzSqlite,
    DateTime<Utc>,
    zoned
);

/// The D1 tables of `diesel_bench` (the same SQL types on every backend).
pub mod d1_schema {
    diesel::table! {
        d1_users (id) {
            id -> BigInt,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }

    diesel::table! {
        d1_posts (id) {
            id -> BigInt,
            user_id -> BigInt,
            title -> Text,
            body -> Nullable<Text>,
        }
    }

    diesel::table! {
        d1_comments (id) {
            id -> BigInt,
            post_id -> BigInt,
            text -> Text,
        }
    }

    diesel::joinable!(d1_comments -> d1_posts (post_id));
    diesel::joinable!(d1_posts -> d1_users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(d1_users, d1_posts, d1_comments);
}

use d1_schema::{d1_comments, d1_posts, d1_users};

/// A `diesel_bench` user.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = d1_users)]
pub struct D1User {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Hair colour.
    pub hair_color: Option<String>,
}

/// A new `diesel_bench` user.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = d1_users, treat_none_as_default_value = false)]
pub struct NewD1User {
    /// Name.
    pub name: String,
    /// Hair colour.
    pub hair_color: Option<String>,
}

/// A `diesel_bench` post.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(D1User, foreign_key = user_id), table_name = d1_posts)]
pub struct D1Post {
    /// Id.
    pub id: i64,
    /// Author.
    pub user_id: i64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: Option<String>,
}

/// A `diesel_bench` comment.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(D1Post, foreign_key = post_id), table_name = d1_comments)]
pub struct D1Comment {
    /// Id.
    pub id: i64,
    /// Post.
    pub post_id: i64,
    /// Text.
    pub text: String,
}

/// Every user with its posts, each with its comments.
pub type D1Loaded = Vec<(D1User, Vec<(D1Post, Vec<D1Comment>)>)>;

/// The D1 workloads on one backend's connection type.
macro_rules! d1_on {
    ($module:ident, $kind:ident, $conn:ty) => {
        /// The D1 workloads on this backend.
        pub mod $module {
            use super::*;

            /// Trivial query: every user.
            pub async fn trivial(conn: &mut $conn) -> QueryResult<Vec<D1User>> {
                d1_users::table.select(D1User::as_select()).load(conn).await
            }

            /// Medium complex query: users with black hair, left join their posts.
            pub async fn medium(conn: &mut $conn) -> QueryResult<Vec<(D1User, Option<D1Post>)>> {
                d1_users::table
                    .left_outer_join(d1_posts::table)
                    .filter(d1_users::hair_color.eq("black"))
                    .select((D1User::as_select(), Option::<D1Post>::as_select()))
                    .load(conn)
                    .await
            }

            /// Insert N: one batch insert.
            pub async fn insert(conn: &mut $conn, users: &[NewD1User]) -> QueryResult<usize> {
                batch_execute!($kind, conn, d1_users::table, users.to_vec())
            }

            /// Loading associations: `belonging_to` twice, then `grouped_by`.
            pub async fn associations(conn: &mut $conn) -> QueryResult<D1Loaded> {
                let users = d1_users::table.select(D1User::as_select()).load(conn).await?;
                let posts =
                    D1Post::belonging_to(&users).select(D1Post::as_select()).load(conn).await?;
                let comments = D1Comment::belonging_to(&posts)
                    .select(D1Comment::as_select())
                    .load(conn)
                    .await?
                    .grouped_by(&posts);
                let posts_and_comments = posts.into_iter().zip(comments).grouped_by(&users);
                Ok(users.into_iter().zip(posts_and_comments).collect())
            }
        }
    };
}

d1_on!(pg_d1, async, AsyncPgConnection);
d1_on!(my_d1, async, AsyncMysqlConnection);
d1_on!(lite_d1, blocking, LiteConnection);

/// A Diesel pool on one backend.
pub enum DieselPool {
    /// PostgreSQL.
    Postgres(Pool<AsyncPgConnection>),
    /// MariaDB.
    MySql(Pool<AsyncMysqlConnection>),
    /// SQLite.
    Sqlite(Pool<LiteConnection>),
}

/// One connection taken from a [`DieselPool`] and held (D1, as `diesel_bench` runs).
#[allow(clippy::large_enum_variant, reason = "one per benchmark, held for a whole measurement")]
pub enum DieselConn {
    /// PostgreSQL.
    Postgres(Object<AsyncPgConnection>),
    /// MariaDB.
    MySql(Object<AsyncMysqlConnection>),
    /// SQLite.
    Sqlite(Object<LiteConnection>),
}

impl std::fmt::Debug for DieselPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            DieselPool::Postgres(_) => "postgres",
            DieselPool::MySql(_) => "mariadb",
            DieselPool::Sqlite(_) => "sqlite",
        };
        write!(f, "DieselPool({name})")
    }
}

/// Runs `$body` with `$c` bound to `&mut` a connection of `$pool`, and `$users` / `$d1` to
/// that backend's modules.
macro_rules! with_conn {
    ($pool:expr, $c:ident, $users:ident, $d1:ident => $body:expr) => {
        match $pool {
            DieselPool::Postgres(p) => {
                let mut conn = p.get().await?;
                let $c: &mut AsyncPgConnection = &mut conn;
                #[allow(unused_imports, reason = "not every body names both modules")]
                use self::{pg_d1 as $d1, pg_users as $users};
                $body
            }
            DieselPool::MySql(p) => {
                let mut conn = p.get().await?;
                let $c: &mut AsyncMysqlConnection = &mut conn;
                #[allow(unused_imports, reason = "not every body names both modules")]
                use self::{my_d1 as $d1, my_users as $users};
                $body
            }
            DieselPool::Sqlite(p) => {
                let mut conn = p.get().await?;
                let $c: &mut LiteConnection = &mut conn;
                #[allow(unused_imports, reason = "not every body names both modules")]
                use self::{lite_d1 as $d1, lite_users as $users};
                $body
            }
        }
    };
}

/// Runs `$body` with `$c` bound to `&mut` the held connection and `$d1` to the D1 module.
macro_rules! on_held {
    ($conn:expr, $c:ident, $d1:ident => $body:expr) => {
        match $conn {
            DieselConn::Postgres(o) => {
                let $c: &mut AsyncPgConnection = o;
                use self::pg_d1 as $d1;
                $body
            }
            DieselConn::MySql(o) => {
                let $c: &mut AsyncMysqlConnection = o;
                use self::my_d1 as $d1;
                $body
            }
            DieselConn::Sqlite(o) => {
                let $c: &mut LiteConnection = o;
                use self::lite_d1 as $d1;
                $body
            }
        }
    };
}

impl DieselPool {
    /// Opens the pool on `url` (for SQLite a file path) and checks that it connects.
    pub async fn connect(dialect: Dialect, url: &str) -> PeerResult<Self> {
        let pool = match dialect {
            Dialect::Postgres => DieselPool::Postgres(pool_of!(AsyncPgConnection, url)),
            Dialect::MySql => DieselPool::MySql(pool_of!(AsyncMysqlConnection, url)),
            Dialect::Sqlite => DieselPool::Sqlite(pool_of!(LiteConnection, url)),
        };
        drop(pool.acquire().await?);
        Ok(pool)
    }

    /// A connection of this pool, to hold.
    pub async fn acquire(&self) -> PeerResult<DieselConn> {
        Ok(match self {
            DieselPool::Postgres(p) => DieselConn::Postgres(p.get().await?),
            DieselPool::MySql(p) => DieselConn::MySql(p.get().await?),
            DieselPool::Sqlite(p) => DieselConn::Sqlite(p.get().await?),
        })
    }

    /// R1: whether the live user with `id` was found.
    pub async fn get(&self, id: Uuid) -> PeerResult<bool> {
        Ok(with_conn!(self, c, users, _d1 => users::get(c, id).await?.is_some()))
    }

    /// R2: how many live users with an age of at least `min_age` were read (at most `limit`).
    pub async fn find(&self, min_age: i32, limit: u64) -> PeerResult<usize> {
        Ok(with_conn!(self, c, users, _d1 => users::find(c, min_age, limit).await?.len()))
    }

    /// W1: inserts one new user.
    pub async fn insert(&self, i: u32) -> PeerResult<usize> {
        Ok(with_conn!(self, c, users, _d1 => users::insert(c, i).await?))
    }

    /// W3: inserts `n` new users in one batch.
    pub async fn insert_many(&self, n: u32) -> PeerResult<usize> {
        Ok(with_conn!(self, c, users, _d1 => users::insert_many(c, n).await?))
    }
}

impl DieselConn {
    /// D1 trivial query; returns the rows read.
    pub async fn trivial(&mut self) -> QueryResult<Vec<D1User>> {
        on_held!(self, c, d1 => d1::trivial(c).await)
    }

    /// D1 medium complex query.
    pub async fn medium(&mut self) -> QueryResult<Vec<(D1User, Option<D1Post>)>> {
        on_held!(self, c, d1 => d1::medium(c).await)
    }

    /// D1 insert N.
    pub async fn insert(&mut self, users: &[NewD1User]) -> QueryResult<usize> {
        on_held!(self, c, d1 => d1::insert(c, users).await)
    }

    /// D1 loading associations.
    pub async fn associations(&mut self) -> QueryResult<D1Loaded> {
        on_held!(self, c, d1 => d1::associations(c).await)
    }
}
