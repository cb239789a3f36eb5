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
