//! Shared set-up of dal's benchmarks: the `User` entity of ../shared/BENCHMARKS.md, the
//! server URLs, and seeding.

use dal::Entity;
use dal::types::{DateTime, Utc, Uuid};

/// The 8-column `User` of the benchmark workloads.
#[derive(Entity, Debug, Clone, PartialEq, sqlx::FromRow)]
#[dal(table = "bench_users")]
pub struct User {
    /// Id.
    #[dal(id)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Age, optional.
    pub age: Option<i32>,
    /// Version.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Updated at.
    pub updated_at: DateTime<Utc>,
    /// Deleted at, optional.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl User {
    /// The `i`-th seeded user.
    pub fn seeded(i: u32) -> Self {
        let now = Utc::now();
        User {
            id: Uuid::nil(),
            name: format!("user {i}"),
            email: format!("user{i}@example.com"),
            age: Some((i % 90) as i32),
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

/// PostgreSQL URL for benchmarks (`DAL_TEST_PG_URL`, else the test machines' server).
pub fn pg_url() -> String {
    std::env::var("DAL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Creates `bench_users` afresh with `n` rows on `db`; returns their ids.
pub async fn seed(db: &dal::Database, n: u32) -> dal::Result<Vec<Uuid>> {
    db.query("DROP TABLE IF EXISTS bench_users").execute().await?;
    db.ensure_schema::<User>().await?;
    let users = db.repo::<User>();
    let mut ids = Vec::with_capacity(n as usize);
    for i in 0..n {
        ids.push(users.save(&User::seeded(i)).await?.id);
    }
    Ok(ids)
}
