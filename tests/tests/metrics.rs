//! dal's instruments read through a real recorder: the Prometheus exporter's rendered text
//! after a known workload on each backend. A binary of its own: the recorder is process-wide.

use std::time::Duration;

use dal::pool::PoolOptions;
use dal::{Backend, Database, ErrorKind};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tests::TestDb;

fn recorder() -> &'static PrometheusHandle {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new().install_recorder().expect("the only recorder of this binary")
    })
}

/// The value of the sample `name` whose labels include `pool="…"` and every one of `labels`.
fn sample(text: &str, name: &str, pool: &str, labels: &[&str]) -> f64 {
    let pool_label = format!("db_client_connection_pool_name=\"{pool}\"");
    let found: Vec<f64> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| l.contains(&pool_label) && labels.iter().all(|x| l.contains(x)))
        .map(|l| l.rsplit(' ').next().expect("value").parse().expect("a number"))
        .collect();
    assert_eq!(found.len(), 1, "one {name} sample for {pool} {labels:?} in:\n{text}");
    found[0]
}

async fn counts_match_a_known_workload(backend: Backend) {
    let handle = recorder();
    let Some(db) = TestDb::open(backend, "metrics").await else { return };
    let alias = tests::unique_name("metrics");
    let options = PoolOptions::default()
        .max_connections(4)
        .acquire_timeout(Duration::from_millis(300))
        .breaker(None);
    let pool = Database::connect(db.fresh_config().alias(&alias).pool_options(options))
        .await
        .expect("pool");

    // Peak: exactly 3 connections held at once.
    let held: Vec<_> = futures_util::future::join_all((0..3).map(|_| pool.pool().acquire()))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("three connections");
    drop(held);
    // 20 statements.
    for _ in 0..20 {
        pool.query("SELECT 1").fetch_all().await.expect("query");
    }
    // 2 statements stopped at their deadline.
    for _ in 0..2 {
        let e = pool
            .query(endless(backend))
            .timeout(Duration::from_millis(50))
            .fetch_all()
            .await
            .expect_err("timed out");
        assert_eq!(e.kind(), ErrorKind::Timeout);
    }
    // 1 acquire that times out: every connection is held.
    let all: Vec<_> = futures_util::future::join_all((0..4).map(|_| pool.pool().acquire()))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("four connections");
    let e = pool.pool().acquire().await.expect_err("pool exhausted");
    assert_eq!(e.kind(), ErrorKind::PoolTimeout);
    drop(all);
    tests::until_all_idle(&pool).await;

    let snapshot = pool.pool().metrics();
    assert_eq!(snapshot.acquired, snapshot.released, "{snapshot:?}");
    assert_eq!(snapshot.peak_in_use, 4, "the most held at once");
    assert_eq!(snapshot.query_timeouts, 2);
    assert_eq!(snapshot.acquire_timeouts, 1);
    assert_eq!(snapshot.errors.get("timeout"), Some(&2));
    assert_eq!(snapshot.errors.get("pool_timeout"), Some(&1));

    let text = handle.render();
    let system = match backend {
        Backend::Postgres => "db_system=\"postgresql\"",
        Backend::MySql => "db_system=\"mysql\"",
        Backend::Sqlite => "db_system=\"sqlite\"",
    };
    let acquires = sample(&text, "db_client_connection_wait_time_count", &alias, &[system]);
    assert_eq!(acquires as u64, snapshot.acquired, "every acquire's wait was recorded");
    let statements = sample(&text, "db_client_operation_duration_count", &alias, &[system]);
    assert_eq!(statements as u64, 22, "20 statements and 2 timed out");
    assert_eq!(sample(&text, "db_client_operation_timeouts", &alias, &[]), 2.0);
    assert_eq!(sample(&text, "db_client_connection_timeouts", &alias, &[]), 1.0);
    let errors = ["error_type=\"pool_timeout\""];
    assert_eq!(sample(&text, "db_client_operation_errors", &alias, &errors), 1.0);
    assert_eq!(sample(&text, "db_client_connection_max", &alias, &[]), 4.0);
    assert!(!text.contains("password"), "no password in metrics");
    assert!(!text.contains("SELECT"), "no SQL text in metrics");
}

fn endless(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "SELECT pg_sleep(30)",
        Backend::MySql => "SELECT SLEEP(30)",
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000000) SELECT COUNT(*) FROM c"
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_counts_match_a_known_workload_on_every_backend() {
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        counts_match_a_known_workload(backend).await;
    }
}

/// The value of the sample `name` for `pool` with every one of `labels`, if rendered yet.
fn try_sample(text: &str, name: &str, pool: &str, labels: &[&str]) -> Option<f64> {
    let pool_label = format!("db_client_connection_pool_name=\"{pool}\"");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .find(|l| l.contains(&pool_label) && labels.iter().all(|x| l.contains(x)))
        .map(|l| l.rsplit(' ').next().expect("value").parse().expect("a number"))
}

/// The connection gauges (`db.client.connection.count` by state, `idle.min`,
/// `pending_requests`) as the exporter renders them, polled until they read `want` (the pool
/// reports them on its maintenance tick; the deadline only turns a hang into a failure).
async fn until_gauges(pool: &str, want: [(&str, &[&str], f64); 4]) {
    let handle = recorder();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = handle.render();
        let seen: Vec<Option<f64>> =
            want.iter().map(|(name, labels, _)| try_sample(&text, name, pool, labels)).collect();
        if want.iter().zip(&seen).all(|((_, _, v), s)| *s == Some(*v)) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "gauges never read {want:?}: {seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connection_gauges_follow_the_pool(backend: Backend) {
    recorder();
    let Some(db) = TestDb::open(backend, "gauges").await else { return };
    let alias = tests::unique_name("gauges");
    let options = PoolOptions::default()
        .min_connections(1)
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(60))
        .breaker(None);
    let pool = Database::connect(db.fresh_config().alias(&alias).pool_options(options))
        .await
        .expect("pool");
    const COUNT: &str = "db_client_connection_count";
    const MIN: &str = "db_client_connection_idle_min";
    const PENDING: &str = "db_client_connection_pending_requests";
    let (idle, used): (&[&str], &[&str]) =
        (&["db_client_connection_state=\"idle\""], &["db_client_connection_state=\"used\""]);
    // Both connections held and one acquire waiting.
    let a = pool.pool().acquire().await.expect("a");
    let b = pool.pool().acquire().await.expect("b");
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { pool.query("SELECT 1").fetch_all().await.map(|rows| rows.len()) }
    });
    tokio::time::timeout(Duration::from_secs(60), async {
        while pool.pool().status().waiters < 1 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the waiter never queued");
    until_gauges(
        &alias,
        [(COUNT, used, 2.0), (COUNT, idle, 0.0), (MIN, &[], 1.0), (PENDING, &[], 1.0)],
    )
    .await;
    drop((a, b));
    assert_eq!(waiter.await.expect("no panic").expect("the waiter was served"), 1);
    tests::until_all_idle(&pool).await;
    until_gauges(
        &alias,
        [(COUNT, used, 0.0), (COUNT, idle, 2.0), (MIN, &[], 1.0), (PENDING, &[], 0.0)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_gauges_read_what_the_pool_holds_on_every_backend() {
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        connection_gauges_follow_the_pool(backend).await;
    }
}
