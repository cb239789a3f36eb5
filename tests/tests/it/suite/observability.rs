//! Observability on a live backend: the scaling signal and health report follow provoked
//! timeouts, the slowest queries are kept by fingerprint with their tags, the statement
//! cache's counts match a known sequence, the cache-off mode keeps nothing prepared on the
//! server, errors are counted by category, and the pool warms up ahead of rising demand.

use std::time::Duration;

use dal::observe::ScalingSignal;
use dal::pool::PoolOptions;
use dal::{Backend, Database, ErrorKind};
use tests::TestDb;

use super::endless;

async fn connect(db: &TestDb, options: PoolOptions) -> Database {
    Database::connect(db.fresh_config().pool_options(options)).await.expect("pool")
}

/// `n` statements stopped at a 1 ms deadline.
async fn time_out(pool: &Database, n: usize) {
    for _ in 0..n {
        let e = pool
            .query(&endless(pool.backend(), "signal"))
            .timeout(Duration::from_millis(1))
            .fetch_all()
            .await
            .expect_err("stopped at its deadline");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    }
}

/// Statements the (single) connection of `pool` keeps prepared on PostgreSQL.
async fn prepared_on_server(pool: &Database) -> i64 {
    pool.query("SELECT COUNT(*) FROM pg_prepared_statements")
        .fetch_one()
        .await
        .expect("count")
        .get(0)
        .expect("n")
}

pub async fn the_scaling_signal_follows_the_timeout_rate(db: &TestDb) {
    // No breaker: dozens of timeouts would open it, and the signal is what is under test.
    let pool = connect(db, PoolOptions::default().breaker(None)).await;
    for _ in 0..1000 {
        pool.query("SELECT 1").fetch_all().await.expect("fast query");
    }
    assert_eq!(pool.pool().scaling_signal(), ScalingSignal::Normal);
    assert_eq!(pool.pool().health_report().score, 100);
    // 2 of 1002 (0.2 %), 22 of 1022 (2.2 %), 72 of 1072 (6.7 %).
    let steps = [
        (2, ScalingSignal::ReviewSlowQueries),
        (20, ScalingSignal::ScaleVertically),
        (50, ScalingSignal::ScaleHorizontally),
    ];
    for (more, level) in steps {
        time_out(&pool, more).await;
        assert_eq!(pool.pool().scaling_signal(), level, "{:?}", pool.pool().metrics());
    }
    let report = pool.pool().health_report();
    assert_eq!(report.signal, ScalingSignal::ScaleHorizontally);
    assert_eq!(report.operations, 1072);
    assert!(report.score <= 60, "{report:?}");
    assert!(report.recommendations[0].contains("6.72 % of operations timed out"), "{report:?}");
    assert_eq!(pool.pool().metrics().errors.get("timeout"), Some(&72));
}

pub async fn slow_queries_are_kept_by_fingerprint_with_their_tags(db: &TestDb) {
    let pool = connect(db, PoolOptions::default().slow_query_threshold(Some(Duration::ZERO))).await;
    for n in [1_i64, 2, 3] {
        pool.query(&format!("SELECT {n} + ?"))
            .bind(n)
            .tag("route", "/sum")
            .fetch_all()
            .await
            .expect("q");
    }
    pool.query("SELECT 'x'").fetch_all().await.expect("q");
    let slowest = pool.pool().slowest_queries();
    assert_eq!(slowest.len(), 2, "{slowest:?}");
    let sum = slowest.iter().find(|q| q.fingerprint == "SELECT ? + ?").expect("by fingerprint");
    assert_eq!(sum.count, 3);
    assert_eq!(sum.tags, "route='%2Fsum'");
    assert!(slowest.iter().any(|q| q.fingerprint == "SELECT ?" && q.tags.is_empty()));
}

pub async fn statement_cache_counts_match_known_repeats(db: &TestDb) {
    let options = PoolOptions::default().max_connections(1).statement_cache_capacity(3);
    let pool = connect(db, options).await;
    // a miss, b miss, a hit, c miss, d miss (evicts b), a hit, b miss (evicts c).
    for n in ["1", "2", "1", "3", "4", "1", "2"] {
        pool.query(&format!("SELECT {n} + ?")).bind(0_i64).fetch_all().await.expect("q");
    }
    let stats = pool.pool().metrics().statement_cache;
    assert_eq!((stats.hits, stats.misses, stats.evictions), (2, 5, 2), "{stats:?}");
    if db.backend() == Backend::Postgres {
        // The server holds exactly what the mirror says the driver holds.
        let held = prepared_on_server(&pool).await;
        assert_eq!(held, 3, "the driver keeps at most its capacity");
    }
}

pub async fn the_cache_off_mode_keeps_nothing_prepared_on_the_server(db: &TestDb) {
    let pool =
        connect(db, PoolOptions::default().max_connections(1).statement_cache_capacity(0)).await;
    for n in 0..5_i64 {
        pool.query("SELECT ? + 1").bind(n).fetch_all().await.expect("q");
        pool.query("SELECT ? + 2").bind(n).fetch_all().await.expect("q");
    }
    let stats = pool.pool().metrics().statement_cache;
    assert_eq!((stats.hits, stats.misses, stats.evictions), (0, 0, 0), "nothing is cached");
    match db.backend() {
        Backend::Postgres => {
            assert_eq!(prepared_on_server(&pool).await, 0, "named statements were prepared");
        }
        Backend::MySql => {
            // Every statement prepared on this session was closed again.
            let rows = pool
                .query("SHOW SESSION STATUS WHERE Variable_name IN ('Com_stmt_prepare', 'Com_stmt_close')")
                .fetch_all()
                .await
                .expect("status");
            let count = |name: &str| -> i64 {
                let row =
                    rows.iter().find(|r| r.get::<String>(0).expect("name") == name).expect(name);
                row.get::<String>(1).expect("value").parse().expect("number")
            };
            assert!(count("Com_stmt_prepare") >= 10, "the statements ran prepared");
            // The status query itself is prepared when it reads the counts, and closed after.
            assert_eq!(
                count("Com_stmt_prepare"),
                count("Com_stmt_close") + 1,
                "a statement was kept"
            );
        }
        Backend::Sqlite => {}
    }
}

pub async fn errors_are_counted_by_category(db: &TestDb) {
    db.query("CREATE TABLE once (id INTEGER PRIMARY KEY)").execute().await.expect("create");
    let pool = connect(db, PoolOptions::default()).await;
    pool.query("INSERT INTO once (id) VALUES (1)").execute().await.expect("first");
    for _ in 0..3 {
        pool.query("INSERT INTO once (id) VALUES (1)").execute().await.expect_err("dup");
    }
    pool.query("SELEC 1").execute().await.expect_err("typo");
    let errors = pool.pool().metrics().errors;
    assert_eq!(errors.get("constraint"), Some(&3), "{errors:?}");
    assert_eq!(errors.get("syntax"), Some(&1), "{errors:?}");
    let report = pool.pool().health_report();
    assert_eq!(report.operations, 5);
    assert!((report.error_rate - 0.8).abs() < 1e-9, "{report:?}");
}

pub async fn the_pool_opens_connections_ahead_of_rising_demand(db: &TestDb) {
    // One more connection held every 250 ms: a rising trend the pool's maintainer samples every
    // 200 ms. The pace only shapes the load; a machine too busy to sample a ramp gets another
    // ramp on a fresh pool (the deadline only turns a hang into a failure).
    let ramp = async || {
        let options = PoolOptions::default().max_connections(10).breaker(None);
        let pool = connect(db, options).await;
        let mut held = Vec::new();
        while held.len() < 9 {
            held.push(pool.pool().acquire().await.expect("acquire"));
            tokio::time::sleep(Duration::from_millis(250)).await;
            let s = pool.pool().status();
            assert!(s.size <= 10, "{s:?}");
            // Held connections only in use: one more in the pool was opened ahead of demand.
            if s.size > s.in_use {
                return true;
            }
        }
        false
    };
    crate::suite::within("a connection opened ahead of demand", async { while !ramp().await {} })
        .await;
}
