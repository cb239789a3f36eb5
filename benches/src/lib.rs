//! Shared set-up of dal's benchmarks: the `User` entity of ../shared/BENCHMARKS.md (without and
//! with history), the servers, seeding, and the same work written by hand on sqlx ([`hand`]);
//! the tables of Diesel's own benchmark suite ([`d1`]); the peer ORMs ([`peers`], behind the
//! `peers` feature).

pub mod d1;
pub mod hand;
#[cfg(feature = "peers")]
pub mod peers;

use std::path::PathBuf;

use dal::query::Dialect;
use dal::types::{DateTime, Utc, Uuid};
use dal::{Database, Entity};
use sqlx::Row as _;

/// The 8-column `User` of the benchmark workloads: soft delete and optimistic locking, no
/// history.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "bench_users", soft_delete)]
pub struct User {
    /// Id (UUID v7, made on the first save).
    #[dal(id)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Age, optional.
    pub age: Option<i32>,
    /// Version (optimistic locking).
    #[dal(version)]
    pub version: i64,
    /// Created at.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// Updated at.
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
    /// Deleted at (soft delete).
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The same 8 columns as [`User`], keeping every version in `bench_users_h_history`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "bench_users_h", soft_delete, history)]
pub struct HistoryUser {
    /// Id (UUID v7, made on the first save).
    #[dal(id)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Age, optional.
    pub age: Option<i32>,
    /// Version (optimistic locking and history).
    #[dal(version)]
    pub version: i64,
    /// Created at.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// Updated at.
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
    /// Deleted at (soft delete).
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// `seeded` and sqlx's `FromRow` for each backend's row, as a sqlx user writes it: columns by
/// name; the id natively on PostgreSQL and as hyphenated text (`CHAR(36)`, `TEXT`) elsewhere.
macro_rules! user_impls {
    ($t:ident) => {
        impl $t {
            /// The `i`-th seeded user: new (nil id, version 0), so a save inserts it.
            pub fn seeded(i: u32) -> Self {
                let now = Utc::now();
                $t {
                    id: Uuid::nil(),
                    name: format!("user {i}"),
                    email: format!("user{i}@example.com"),
                    age: Some((i % 90) as i32),
                    version: 0,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                }
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $t {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
                Ok($t {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    age: row.try_get("age")?,
                    version: row.try_get("version")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                    deleted_at: row.try_get("deleted_at")?,
                })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::mysql::MySqlRow> for $t {
            fn from_row(row: &'r sqlx::mysql::MySqlRow) -> sqlx::Result<Self> {
                Ok($t {
                    id: row.try_get::<uuid::fmt::Hyphenated, _>("id")?.into_uuid(),
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    age: row.try_get("age")?,
                    version: row.try_get("version")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                    deleted_at: row.try_get("deleted_at")?,
                })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $t {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
                Ok($t {
                    id: row.try_get::<uuid::fmt::Hyphenated, _>("id")?.into_uuid(),
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    age: row.try_get("age")?,
                    version: row.try_get("version")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                    deleted_at: row.try_get("deleted_at")?,
                })
            }
        }
    };
}

user_impls!(User);
user_impls!(HistoryUser);

/// The `Post` of ../shared/BENCHMARKS.md: database-assigned id, its user, a title, a body of
/// about 1 KB and a flag. R3 reads them joined with their users.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "bench_posts")]
pub struct Post {
    /// Id (assigned by the database).
    #[dal(id)]
    pub id: i64,
    /// The author (a `bench_users` id).
    pub user_id: Uuid,
    /// Title.
    pub title: String,
    /// Body, about 1 KB.
    pub body: String,
    /// Published or draft.
    pub published: bool,
}

/// `sqlx::FromRow` for each backend's row, as for [`User`]: the user id natively on
/// PostgreSQL and as hyphenated text elsewhere.
macro_rules! post_from_row {
    ($row:ty, $uuid:expr) => {
        impl<'r> sqlx::FromRow<'r, $row> for Post {
            fn from_row(row: &'r $row) -> sqlx::Result<Self> {
                Ok(Post {
                    id: row.try_get("id")?,
                    user_id: $uuid(row)?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    published: row.try_get("published")?,
                })
            }
        }
    };
}
post_from_row!(sqlx::postgres::PgRow, |r: &sqlx::postgres::PgRow| r.try_get("user_id"));
post_from_row!(sqlx::mysql::MySqlRow, |r: &sqlx::mysql::MySqlRow| {
    r.try_get::<uuid::fmt::Hyphenated, _>("user_id").map(|h| h.into_uuid())
});
post_from_row!(sqlx::sqlite::SqliteRow, |r: &sqlx::sqlite::SqliteRow| {
    r.try_get::<uuid::fmt::Hyphenated, _>("user_id").map(|h| h.into_uuid())
});

/// R3's query: the posts of users whose name matches a pattern, by post id, 100 of them; the
/// columns in `Post`'s order (what `sql_as!` maps by position).
pub const MEDIUM_SQL: &str = "SELECT p.id, p.user_id, p.title, p.body, p.published \
    FROM bench_posts p JOIN bench_users u ON u.id = p.user_id \
    WHERE u.name LIKE ? AND u.deleted_at IS NULL ORDER BY p.id LIMIT 100";

/// R3's pattern: `user 1`, `user 10`-`user 19`, `user 100`-`user 199`, … (1,111 of the first
/// 10,000 users).
pub const MEDIUM_PATTERN: &str = "user 1%";

/// Creates `bench_posts` afresh with two posts (bodies of about 1 KB, every other one
/// published) for each of `users`.
pub async fn seed_posts(db: &Database, users: &[Uuid]) -> dal::Result<()> {
    db.query("DROP TABLE IF EXISTS bench_posts").execute().await?;
    db.ensure_schema::<Post>().await?;
    let body = "lorem ipsum dolor sit amet ".repeat(38);
    let posts: Vec<Post> = users
        .iter()
        .flat_map(|&user_id| [0, 1].map(|n| (user_id, n)))
        .enumerate()
        .map(|(i, (user_id, n))| Post {
            id: 0,
            user_id,
            title: format!("post {n} of {user_id}"),
            body: body.clone(),
            published: i % 2 == 0,
        })
        .collect();
    for chunk in posts.chunks(1000) {
        db.repo::<Post>().save_all(chunk).await?;
    }
    analyze(db, &["bench_posts"]).await
}

/// Rows `seed` puts in `bench_users` for the R2 workloads: enough for N = 10,000 after the
/// filter (ages are `i % 90`, and [`MIN_AGE`] keeps 8 in 9).
pub const R2_SEEDED: u32 = 12_000;

/// R2's filter: `age >= MIN_AGE`.
pub const MIN_AGE: i32 = 10;

/// The timings of a benchmark binary whose operations take micro- to milliseconds: short
/// warm-up and measurement, so the whole suite runs in minutes on a small machine.
pub fn short_runs() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .sample_size(20)
}

/// `url` with `key=value` added to its query.
pub fn with_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}

/// Runs `connect(dialect, dal_url, server_url)` for each backend (a fresh SQLite file, the
/// PostgreSQL and MariaDB servers; dal's URL names its pool `<alias>_<backend>`) and keeps what
/// connects; a backend that does not is printed as a `SKIPPED|` line (which `run.sh` reports)
/// and left out.
pub fn reachable<T, F, Fut>(rt: &tokio::runtime::Runtime, alias: &str, connect: F) -> Vec<T>
where
    F: Fn(Dialect, String, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let sqlite = fresh_sqlite_file().display().to_string();
    let candidates = [
        (Dialect::Sqlite, format!("sqlite://{sqlite}"), sqlite),
        (Dialect::Postgres, pg_url(), pg_url()),
        (Dialect::MySql, mysql_url(), mysql_url()),
    ];
    let mut found = Vec::new();
    for (dialect, dal_url, server_url) in candidates {
        let name = backend_name(dialect);
        let dal_url = with_param(&dal_url, "alias", &format!("{alias}_{name}"));
        match rt.block_on(connect(dialect, dal_url, server_url.clone())) {
            Ok(t) => found.push(t),
            Err(e) => println!("SKIPPED|{name}|{server_url}: {e}"),
        }
    }
    found
}

/// PostgreSQL URL for benchmarks (`DAL_TEST_PG_URL`, else the test machines' server).
pub fn pg_url() -> String {
    std::env::var("DAL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// MariaDB URL for benchmarks (`DAL_TEST_MYSQL_URL`, else the test machines' server).
pub fn mysql_url() -> String {
    std::env::var("DAL_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

/// The SQLite database file of the benchmarks (in a temporary directory, so that dal's pool and
/// sqlx's see the same database), removed first with its WAL files.
pub fn fresh_sqlite_file() -> PathBuf {
    let dir = std::env::temp_dir().join("dal-benches");
    std::fs::create_dir_all(&dir).expect("create the SQLite benchmark directory");
    let file = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    file
}

/// Creates `bench_users` and `bench_users_h` (with its history table) afresh, and puts `n`
/// users in `bench_users`; returns their ids, oldest first.
pub async fn seed(db: &Database, n: u32) -> dal::Result<Vec<Uuid>> {
    for table in ["bench_users", "bench_users_h", "bench_users_h_history"] {
        db.query(&format!("DROP TABLE IF EXISTS {table}")).execute().await?;
    }
    db.ensure_schema::<User>().await?;
    db.ensure_schema::<HistoryUser>().await?;
    let users = db.repo::<User>();
    let mut ids = Vec::with_capacity(n as usize);
    let all: Vec<u32> = (0..n).collect();
    for chunk in all.chunks(1000) {
        let batch: Vec<User> = chunk.iter().map(|&i| User::seeded(i)).collect();
        ids.extend(users.save_all(&batch).await?.into_iter().map(|u| u.id));
    }
    analyze(db, &["bench_users"]).await?;
    Ok(ids)
}

/// Refreshes the planner's statistics of `tables`, as a server that has run a while has them.
/// Right after seeding there are none until autovacuum comes by (a minute later), and
/// PostgreSQL then sorts the whole table for an `ORDER BY id LIMIT 100` that the primary key
/// answers in a tenth of the time: whichever system ran first would pay for it.
pub async fn analyze(db: &Database, tables: &[&str]) -> dal::Result<()> {
    for table in tables {
        let sql = match db.dialect() {
            Dialect::MySql => format!("ANALYZE TABLE {table}"),
            Dialect::Postgres | Dialect::Sqlite => format!("ANALYZE {table}"),
        };
        db.query(&sql).fetch_all().await?;
    }
    Ok(())
}

/// The name a backend goes by in benchmark names: `sqlite`, `postgres` or `mariadb`.
pub fn backend_name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "postgres",
        Dialect::MySql => "mariadb",
        Dialect::Sqlite => "sqlite",
    }
}
