//! Timeouts on the rusqlite driver, whose statements run on the calling thread without
//! yielding: the statement pipeline's watchdog sets the connection's interrupt flag at the
//! deadline, so the statement stops there and not when it would have ended.

use tests::{Target, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rusqlite_query_timeout_interrupts_the_statement() {
    let Some(db) = TestDb::open(Target::Rusqlite, "rusqlite_timeout").await else { return };
    crate::suite::sqlite_query_timeout_interrupts_the_statement(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rusqlite_pool_query_timeout_applies_to_every_statement() {
    let Some(db) = TestDb::open(Target::Rusqlite, "rusqlite_pool_timeout").await else { return };
    crate::suite::pool_query_timeout_applies_to_every_statement(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rusqlite_pools_report_the_rusqlite_driver() {
    let Some(db) = TestDb::open(Target::Rusqlite, "rusqlite_driver_name").await else { return };
    let pool = db.connect(db.fresh_config()).await.expect("a second pool");
    assert_eq!(pool.pool().driver_name(), "rusqlite", "the timeout tests above ran on it");
}

/// The blocking API runs SQLite statements on the calling thread; its runtime's own thread
/// stops one at the deadline.
#[test]
fn blocking_query_timeout_interrupts_the_statement_on_the_calling_thread() {
    let path = std::env::temp_dir().join(format!("{}.db", tests::unique_name("blocking_timeout")));
    let url = format!("sqlite://{}", path.display());
    let db = dal::blocking::Database::connect(url.as_str()).expect("connects");
    let endless =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c";
    let e = db
        .query(endless)
        .timeout(std::time::Duration::from_millis(300))
        .fetch_one()
        .expect_err("stopped at its deadline");
    assert_eq!(e.kind(), dal::ErrorKind::Timeout, "{e}");
    let one: i64 =
        db.query("SELECT 1").fetch_one().expect("the handle still works").get(0).expect("int");
    assert_eq!(one, 1);
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
