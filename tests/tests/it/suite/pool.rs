//! Pools: guards go back on drop, equal configs share a pool, closed pools refuse work.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dal::pool::{PoolManager, PoolOptions};
use dal::{Backend, Database, ErrorKind, TransactionOptions};
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

/// Waits until the pool of `db` reports itself closed (closing has begun); the deadline only
/// turns a hang into a failure.
async fn until_closed(db: &Database) {
    crate::suite::within("the pool turning closed", async {
        while !db.pool().is_closed() {
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// Waits until `n` tasks wait on the pool of `db`.
async fn until_waiters(db: &Database, n: usize) {
    crate::suite::within("the waiters queuing", async {
        while db.pool().status().waiters < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
}

pub async fn waiters_are_served_in_arrival_order(db: &TestDb) {
    let pool = Database::connect(db.fresh_config().max_connections(2)).await.expect("pool of 2");
    // One connection stays taken, so the other is handed from waiter to waiter one at a time.
    let _kept = pool.connection().await.expect("first");
    let blocker = pool.connection().await.expect("second");
    let served = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (handle, served) = (pool.clone(), Arc::clone(&served));
        tasks.push(tokio::spawn(async move {
            let conn = handle.connection().await.expect("acquire");
            served.lock().expect("lock").push(i);
            drop(conn);
        }));
        until_waiters(&pool, i + 1).await;
    }
    drop(blocker);
    for t in tasks {
        t.await.expect("task");
    }
    assert_eq!(*served.lock().expect("lock"), (0..50).collect::<Vec<_>>());
}

/// No waiter starves: waiters are served in arrival order, so once a task is in line every
/// other task can be served at most once before it (served, it goes back in line behind).
/// Counted in holds, not in time: each task counts the holds it ends, and a waiter compares
/// everyone's counts from taking its place in line to being served; no other task may have
/// ended two holds meanwhile. On a runtime of one thread, so that nothing runs between a task
/// taking its place and reading the counts, or between being served and reading them again.
pub async fn no_starvation_with_100_tasks_on_10_connections(db: &TestDb) {
    const TASKS: usize = 100;
    let config = db.fresh_config().max_connections(10);
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        rt.expect("runtime").block_on(starvation_workload(config, TASKS))
    });
    let (most, longest, status) =
        tokio::task::spawn_blocking(move || worker.join()).await.expect("join").expect("workload");
    assert_eq!(status.acquire_timeouts, 0, "{status:?}");
    assert!(most <= 1, "a task ended {most} holds while another waited: it was overtaken");
    tests::announce(&format!(
        "{}: starvation test: the longest wait sat through {longest} holds ending, no task served twice during any wait",
        db.backend(),
    ));
}

/// `tasks` tasks taking a connection three times each; the most holds one task ended while
/// another waited, the most holds any wait sat through, and the pool's status at the end.
async fn starvation_workload(
    config: dal::DbConfig,
    tasks: usize,
) -> (u64, u64, dal::pool::PoolStatus) {
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    let pool = Database::connect(config).await.expect("pool");
    // Holds each task has ended: bumped just before its connection goes back.
    let ended: Arc<Vec<AtomicU64>> = Arc::new((0..tasks).map(|_| AtomicU64::new(0)).collect());
    let counts = |ended: &[AtomicU64]| ended.iter().map(|n| n.load(SeqCst)).collect::<Vec<_>>();
    let handles: Vec<_> = (0..tasks)
        .map(|me| {
            let (pool, ended) = (pool.clone(), Arc::clone(&ended));
            tokio::spawn(async move {
                let (mut most, mut longest) = (0, 0);
                for _round in 0..3 {
                    // Polled once first, so it has its place in line before the counts are read.
                    let mut acquire = Box::pin(pool.connection());
                    let first = std::future::poll_fn(|cx| {
                        std::task::Poll::Ready(acquire.as_mut().poll(cx))
                    })
                    .await;
                    let asked = counts(&ended);
                    let conn = match first {
                        std::task::Poll::Ready(conn) => conn,
                        std::task::Poll::Pending => acquire.await,
                    }
                    .expect("no acquire times out");
                    let served = counts(&ended);
                    let during = served.iter().zip(&asked).map(|(s, a)| s - a);
                    longest = longest.max(during.clone().sum());
                    most = during
                        .enumerate()
                        .filter(|(t, _)| *t != me)
                        .fold(most, |m, (_, n)| m.max(n));
                    conn.query("SELECT 1").fetch_all().await.expect("query");
                    // Holding paces the load; nothing checked depends on how long.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    ended[me].fetch_add(1, SeqCst);
                    drop(conn);
                }
                (most, longest)
            })
        })
        .collect();
    let (mut most, mut longest) = (0, 0);
    for h in handles {
        let (m, l) = h.await.expect("task");
        (most, longest) = (most.max(m), longest.max(l));
    }
    let status = tests::until_all_idle(&pool).await;
    pool.pool().close(Duration::from_secs(10)).await;
    (most, longest, status)
}

pub async fn thousand_transactions_leave_exactly_the_committed_rows(db: &TestDb) {
    db.query("CREATE TABLE ledger (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    let pool = Database::connect(db.fresh_config().max_connections(10)).await.expect("pool");
    let tasks: Vec<_> = (0..1000_i64)
        .map(|id| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let tx = pool.begin().await.expect("begin");
                tx.query("INSERT INTO ledger (id) VALUES (?)")
                    .bind(id)
                    .execute()
                    .await
                    .expect("insert");
                if id % 2 == 0 { tx.commit().await } else { tx.rollback().await }.expect("end");
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let ids: Vec<(i64,)> =
        pool.query("SELECT id FROM ledger ORDER BY id").fetch_all_as().await.expect("ids");
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    assert_eq!(ids, (0..1000).step_by(2).collect::<Vec<_>>());
    let status = tests::until_all_idle(&pool).await;
    assert_eq!((status.size, status.idle), (10, 10), "{status:?}");
}

pub async fn close_waits_for_a_transaction_that_finishes_in_time(db: &TestDb) {
    db.query("CREATE TABLE ledger (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    let pool = Database::connect(db.fresh_config()).await.expect("pool");
    let tx = pool.begin().await.expect("begin");
    tx.query("INSERT INTO ledger (id) VALUES (1)").execute().await.expect("insert");
    let closing = tokio::spawn({
        let pool = pool.pool().clone();
        async move { pool.close(Duration::from_secs(60)).await }
    });
    until_closed(&pool).await;
    let e = pool.query("SELECT 1").fetch_all().await.expect_err("closing refuses new work");
    assert_eq!(e.kind(), ErrorKind::Closed);
    tx.commit().await.expect("in-flight work may finish");
    assert!(closing.await.expect("close"), "everything came back in time");
    let n = db.count_rows("ledger").await;
    assert_eq!(n, 1);
}

pub async fn close_forces_a_transaction_that_does_not_finish(db: &TestDb) {
    db.query("CREATE TABLE ledger (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    let app = tests::unique_name("close_force");
    let mut config = db.fresh_config();
    if db.backend() == Backend::Postgres {
        config = config.option("application_name", &app);
    }
    let pool = Database::connect(config).await.expect("pool");
    let tx = pool.begin().await.expect("begin");
    tx.query("INSERT INTO ledger (id) VALUES (1)").execute().await.expect("insert");
    assert!(!pool.pool().close(Duration::from_millis(300)).await, "the pool had to force");
    if db.backend() == Backend::Postgres {
        let stuck = tests::idle_in_transaction(db, &app).await;
        assert_eq!(stuck, 0, "the session was ended on the server, not left idle in transaction");
    }
    let e = tx.commit().await.expect_err("forced work cannot commit");
    assert!(matches!(e.kind(), ErrorKind::Closed | ErrorKind::Connection), "{e}");
    let n = db.count_rows("ledger").await;
    assert_eq!(n, 0, "the forced transaction was rolled back");
    assert_eq!(pool.pool().status().size, 0, "every connection is gone");
}

pub async fn health_check_reports_each_pool(db: &TestDb) {
    let latency = db.pool().health_check().await.expect("healthy");
    assert!(latency < Duration::from_secs(10));
    // `PoolManager::health_check_all` borrows a connection of every pool in the process, so it
    // is tested in a binary of its own (tests/manager.rs), where it disturbs no other test.
    assert!(PoolManager::global().list().iter().any(|s| s.hash == db.pool().hash()));
    let status = PoolManager::global().status(db.pool().hash()).expect("status");
    assert_eq!(status.max, db.pool().options().max_connections);
}

pub async fn min_connections_are_opened_at_connect(db: &TestDb) {
    let config = db
        .fresh_config()
        .pool_options(dal::pool::PoolOptions::default().min_connections(3).max_connections(5));
    let pool = Database::connect(config).await.expect("connect");
    let status = pool.pool().status();
    assert_eq!((status.size, status.idle, status.min), (3, 3, 3), "{status:?}");
}

pub async fn idle_connection_ended_on_the_server_is_replaced(db: &TestDb) {
    let session_sql = db.dialect().session_id_sql().expect("a server backend has session ids");
    let config = db.fresh_config().pool_options(
        dal::pool::PoolOptions::default().max_connections(1).validate_after_idle(Duration::ZERO),
    );
    let pool = Database::connect(config).await.expect("connect");
    let session: i64 = pool.query(session_sql).fetch_one().await.expect("id").get(0).expect("int");
    let kill = db.dialect().terminate_session_sql(session).expect("server backend");
    db.query(&kill).execute().await.expect("end the idle session");
    // The idle connection is checked before hand-out, found dead, and replaced.
    let again: i64 = pool.query(session_sql).fetch_one().await.expect("works").get(0).expect("int");
    assert_ne!(again, session, "a new session serves the query");
    assert_eq!(pool.pool().status().size, 1);
}

pub async fn manager_close_pool_unregisters_it(db: &TestDb) {
    let pool = Database::connect(db.fresh_config()).await.expect("connect");
    let hash = pool.pool().hash();
    assert!(PoolManager::global().status(hash).is_some());
    let clean = PoolManager::global().close_pool(hash, Duration::from_secs(5)).await;
    assert_eq!(clean, Some(true));
    assert!(PoolManager::global().status(hash).is_none(), "unregistered");
    let e = pool.query("SELECT 1").fetch_all().await.expect_err("closed");
    assert_eq!(e.kind(), ErrorKind::Closed);
    // Connecting again with the same configuration makes a new pool.
    let fresh = Database::connect(pool.config().clone()).await.expect("reconnect");
    assert_eq!(fresh.query("SELECT 1").fetch_all().await.expect("works").len(), 1);
}

pub async fn acquire_past_the_timeout_is_a_counted_pool_timeout(db: &TestDb) {
    let config = db.fresh_config().max_connections(1).acquire_timeout(Duration::from_millis(200));
    let pool = Database::connect(config).await.expect("connect");
    let held = pool.connection().await.expect("the only connection");
    let e = pool.query("SELECT 1").fetch_all().await.expect_err("nothing free");
    assert_eq!(e.kind(), ErrorKind::PoolTimeout, "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("within 200ms"), "{e}");
    assert_eq!(pool.pool().status().acquire_timeouts, 1);
    drop(held);
    pool.query("SELECT 1").fetch_all().await.expect("free again");
}

pub async fn idle_and_old_connections_are_replaced(db: &TestDb) {
    let session_sql = db.dialect().session_id_sql().expect("a server backend has session ids");
    let session = |pool: Database| async move {
        pool.query(session_sql).fetch_one().await.expect("id").get::<i64>(0).expect("int")
    };
    // The same pause (a sleep lasts at least as long as asked, however loaded the machine) on
    // a pool whose idle limit it passes and on one whose limit it does not.
    let with_idle_limit = |limit: Duration| {
        let options =
            dal::pool::PoolOptions::default().max_connections(1).idle_timeout(Some(limit));
        Database::connect(db.fresh_config().pool_options(options))
    };
    let pause = Duration::from_millis(120);
    let patient = with_idle_limit(Duration::from_secs(3600)).await.expect("connect");
    let first = session(patient.clone()).await;
    tokio::time::sleep(pause).await;
    assert_eq!(session(patient.clone()).await, first, "reused within its idle limit");
    let strict = with_idle_limit(Duration::from_millis(50)).await.expect("connect");
    let first = session(strict.clone()).await;
    tokio::time::sleep(pause).await;
    assert_ne!(session(strict.clone()).await, first, "closed after sitting idle too long");

    let old = dal::pool::PoolOptions::default()
        .max_connections(1)
        .max_lifetime(Some(Duration::from_millis(50)));
    let pool = Database::connect(db.fresh_config().pool_options(old)).await.expect("connect");
    let conn = pool.connection().await.expect("acquire");
    let first = session((*conn).clone()).await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    drop(conn); // returned past its lifetime: closed instead of kept
    assert_ne!(session(pool.clone()).await, first, "replaced after its lifetime");
    assert_eq!(pool.pool().status().size, 1);
}

pub async fn metrics_count_a_known_workload(db: &TestDb) {
    let pool = Database::connect(db.fresh_config().max_connections(4)).await.expect("connect");
    let before = pool.pool().metrics();
    for _ in 0..5 {
        pool.query("SELECT 1").fetch_all().await.expect("query");
    }
    let (a, b, c) = (
        pool.connection().await.expect("a"),
        pool.connection().await.expect("b"),
        pool.connection().await.expect("c"),
    );
    assert_eq!(pool.pool().metrics().in_use, 3);
    drop((a, b, c));
    let after = pool.pool().metrics();
    assert_eq!(after.acquired - before.acquired, 8, "{after:?}");
    assert_eq!(after.acquired, after.released, "every acquire was released: {after:?}");
    assert_eq!((after.in_use, after.peak_in_use), (0, 3), "{after:?}");
    assert_eq!(PoolManager::global().metrics(pool.pool().hash()), Some(after));
}

/// Takes a connection and keeps it: the place a leak report must name. Returns the line of
/// the acquire (backtraces name async functions by file and line).
async fn acquire_and_keep(pool: &Database) -> (dal::Connection, u32) {
    #[rustfmt::skip]
    let kept = (pool.connection().await.expect("acquire"), line!());
    kept
}

pub async fn leak_report_names_where_the_connection_was_acquired(db: &TestDb) {
    let options = dal::pool::PoolOptions::default().capture_acquire_backtraces(true);
    let pool = Database::connect(db.fresh_config().pool_options(options)).await.expect("connect");
    let (kept, line) = acquire_and_keep(&pool).await;
    assert!(
        pool.pool().leaked_connections(Duration::from_secs(60)).is_empty(),
        "not held long yet"
    );
    // Held past the threshold: polled, the deadline only turns a hang into a failure.
    let leaks = crate::suite::within("the leak report", async {
        loop {
            let leaks = pool.pool().leaked_connections(Duration::from_millis(50));
            if !leaks.is_empty() {
                return leaks;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(leaks.len(), 1);
    assert!(leaks[0].held_for >= Duration::from_millis(50));
    let trace = leaks[0].acquired_at.as_ref().expect("backtraces were captured").to_string();
    assert!(trace.contains(&format!("suite/pool.rs:{line}:")), "line {line} in:\n{trace}");
    let all = PoolManager::global().check_for_leaked_connections(Duration::from_millis(50));
    assert!(all.iter().any(|(hash, l)| *hash == pool.pool().hash() && l.len() == 1));
    drop(kept);
    assert!(pool.pool().leaked_connections(Duration::ZERO).is_empty(), "given back");
}

/// `Duration::MAX` as every limit means no limit: nothing panics on adding it to a clock, the
/// work runs (behind a transaction pooler too, where the limit is written into the statement),
/// and a close with endless grace waits for the connection in use, then closes.
pub async fn endless_durations_mean_no_limit_and_the_pool_still_closes(db: &TestDb) {
    let endless = Duration::MAX;
    let options = PoolOptions::default()
        .max_connections(1)
        .query_timeout(Some(endless))
        .acquire_timeout(endless)
        .connect_timeout(endless)
        .idle_timeout(Some(endless))
        .max_lifetime(Some(endless))
        .validate_after_idle(endless);
    let pool = Database::connect(db.fresh_config().pool_options(options)).await.expect("pool");
    let read = |n: i64| {
        let pool = pool.clone();
        async move {
            let sql = format!("SELECT {n}");
            let row = pool.query(&sql).timeout(endless).fetch_one().await.expect("query");
            assert_eq!(row.get::<i64>(0).expect("int"), n);
        }
    };
    read(1).await;
    let tx = pool.begin_with(TransactionOptions::new().budget(endless)).await.expect("begin");
    let two: i64 = tx.query("SELECT 2").fetch_one().await.expect("in budget").get(0).expect("int");
    assert_eq!(two, 2);
    tx.commit().await.expect("commit");

    // A waiter with an endless acquire timeout is served when the connection comes back.
    let held = pool.connection().await.expect("the one connection");
    let waiter = tokio::spawn(read(3));
    until_waiters(&pool, 1).await;
    drop(held);
    waiter.await.expect("the waiter was served");

    // Closing with endless grace waits for the connection in use, then closes.
    let held = pool.connection().await.expect("the one connection");
    let closing = tokio::spawn({
        let pool = pool.clone();
        async move { pool.pool().close(endless).await }
    });
    until_closed(&pool).await;
    assert!(!closing.is_finished(), "close waits for the connection in use");
    drop(held);
    let clean = tokio::time::timeout(Duration::from_secs(10), closing).await;
    assert!(clean.expect("closed once the connection came back").expect("no panic"));
    assert_eq!(pool.pool().status().size, 0);
    let e = pool.query("SELECT 1").fetch_one().await.expect_err("closed");
    assert_eq!(e.kind(), ErrorKind::Closed);
}
