//! Network faults between dal and a real server, injected by [`FaultProxy`]: a connection cut
//! mid-query or mid-result, a server that goes away and comes back (the pool's breaker), a
//! network that hangs, and server sessions killed while 100 tasks write. PostgreSQL and
//! MariaDB only: SQLite has no network.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dal::pool::PoolOptions;
use dal::resilience::{BreakerOptions, BreakerState};
use dal::{Database, ErrorKind};
use tests::{FaultProxy, TestDb};

use crate::entities::Member;
use crate::suite::endless;

/// Generates one test per server backend from `async fn name(db: &TestDb)`.
macro_rules! server_tests {
    ($($test:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = tests::TestDb::open(dal::Backend::Postgres, stringify!($test)).await
                    else { return };
                    super::$test(&db).await;
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = tests::TestDb::open(dal::Backend::MySql, stringify!($test)).await
                    else { return };
                    super::$test(&db).await;
                }
            )*
        }
    };
}

server_tests!(
    a_connection_cut_mid_query_is_a_connection_error,
    a_result_cut_mid_stream_is_a_connection_error,
    a_hung_network_is_a_timeout,
    an_unreachable_server_opens_the_breaker_and_its_return_closes_it,
    killed_sessions_under_load_lose_no_acknowledged_write,
    a_single_write_whose_reply_is_lost_is_never_retried,
);

/// A proxy in front of `db`'s server and a fresh pool on `db`'s database that goes through it.
async fn through_proxy(db: &TestDb, options: PoolOptions) -> (FaultProxy, Database) {
    let config = db.config();
    let upstream = format!(
        "{}:{}",
        config.host_name().unwrap_or("127.0.0.1"),
        config.port_number().expect("the test URLs name their port")
    );
    let proxy = FaultProxy::start(upstream).await.expect("proxy starts");
    let config = db.fresh_config().host("127.0.0.1").port(proxy.port()).pool_options(options);
    let pool = Database::connect(config).await.expect("pool through the proxy");
    (proxy, pool)
}

/// Small timeouts, so that a fault shows in a second rather than in half a minute.
fn quick_options() -> PoolOptions {
    PoolOptions::default()
        .max_connections(2)
        .connect_timeout(Duration::from_secs(1))
        .acquire_timeout(Duration::from_secs(3))
}

/// At most `limit` for `what`: a fault must end in an error, never a hang.
async fn within<T>(what: &str, limit: Duration, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut).await.unwrap_or_else(|_| panic!("{what} hung past {limit:?}"))
}

async fn a_connection_cut_mid_query_is_a_connection_error(db: &TestDb) {
    let (proxy, pool) = through_proxy(db, quick_options()).await;
    let marker = tests::unique_name("cut");
    let running = {
        let pool = pool.clone();
        let sql = endless(db.backend(), &marker);
        tokio::spawn(async move { pool.query(&sql).fetch_all().await })
    };
    crate::suite::until_running(db, &marker).await;
    proxy.cut_all();
    let e = within("the cut query", Duration::from_secs(10), running)
        .await
        .expect("no panic")
        .expect_err("the connection was cut");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    // The broken connection is not reused: the next query opens a new one and succeeds.
    let n: i64 = pool.query("SELECT 1").fetch_one().await.expect("reconnects").get(0).expect("n");
    assert_eq!(n, 1);
    let status = tests::until_all_idle(&pool).await;
    assert_eq!(status.size, 1, "the cut connection was dropped, one new one opened");
}

async fn a_result_cut_mid_stream_is_a_connection_error(db: &TestDb) {
    db.query("CREATE TABLE wide (id INTEGER PRIMARY KEY, body VARCHAR(1000))")
        .execute()
        .await
        .expect("create");
    let body = "x".repeat(1000);
    for id in 0..200_i64 {
        db.query("INSERT INTO wide (id, body) VALUES (?, ?)")
            .bind(id)
            .bind(body.as_str())
            .execute()
            .await
            .expect("insert");
    }
    let (proxy, pool) = through_proxy(db, quick_options().max_connections(1)).await;
    pool.query("SELECT 1").fetch_all().await.expect("warm connection");
    // About 200 KB come back; the client gets the first 20 KB, then the socket closes.
    proxy.cut_after_server_bytes(20_000);
    let e = within(
        "the cut result",
        Duration::from_secs(10),
        pool.query("SELECT id, body FROM wide ORDER BY id").fetch_all(),
    )
    .await
    .expect_err("the result was cut");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    proxy.pass();
    let rows = pool.query("SELECT id, body FROM wide").fetch_all().await.expect("whole result");
    assert_eq!(rows.len(), 200);
}

async fn a_hung_network_is_a_timeout(db: &TestDb) {
    let options = quick_options().query_timeout(Some(Duration::from_millis(500)));
    let (proxy, pool) = through_proxy(db, options).await;
    pool.query("SELECT 1").fetch_all().await.expect("warm connection");
    proxy.blackhole();
    let e = within("the hung query", Duration::from_secs(10), pool.query("SELECT 1").fetch_all())
        .await
        .expect_err("nothing answers");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    proxy.pass();
    let n: i64 = within("the query after", Duration::from_secs(10), async {
        pool.query("SELECT 2").fetch_one().await.expect("the network is back").get(0)
    })
    .await
    .expect("n");
    assert_eq!(n, 2);
}

async fn an_unreachable_server_opens_the_breaker_and_its_return_closes_it(db: &TestDb) {
    let open_for = Duration::from_secs(1);
    let breaker = BreakerOptions::default()
        .failure_threshold(3)
        .window(Duration::from_secs(30))
        .open_for(open_for)
        .probes(1);
    let (proxy, pool) = through_proxy(db, quick_options().breaker(Some(breaker))).await;
    pool.query("SELECT 1").fetch_all().await.expect("the server is up");

    // The server goes away: open connections die and new ones are refused.
    proxy.refuse();
    proxy.cut_all();
    let mut failures = 0;
    loop {
        let e = within("a query to a dead server", Duration::from_secs(10), async {
            pool.query("SELECT 1").fetch_all().await
        })
        .await
        .expect_err("the server is gone");
        if e.kind() == ErrorKind::CircuitOpen {
            break;
        }
        assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
        failures += 1;
        assert!(failures <= 3, "the breaker stayed closed after {failures} connection failures");
    }
    assert_eq!(failures, 3, "the breaker opened at its threshold");
    let report = pool.pool().breaker().expect("the pool has a breaker");
    assert_eq!(report.state, BreakerState::Open);
    assert_eq!(report.connection_failures, 3, "{report:?}");

    // While open, calls are rejected without touching the network.
    let accepted = proxy.accepted();
    for _ in 0..20 {
        let e = pool.query("SELECT 1").fetch_all().await.expect_err("open");
        assert_eq!(e.kind(), ErrorKind::CircuitOpen, "{e}");
    }
    assert_eq!(proxy.accepted(), accepted, "an open breaker let a connection attempt through");

    // The server returns: after `open_for` one probe goes through, succeeds, and closes it.
    proxy.pass();
    tokio::time::sleep(open_for + Duration::from_millis(100)).await;
    let n: i64 = pool.query("SELECT 7").fetch_one().await.expect("the probe").get(0).expect("n");
    assert_eq!(n, 7);
    assert_eq!(pool.pool().breaker().expect("breaker").state, BreakerState::Closed);
    for _ in 0..10 {
        pool.query("SELECT 1").fetch_all().await.expect("queries succeed again");
    }
}

/// The statement that ends server session `id` (the one the pool's own forced close uses).
fn kill_sql(db: &Database, id: i64) -> String {
    db.dialect().terminate_session_sql(id).expect("a server backend has sessions")
}

async fn killed_sessions_under_load_lose_no_acknowledged_write(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let options = PoolOptions::default()
        .min_connections(5)
        .max_connections(10)
        .breaker(None)
        .acquire_timeout(Duration::from_secs(30));
    let pool = Database::connect(db.fresh_config().pool_options(options)).await.expect("pool");
    pool.pool().warm_up().await.expect("warm up");
    const TASKS: usize = 100;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..TASKS)
        .map(|t| {
            let (pool, acked, failures) = (pool.clone(), acked.clone(), failures.clone());
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    match pool.repo::<Member>().save(&Member::new(&format!("{t}/{n}"))).await {
                        Ok(saved) => acked.lock().expect("acked").push(saved.id),
                        Err(e) => failures.lock().expect("failures").push(e),
                    }
                }
            })
        })
        .collect();
    // Ordered by events, not by time: 50 more writes acknowledged before each kill, and after
    // the last one (the deadline only turns a hang into a failure).
    let more_writes = async |what: &str| {
        let target = acked.lock().expect("acked").len() + 50;
        within(what, Duration::from_secs(60), async {
            while acked.lock().expect("acked").len() < target {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
    };
    let mut killed = HashSet::new();
    for _ in 0..2 {
        more_writes("writes before a kill").await;
        let sessions = pool.pool().server_sessions();
        assert!(!sessions.is_empty(), "the pool has sessions to kill");
        for id in sessions {
            // Killing a session that just ended on its own is an error we do not care about.
            let _ = db.query(&kill_sql(db, id)).execute().await;
            killed.insert(id);
        }
    }
    more_writes("writes after the kills").await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.expect("no task panicked");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("acked"));
    let failures = std::mem::take(&mut *failures.lock().expect("failures"));
    assert!(!failures.is_empty(), "killing the sessions failed no call: the test proves nothing");
    for e in failures.iter() {
        assert_eq!(e.kind(), ErrorKind::Connection, "a killed session failed a call with {e}");
    }
    // Every acknowledged write is there, with its history row.
    for table in ["members", "members_history"] {
        let missing = crate::entities::members_missing_from(db, table, &acked).await.len();
        assert_eq!(missing, 0, "acknowledged writes missing from {table}");
    }
    // The pool refills to its minimum with new sessions, and works.
    let refilled = Instant::now();
    while pool.pool().status().size < 5 {
        assert!(refilled.elapsed() < Duration::from_secs(10), "{:?}", pool.pool().status());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        pool.pool().server_sessions().iter().all(|id| !killed.contains(id)),
        "a killed session is still counted"
    );
    pool.pool().health_check().await.expect("healthy again");
    tests::announce(&format!(
        "{}: {} sessions killed under {TASKS} writers: {} writes acknowledged and all present with history, {} failed with a connection error",
        db.backend(),
        killed.len(),
        acked.len(),
        failures.len()
    ));
}

/// A write outside a transaction is not safe to repeat: it may have been applied before the
/// error. The proxy lets the statement reach the server, which applies and commits it, and
/// cuts the connection before the reply: the caller gets a connection error and the server has
/// applied the write exactly once (a retry would apply it twice, on a new connection).
async fn a_single_write_whose_reply_is_lost_is_never_retried(db: &TestDb) {
    db.query("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        .execute()
        .await
        .expect("create");
    db.query("INSERT INTO counter (id, n) VALUES (1, 0)").execute().await.expect("row");
    // One connection, never pinged before use, so the write is the only thing it sends.
    let options =
        quick_options().max_connections(1).breaker(None).validate_after_idle(Duration::MAX);
    let (proxy, pool) = through_proxy(db, options).await;
    let bump = "UPDATE counter SET n = n + 1 WHERE id = ?";
    // Once through, so the statement is prepared and the next run is a single round trip.
    assert_eq!(pool.query(bump).bind(1_i64).execute().await.expect("first bump"), 1);
    let n = async |db: &TestDb| {
        let row = db.query("SELECT n FROM counter WHERE id = 1").fetch_one().await.expect("n");
        row.get::<i64>(0).expect("int")
    };
    assert_eq!(n(db).await, 1);
    let accepted = proxy.accepted();
    proxy.cut_next_reply();
    let e = within("the write whose reply was cut", Duration::from_secs(60), async {
        pool.query(bump).bind(1_i64).execute().await
    })
    .await
    .expect_err("the reply never came");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert_eq!(n(db).await, 2, "the write reached the server once and only once");
    assert_eq!(proxy.accepted(), accepted, "a new connection was opened for a second attempt");
    // The caller decides: the pool works again for the next statement.
    assert_eq!(pool.query(bump).bind(1_i64).execute().await.expect("next bump"), 1);
    assert_eq!(n(db).await, 3);
}
