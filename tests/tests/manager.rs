//! The process-wide pool manager, in a test binary of its own: `health_check_all` borrows a
//! connection of every registered pool, which would disturb the exact pool counts other tests
//! assert if they shared the process (and would open connections on their runtimes).

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

/// One test, one runtime: pools hold connections bound to the runtime that opened them, and
/// `health_check_all` reaches every pool in the process, so the backends share this runtime
/// instead of each having a test (and a runtime) of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_all_covers_every_pool_on_every_backend() {
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        health_check_all_covers_every_pool(backend).await;
    }
    // Shutdown: every pool closes and leaves the registry; handles then refuse work.
    let Some(db) = TestDb::open(Backend::Sqlite, "close_all").await else { return };
    assert!(PoolManager::global().close_all(std::time::Duration::from_secs(5)).await);
    assert!(PoolManager::global().list().is_empty(), "every pool was unregistered");
    let e = db.query("SELECT 1").fetch_all().await.expect_err("closed");
    assert_eq!(e.kind(), dal::ErrorKind::Closed);
}
