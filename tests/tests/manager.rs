//! The process-wide pool manager, in a test binary of its own: `health_check_all` borrows a
//! connection of every registered pool, which would disturb the exact pool counts other tests
//! assert if they shared the process.

use dal::{Backend, Database, PoolManager};
use tests::TestDb;

async fn health_check_all_covers_every_pool(backend: Backend) {
    let Some(db) = TestDb::open(backend, "health_check_all").await else { return };
    let second = Database::connect(db.fresh_config()).await.expect("second pool");
    let report = PoolManager::global().health_check_all().await;
    for hash in [db.pool().hash(), second.pool().hash()] {
        let entry =
            report.iter().find(|h| h.hash == hash).expect("every registered pool is checked");
        assert!(entry.is_healthy(), "{entry:?}");
        assert!(entry.latency.is_some(), "{entry:?}");
        assert_eq!(entry.backend, backend);
    }
    tests::until_all_idle(&second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_health_check_all_covers_every_pool() {
    health_check_all_covers_every_pool(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_health_check_all_covers_every_pool() {
    health_check_all_covers_every_pool(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_health_check_all_covers_every_pool() {
    health_check_all_covers_every_pool(Backend::Sqlite).await;
}
