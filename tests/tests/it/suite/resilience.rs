//! Resilience on a live backend: timeouts that stop the work (pool default, transaction
//! budget, SQLite interrupt), the soft limit, the pool's circuit breaker, load shedding,
//! priorities, and a pool that keeps its minimum.

use std::time::{Duration, Instant};

use dal::TransactionOptions;
use dal::pool::RateLimit;
use dal::pool::{PoolOptions, Priority};
use dal::resilience::{BreakerHealth, BreakerState};
use dal::{Backend, Database, ErrorKind};
use tests::TestDb;

/// A statement that keeps the backend busy for far longer than any test waits, marked with a
/// comment so that this test finds it (and no other test's) in the server's activity view.
pub fn endless(backend: Backend, marker: &str) -> String {
    let statement = match backend {
        Backend::Postgres => "SELECT pg_sleep(30)",
        Backend::MySql => "SELECT SLEEP(30)",
        // No sleep in SQLite: a recursive count that runs for minutes.
        _ => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000000) SELECT COUNT(*) FROM c"
        }
    };
    format!("{statement} /* {marker} */")
}

async fn connect(db: &TestDb, options: PoolOptions) -> Database {
    db.connect(db.fresh_config().pool_options(options)).await.expect("pool")
}

/// How many server sessions other than this one run the statement marked `marker`.
async fn running(db: &Database, marker: &str) -> i64 {
    let sql = match db.backend() {
        Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE ?"
        }
        Backend::MySql => {
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?"
        }
        Backend::Sqlite => unreachable!("SQLite has no activity view"),
    };
    db.query(sql)
        .bind(format!("%{marker}%"))
        .fetch_one()
        .await
        .expect("activity")
        .get(0)
        .expect("int")
}

/// Waits (at most 10 s) until the server (PostgreSQL or MariaDB) runs the statement marked
/// `marker`.
pub async fn until_running(db: &Database, marker: &str) {
    let started = Instant::now();
    while running(db, marker).await == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the statement never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits (at most 10 s) until the statement marked `marker` no longer runs on the server.
/// SQLite is checked by writing from another connection (`budget_marks` must exist), which
/// waits for no lock once the interrupted statement's transaction is gone.
pub async fn until_stopped(db: &Database, marker: &str) {
    if db.backend() == Backend::Sqlite {
        db.query("INSERT INTO budget_marks (n) VALUES (2)")
            .execute()
            .await
            .expect("the write lock was released: the statement stopped");
        return;
    }
    let started = Instant::now();
    while running(db, marker).await != 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the statement is still running");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn sqlite_query_timeout_interrupts_the_statement(db: &TestDb) {
    if db.backend() != Backend::Sqlite {
        return; // the server backends are covered by query_timeout_is_a_timeout_error_…
    }
    db.query("CREATE TABLE budget_marks (n INTEGER)").execute().await.expect("create");
    let tx = db.begin().await.expect("begin");
    // Holding the write lock: if the statement ran on, no other connection could write.
    tx.query("INSERT INTO budget_marks (n) VALUES (1)").execute().await.expect("insert");
    let started = Instant::now();
    let e = tx
        .query(&endless(Backend::Sqlite, "interrupted"))
        .timeout(Duration::from_millis(300))
        .fetch_one()
        .await
        .expect_err("interrupted");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    drop(tx);
    until_stopped(db, "interrupted").await;
    tests::announce(&format!(
        "sqlite: interrupted statement released its lock {:.0} ms after its deadline",
        (started.elapsed().as_secs_f64() - 0.3) * 1000.0
    ));
    assert_eq!(db.count_rows("budget_marks").await, 1, "the timed-out transaction rolled back");
}

pub async fn pool_query_timeout_applies_to_every_statement(db: &TestDb) {
    let pool =
        connect(db, PoolOptions::default().query_timeout(Some(Duration::from_millis(500)))).await;
    let marker = tests::unique_name("pool_default");
    let e = pool.query(&endless(db.backend(), &marker)).fetch_one().await.expect_err("default");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("within its timeout of 500ms"), "{e}");
    // A query's own timeout overrides the default, both ways.
    let one: i64 = pool
        .query("SELECT 1")
        .timeout(Duration::from_secs(5))
        .fetch_one()
        .await
        .expect("fast query")
        .get(0)
        .expect("int");
    assert_eq!(one, 1);
    if db.backend() != Backend::Sqlite {
        until_stopped(db, &marker).await;
    }
    assert_eq!(pool.pool().metrics().query_timeouts, 1);
}

pub async fn transaction_budget_stops_its_statements_on_the_server(db: &TestDb) {
    db.query("CREATE TABLE budget_marks (n INTEGER)").execute().await.expect("create");
    let pool = connect(db, PoolOptions::default()).await;
    let budget = TransactionOptions::new().budget(Duration::from_millis(600));
    let tx = pool.begin_with(budget).await.expect("begin");
    tx.query("INSERT INTO budget_marks (n) VALUES (1)").execute().await.expect("insert");
    // The query asks for a minute; the budget leaves it less than 600 ms.
    let marker = tests::unique_name("budget");
    let e = tx
        .query(&endless(db.backend(), &marker))
        .timeout(Duration::from_secs(60))
        .fetch_one()
        .await
        .expect_err("over budget");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    drop(tx);
    until_stopped(db, &marker).await;
    tests::until_all_idle(&pool).await;
    let kept = if db.backend() == Backend::Sqlite { 1 } else { 0 };
    assert_eq!(db.count_rows("budget_marks").await, kept, "the transaction rolled back");

    // A spent budget fails the next statement before it is sent.
    let tx = pool.begin_with(TransactionOptions::new().budget(Duration::from_millis(50))).await;
    let tx = tx.expect("begin");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let e = tx.query("SELECT 1").execute().await.expect_err("budget spent");
    assert!(e.to_string().contains("time budget of 50ms is spent"), "{e}");
}

pub async fn soft_limit_counts_slow_queries(db: &TestDb) {
    // A zero threshold makes every statement slow, a huge one none: counts, not timings.
    let every =
        connect(db, PoolOptions::default().slow_query_threshold(Some(Duration::ZERO))).await;
    for _ in 0..3 {
        every.query("SELECT 1").tag("route", "/slow").fetch_one().await.expect("query");
    }
    assert_eq!(every.pool().metrics().slow_queries, 3);
    let none =
        connect(db, PoolOptions::default().slow_query_threshold(Some(Duration::from_secs(3600))))
            .await;
    none.query("SELECT 1").fetch_one().await.expect("query");
    assert_eq!(none.pool().metrics().slow_queries, 0);
}

pub async fn constraint_errors_never_open_the_pool_breaker(db: &TestDb) {
    db.query("CREATE TABLE uniq (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    let breaker = dal::resilience::BreakerOptions::default().failure_threshold(5);
    let pool = connect(db, PoolOptions::default().breaker(Some(breaker))).await;
    pool.query("INSERT INTO uniq (id) VALUES (1)").execute().await.expect("first");
    for i in 0..1000 {
        let e = pool.query("INSERT INTO uniq (id) VALUES (1)").execute().await.expect_err("dup");
        assert_eq!(e.kind(), ErrorKind::Constraint, "attempt {i}: {e}");
    }
    let report = pool.pool().breaker().expect("pools have a breaker");
    assert_eq!(report.state, BreakerState::Closed);
    assert_eq!(report.health, BreakerHealth::Healthy, "{report:?}");
    assert_eq!(report.connection_failures + report.timeout_failures, 0);
}

pub async fn timeouts_open_the_pool_breaker_and_it_recovers(db: &TestDb) {
    let breaker = dal::resilience::BreakerOptions::default()
        .failure_threshold(2)
        .open_for(Duration::from_millis(300))
        .probes(1);
    let pool = connect(db, PoolOptions::default().breaker(Some(breaker))).await;
    for _ in 0..2 {
        let e = pool
            .query(&endless(db.backend(), "breaker"))
            .timeout(Duration::from_millis(100))
            .fetch_one()
            .await
            .expect_err("slow");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    }
    let report = pool.pool().breaker().expect("breaker");
    assert_eq!(report.state, BreakerState::Open);
    assert_eq!(report.health, BreakerHealth::Degraded, "timeouts: slow, not dead");
    let e = pool.query("SELECT 1").fetch_one().await.expect_err("rejected at once");
    assert_eq!(e.kind(), ErrorKind::CircuitOpen, "{e}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(pool.pool().breaker().expect("breaker").state, BreakerState::HalfOpen);
    pool.query("SELECT 1").fetch_one().await.expect("the probe succeeds");
    assert_eq!(pool.pool().breaker().expect("breaker").state, BreakerState::Closed);
    pool.query("SELECT 1").fetch_one().await.expect("closed again");
}

pub async fn a_full_waiting_line_sheds_at_once(db: &TestDb) {
    let options = PoolOptions::default()
        .max_connections(1)
        .max_waiters(Some(2))
        .acquire_timeout(Duration::from_secs(30));
    let pool = connect(db, options).await;
    let held = pool.connection().await.expect("the one connection");
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let p = pool.clone();
        waiting.push(tokio::spawn(async move { p.query("SELECT 1").fetch_one().await.is_ok() }));
    }
    while pool.pool().status().waiters < 2 {
        tokio::task::yield_now().await;
    }
    let e = pool.query("SELECT 1").fetch_one().await.expect_err("line full");
    assert_eq!(e.kind(), ErrorKind::PoolExhausted, "{e}");
    assert!(e.is_retryable());
    assert_eq!(pool.pool().metrics().shed, 1);
    drop(held);
    for w in waiting {
        assert!(w.await.expect("task"), "the two in line were served");
    }
}

pub async fn a_spent_rate_limit_sheds(db: &TestDb) {
    let options = PoolOptions::default().rate_limit(Some(RateLimit::new(1).burst(2)));
    let pool = Database::connect_lazy(db.fresh_config().pool_options(options)).expect("pool");
    let mut refused = 0;
    for _ in 0..5 {
        match pool.query("SELECT 1").fetch_one().await {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::PoolExhausted, "{e}");
                refused += 1;
            }
        }
    }
    // Two go through at once and one more per second: five in a row cannot all pass unless
    // they took over three seconds.
    assert!(refused >= 1, "the rate limit let all five through");
    assert_eq!(pool.pool().metrics().shed, refused);
}

pub async fn bulk_work_leaves_room_for_normal_work(db: &TestDb) {
    let options = PoolOptions::default()
        .max_connections(4)
        .bulk_limit(Some(2))
        .acquire_timeout(Duration::from_millis(300));
    let pool = connect(db, options).await;
    let bulk = pool.with_priority(Priority::Bulk);
    let b1 = bulk.connection().await.expect("bulk 1");
    let b2 = bulk.connection().await.expect("bulk 2");
    let e = bulk.connection().await.expect_err("bulk share used up");
    assert_eq!(e.kind(), ErrorKind::PoolTimeout, "{e}");
    let n1 = pool.connection().await.expect("normal work finds room");
    let n2 = pool.connection().await.expect("normal work finds room again");
    assert_eq!(pool.pool().status().in_use, 4);
    drop((b1, b2, n1, n2));
}

pub async fn the_pool_reopens_connections_down_to_its_minimum(db: &TestDb) {
    let options = PoolOptions::default().min_connections(2).max_connections(2);
    let pool = connect(db, options).await;
    assert_eq!(pool.pool().status().size, 2, "warmed up");
    // Two timed-out statements: their connections are closed, never reused.
    let slow = |p: Database| async move {
        p.query(&endless(p.backend(), "refill"))
            .timeout(Duration::from_millis(100))
            .fetch_one()
            .await
    };
    let (a, b) = tokio::join!(slow(pool.clone()), slow(pool.clone()));
    assert_eq!(a.expect_err("slow").kind(), ErrorKind::Timeout);
    assert_eq!(b.expect_err("slow").kind(), ErrorKind::Timeout);
    let started = Instant::now();
    loop {
        let status = pool.pool().status();
        if status.size == 2 && status.idle == 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never refilled: {status:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let one: i64 = pool.query("SELECT 1").fetch_one().await.expect("works").get(0).expect("int");
    assert_eq!(one, 1);
}
