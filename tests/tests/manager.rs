//! The process-wide pool manager, in a test binary of its own: `health_check_all` borrows a
//! connection of every registered pool, which would disturb the exact pool counts other tests
//! assert if they shared the process (and would open connections on their runtimes).

use dal::pool::PoolManager;
use dal::{Backend, Database};
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
    shutdown_finishes_short_work_and_rolls_back_the_rest().await;
}

/// A transaction of `n` into `t`, sleeping `pause` on the server before it commits.
async fn write_then_pause(db: Database, n: i64, pause: &str) -> dal::Result<()> {
    let tx = db.begin().await?;
    tx.query("INSERT INTO t (n) VALUES (?)").bind(n).execute().await?;
    tx.query(pause).fetch_all().await?;
    tx.commit().await
}

/// `close_all_when`: on the signal every pool closes at once; a transaction that finishes
/// within the timeout commits, one that does not is stopped on the server and rolls back, and
/// handles refuse work afterwards.
async fn shutdown_finishes_short_work_and_rolls_back_the_rest() {
    let mut checks = Vec::new();
    let mut running = Vec::new();
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        let Some(db) = TestDb::open(backend, "close_all").await else { continue };
        db.query("CREATE TABLE t (n INTEGER)").execute().await.expect("create");
        let (short, long) = match backend {
            Backend::Postgres => ("SELECT pg_sleep(0.3)", "SELECT pg_sleep(30)"),
            Backend::MySql => ("SELECT SLEEP(0.3)", "SELECT SLEEP(30)"),
            // SQLite has one writer: only the short transaction runs there.
            Backend::Sqlite => ("SELECT 1", ""),
        };
        running.push((backend, 1, tokio::spawn(write_then_pause(db.db().clone(), 1, short))));
        if !long.is_empty() {
            let worker = Database::connect(db.fresh_config()).await.expect("second pool");
            running.push((backend, 2, tokio::spawn(write_then_pause(worker, 2, long))));
        }
        // A private pool, outside the registry, survives the shutdown to check the outcome.
        checks.push((
            Database::from_pool(dal::pool::Pool::new(db.config().clone()).expect("pool")),
            db,
        ));
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (stop, signal) = tokio::sync::oneshot::channel::<()>();
    let shutdown = tokio::spawn(async move {
        let signal = async {
            let _ = signal.await;
        };
        PoolManager::global().close_all_when(signal, std::time::Duration::from_secs(2)).await
    });
    stop.send(()).expect("the shutdown task waits");
    assert!(!shutdown.await.expect("shutdown"), "the long transactions cannot finish in time");
    assert!(PoolManager::global().list().is_empty(), "every pool was unregistered");
    for (backend, n, task) in running {
        let outcome = task.await.expect("no panic");
        assert_eq!(outcome.is_ok(), n == 1, "{backend}: transaction {n} ended with {outcome:?}");
    }
    for (check, db) in checks {
        let stored: Vec<i64> = check
            .query("SELECT n FROM t")
            .fetch_all()
            .await
            .expect("read")
            .iter()
            .map(|row| row.get(0).expect("n"))
            .collect();
        assert_eq!(
            stored,
            vec![1],
            "{}: the short one committed, the long one rolled back",
            db.backend()
        );
        let e = db.query("SELECT 1").fetch_all().await.expect_err("closed");
        assert_eq!(e.kind(), dal::ErrorKind::Closed);
        check.pool().close(std::time::Duration::from_secs(1)).await;
    }
}
