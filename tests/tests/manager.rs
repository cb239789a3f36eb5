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

/// A transaction of `n` into `t`: says when its row is written, then waits for `go` (the
/// short one) or runs a statement that outlasts any grace (the long one), then commits.
async fn write_then_wait(
    db: Database,
    n: i64,
    written: tokio::sync::mpsc::UnboundedSender<()>,
    then: Then,
) -> dal::Result<()> {
    let tx = db.begin().await?;
    tx.query("INSERT INTO t (n) VALUES (?)").bind(n).execute().await?;
    let _ = written.send(());
    match then {
        Then::CommitOn(go) => {
            let _ = go.await;
        }
        Then::Run(sql) => {
            tx.query(sql).fetch_all().await?;
        }
    }
    tx.commit().await
}

enum Then {
    CommitOn(tokio::sync::oneshot::Receiver<()>),
    Run(&'static str),
}

/// `close_all_when`: on the signal every pool closes at once; a transaction that finishes
/// within the timeout commits, one that does not is stopped on the server and rolls back, and
/// handles refuse work afterwards. Ordered by events: the signal goes once every row is
/// written, the short transactions finish once every pool is closing.
async fn shutdown_finishes_short_work_and_rolls_back_the_rest() {
    let mut checks = Vec::new();
    let mut running = Vec::new();
    let mut go = Vec::new();
    let (written, mut rows_written) = tokio::sync::mpsc::unbounded_channel();
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        let Some(db) = TestDb::open(backend, "close_all").await else { continue };
        db.query("CREATE TABLE t (n INTEGER)").execute().await.expect("create");
        let (release, wait) = tokio::sync::oneshot::channel();
        go.push(release);
        let short = write_then_wait(db.db().clone(), 1, written.clone(), Then::CommitOn(wait));
        running.push((backend, 1, tokio::spawn(short)));
        // SQLite has one writer: only the short transaction runs there.
        let long = match backend {
            Backend::Postgres => Some("SELECT pg_sleep(600)"),
            Backend::MySql => Some("SELECT SLEEP(600)"),
            Backend::Sqlite => None,
        };
        if let Some(long) = long {
            let worker = Database::connect(db.fresh_config()).await.expect("second pool");
            let long = write_then_wait(worker, 2, written.clone(), Then::Run(long));
            running.push((backend, 2, tokio::spawn(long)));
        }
        // A private pool, outside the registry, survives the shutdown to check the outcome.
        checks.push((
            Database::from_pool(dal::pool::Pool::new(db.config().clone()).expect("pool")),
            db,
        ));
    }
    for _ in 0..running.len() {
        let row = tokio::time::timeout(HANG, rows_written.recv()).await;
        row.expect("a transaction hung before its write").expect("a transaction failed early");
    }
    let (stop, signal) = tokio::sync::oneshot::channel::<()>();
    let shutdown = tokio::spawn(async move {
        let signal = async {
            let _ = signal.await;
        };
        PoolManager::global().close_all_when(signal, std::time::Duration::from_secs(5)).await
    });
    stop.send(()).expect("the shutdown task waits");
    tokio::time::timeout(HANG, async {
        while !checks.iter().all(|(_, db)| db.pool().is_closed()) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the pools never began to close");
    for release in go {
        let _ = release.send(());
    }
    let clean = tokio::time::timeout(HANG, shutdown).await.expect("shutdown hung");
    assert!(!clean.expect("shutdown"), "the long transactions cannot finish in time");
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

/// Past this, a step that must happen is a hang, and a failure.
const HANG: std::time::Duration = std::time::Duration::from_secs(60);
