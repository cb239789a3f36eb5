//! Pools: guards go back on drop, equal configs share a pool, closed pools refuse work.

use std::time::Duration;

use dal::{Database, ErrorKind};
use tests::TestDb;

pub async fn connection_guard_returns_to_the_pool_on_drop(db: &TestDb) {
    let before = db.pool().status();
    let conn = db.connection().await.expect("acquire");
    let during = db.pool().status();
    assert_eq!(during.in_use, before.in_use + 1, "{during:?}");
    let one: i64 = conn.query("SELECT 1").fetch_one().await.expect("query").get(0).expect("int");
    assert_eq!(one, 1);
    drop(conn);
    let after = db.pool().status();
    assert_eq!(after.in_use, before.in_use, "{after:?}");
    assert!(after.idle >= 1, "{after:?}");
}

pub async fn equal_configs_share_one_pool(db: &TestDb) {
    let again = Database::connect(db.config().clone()).await.expect("connect");
    assert_eq!(again.pool().hash(), db.pool().hash());
    let conn = again.connection().await.expect("acquire through the second handle");
    assert_eq!(db.pool().status().in_use, 1, "the first handle sees the second's connection");
    drop(conn);
    let other = Database::connect_lazy(db.config().clone().alias("someone_else")).expect("config");
    assert_ne!(other.pool().hash(), db.pool().hash(), "another alias is another pool");
}

pub async fn closed_pool_refuses_new_work(db: &TestDb) {
    db.query("SELECT 1").fetch_all().await.expect("works while open");
    assert!(db.pool().close(Duration::from_secs(5)).await, "nothing was in use");
    let e = db.query("SELECT 1").fetch_all().await.expect_err("closed");
    assert_eq!(e.kind(), ErrorKind::Closed);
    assert!(e.to_string().contains("is closed"), "{e}");
    assert_eq!(db.pool().status().size, 0, "every connection was closed");
}
