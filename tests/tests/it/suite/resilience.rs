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
        Backend::Postgres => "SELECT pg_sleep(600)",
        Backend::MySql => "SELECT SLEEP(600)",
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

/// The longest a test waits for something that must happen: past it, a hang is a failure.
pub const HANG: Duration = Duration::from_secs(60);

/// `fut`, or a failure naming `what` if it hangs past [`HANG`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, fut).await.unwrap_or_else(|_| panic!("{what} hung past {HANG:?}"))
}

/// How many server sessions other than this one run the statement marked `marker`.
pub async fn running(db: &Database, marker: &str) -> i64 {
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
    db.query("CREATE TABLE budget_marks (n INTEGER)").execute().await.expect("create");
    let tx = db.begin().await.expect("begin");
    // Holding the write lock: if the statement ran on, no other connection could write.
    tx.query("INSERT INTO budget_marks (n) VALUES (1)").execute().await.expect("insert");
    let e = within(
        "the interrupted statement",
        tx.query(&endless(Backend::Sqlite, "interrupted"))
            .timeout(Duration::from_millis(300))
            .fetch_one(),
    )
    .await
    .expect_err("interrupted");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    drop(tx);
    until_stopped(db, "interrupted").await;
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
        // Stopped before the error came back: no waiting.
        assert_eq!(running(db, &marker).await, 0, "the statement still runs on the server");
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
    if db.backend() != Backend::Sqlite {
        // Stopped before the error came back: no waiting.
        assert_eq!(running(db, &marker).await, 0, "the statement still runs on the server");
    }
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
    // Open for 300 ms, then half-open: polled (the deadline only turns a hang into a failure).
    within("the breaker turning half-open", async {
        while pool.pool().breaker().expect("breaker").state != BreakerState::HalfOpen {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
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
    within("two waiters queuing", async {
        while pool.pool().status().waiters < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await;
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

/// `PoolManager::breaker(name, …)`: one breaker per name, shared by every caller that names
/// it, opened by the failures of the calls it guards (timeouts on this backend) and by nothing
/// else; another name stays closed, and a constraint error counts against no breaker.
pub async fn named_breakers_are_shared_by_name_and_open_on_their_own_failures(db: &TestDb) {
    db.query("CREATE TABLE uniq (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    db.query("INSERT INTO uniq (id) VALUES (1)").execute().await.expect("row");
    // A pool without a breaker of its own: only the named ones count here.
    let pool = connect(db, PoolOptions::default().breaker(None)).await;
    let name = tests::unique_name("named_breaker");
    let options = dal::resilience::BreakerOptions::default()
        .failure_threshold(2)
        .open_for(Duration::from_secs(3600));
    let manager = dal::pool::PoolManager::global();
    let breaker = manager.breaker(&name, options);
    let same = manager.breaker(&name, dal::resilience::BreakerOptions::default());
    assert!(std::sync::Arc::ptr_eq(&breaker, &same), "one breaker per name");
    assert_eq!(same.name(), name);
    let other = manager.breaker(&format!("{name}_other"), options);
    for _ in 0..3 {
        let e = breaker
            .call(|| pool.query("INSERT INTO uniq (id) VALUES (1)").execute())
            .await
            .expect_err("duplicate");
        assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    }
    assert_eq!(breaker.state(), BreakerState::Closed, "constraint errors opened it");
    let slow = endless(pool.backend(), &tests::unique_name("named_breaker"));
    for _ in 0..2 {
        let e = within(
            "a guarded slow query",
            breaker.call(|| pool.query(&slow).timeout(Duration::from_millis(100)).fetch_one()),
        )
        .await
        .expect_err("slow");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    }
    assert_eq!(same.state(), BreakerState::Open, "two timeouts open the shared breaker");
    let e = same.call(|| pool.query("SELECT 1").fetch_one()).await.expect_err("open");
    assert_eq!(e.kind(), ErrorKind::CircuitOpen, "{e}");
    assert!(e.to_string().contains(&name), "the error names the breaker: {e}");
    let report = same.report();
    assert_eq!((report.timeout_failures, report.connection_failures), (2, 0), "{report:?}");
    // Another name saw none of it.
    assert_eq!(other.state(), BreakerState::Closed);
    other.call(|| pool.query("SELECT 1").fetch_one()).await.expect("another name is closed");
}
