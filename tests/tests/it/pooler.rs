//! dal's transaction-pooler mode through a real PgBouncer in transaction pooling mode: values
//! travel inside the statement text and nothing is prepared on the server; a statement's limit
//! is kept by the server itself (no session to end from outside); and the settings the mode
//! cannot honour are refused when the pool is made.

use std::time::Duration;

use dal::pool::Pool;
use dal::{Backend, Database, DbConfig, ErrorKind};
use tests::{Target, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_travel_in_the_text_and_nothing_is_prepared() {
    let Some(db) = TestDb::open(Target::PgBouncer, "inline").await else { return };
    assert!(db.config().pool().transaction_pooler);
    // One statement, so one server session: what it sees of itself.
    let row = db
        .query(
            "SELECT query, (SELECT count(*) FROM pg_prepared_statements) \
             FROM pg_stat_activity WHERE pid = pg_backend_pid() AND length(?) < ?",
        )
        .bind("marker it's")
        .bind(70_i64)
        .fetch_one()
        .await
        .expect("runs through PgBouncer");
    let text: String = row.get(0).expect("text");
    assert!(text.contains("E'marker it''s'::text"), "the server saw: {text}");
    assert!(text.contains("'70'::int8"), "the server saw: {text}");
    assert_eq!(row.get::<i64>(1).expect("count"), 0, "no statement is prepared on the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_behind_the_pooler_is_kept_by_the_server() {
    let Some(db) = TestDb::open(Target::PgBouncer, "pooler_timeout").await else { return };
    let direct = Database::from_pool(
        Pool::new(
            DbConfig::from_url(&tests::server_url(Backend::Postgres).expect("server"))
                .expect("url")
                .alias(tests::unique_name("pooler_watch"))
                .max_connections(1),
        )
        .expect("pool"),
    );
    let marker = tests::unique_name("pooler_timeout");
    let running = format!(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE query LIKE '%{marker}%' AND state = 'active' AND pid <> pg_backend_pid()"
    );
    // A ten-minute statement: an error at all shows the caller did not wait for it (the
    // deadline only turns a hang into a failure).
    let slow = format!("SELECT pg_sleep(600) /* {marker} */");
    let e = tokio::time::timeout(
        Duration::from_secs(60),
        db.query(&slow).timeout(Duration::from_secs(1)).fetch_all(),
    )
    .await
    .expect("the timed-out query hung")
    .expect_err("slower than its limit");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("within its timeout of 1s"), "{e}");
    // The server stops it (its statement_timeout; there is no session to end from outside),
    // and its backend reports itself idle a moment after it sent the error: polled, with a
    // deadline that only turns a hang into a failure.
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let n: i64 =
                direct.query(&running).fetch_one().await.expect("activity").get(0).expect("n");
            if n == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the statement is still running on the server");
    let status = db.pool().status();
    assert_eq!((status.size, status.in_use), (1, 0), "the connection was kept: {status:?}");
    assert_eq!(db.pool().metrics().query_timeouts, 1);

    // Inside a transaction the limit is reset after its statement, so later ones run unlimited.
    let tx = db.begin().await.expect("begin");
    tx.query("SELECT 1").timeout(Duration::from_secs(5)).fetch_all().await.expect("fast");
    let after: String =
        tx.query("SHOW statement_timeout").fetch_one().await.expect("show").get(0).expect("text");
    assert_eq!(after, "0", "the statement's limit did not outlive it");
    tx.commit().await.expect("commit");
    direct.pool().close(Duration::from_secs(1)).await;
}

#[test]
fn the_pooler_mode_refuses_what_it_cannot_honour() {
    let pooled = |url: &str| {
        let config = DbConfig::from_url(url).expect("url");
        let options = config.pool().clone().transaction_pooler(true);
        Pool::new(config.pool_options(options))
    };
    let e = pooled("postgres://app@127.0.0.1:6432/shop?search_path=tenant_1")
        .expect_err("a startup setting");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("`search_path`"), "{e}");
    assert!(e.to_string().contains("ALTER ROLE"), "{e}");
    for url in ["mysql://app@127.0.0.1/shop", "sqlite::memory:"] {
        let e = pooled(url).expect_err("PostgreSQL only");
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("transaction_pooler is for PostgreSQL"), "{e}");
    }
    let config = DbConfig::from_url("postgres://app@127.0.0.1:6432/shop?transaction_pooler=true")
        .expect("url");
    assert!(config.pool().transaction_pooler, "the URL turns the mode on");
    Pool::new(config).expect("application_name and the rest are fine");
}

/// Without dal's pooler mode, a session id read through PgBouncer names a server session that
/// other clients share: ending it at a timeout would end someone else's transaction. dal sees
/// that the server listens on another port than the one dialed and keeps no session id, so a
/// timed-out statement only costs its own connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_through_a_pooler_never_ends_another_clients_session() {
    let url = tests::server_url(Backend::Postgres).expect("server");
    let upstream = DbConfig::from_url(&url).expect("url");
    let host = upstream.host_name().unwrap_or("127.0.0.1").to_owned();
    let port = upstream.port_number().unwrap_or(5432);
    // One server session for every client, so both clients below land on the same one.
    let bouncer = match tests::PgBouncer::start_with_pool_size(&host, port, "transaction", 1) {
        Ok(bouncer) => bouncer,
        Err(e) if !tests::servers_required() && e.contains("no pgbouncer") => {
            tests::announce(&format!("skipping: {e}"));
            return;
        }
        Err(e) => panic!("cannot start PgBouncer: {e}"),
    };
    let database = upstream.database_name().unwrap_or("test").to_owned();
    let client = |name: &str| {
        DbConfig::from_url(&bouncer.url(&database))
            .expect("url")
            .alias(tests::unique_name(name))
            .max_connections(1)
            .pool_options(
                dal::pool::PoolOptions::default().max_connections(1).statement_cache_capacity(0),
            )
    };
    let table = tests::unique_name("pooled_victim");
    let other = Database::connect(client("other_client")).await.expect("the other client");
    let timing_out = Database::connect(client("timing_out")).await.expect("the timing-out client");
    other.query(&format!("CREATE TABLE {table} (n INT)")).execute().await.expect("create");

    let tx = other.begin().await.expect("the other client's transaction holds the session");
    tx.query(&format!("INSERT INTO {table} (n) VALUES (1)")).execute().await.expect("insert");
    // Waits in PgBouncer's queue for the one server session, past its limit.
    let e = timing_out
        .query("SELECT pg_sleep(5)")
        .timeout(Duration::from_millis(300))
        .fetch_all()
        .await
        .expect_err("cannot run while the session is taken");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    tx.query(&format!("INSERT INTO {table} (n) VALUES (2)"))
        .execute()
        .await
        .expect("the other client's session survived the timeout");
    tx.commit().await.expect("and its transaction commits");
    let n: i64 = other
        .query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one()
        .await
        .expect("count")
        .get(0)
        .expect("n");
    assert_eq!(n, 2);
    other.query(&format!("DROP TABLE {table}")).execute().await.expect("drop");
    for db in [&other, &timing_out] {
        db.pool().close(Duration::from_secs(5)).await;
    }
}

/// With `standard_conforming_strings = off` a backslash ends a literal's quote early as the
/// server reads it, so values written into the text could land in SQL: the pooler mode refuses
/// such a server when a connection opens. Tested on a role of its own that has it off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pooler_mode_refuses_a_server_without_standard_conforming_strings() {
    let Some(db) = TestDb::open(Backend::Postgres, "scs_off").await else { return };
    let role = tests::unique_name("dal_scs_off");
    db.query(&format!("CREATE ROLE {role} LOGIN")).execute().await.expect("role");
    db.query(&format!("ALTER ROLE {role} SET standard_conforming_strings = off"))
        .execute()
        .await
        .expect("setting");
    let base = DbConfig::from_url(&tests::server_url(Backend::Postgres).expect("server"))
        .expect("url")
        .user(&role)
        .alias(tests::unique_name("scs_off"));
    let pooled = base.clone().pool_options(base.pool().clone().transaction_pooler(true));
    let e = Database::connect(pooled).await.expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(e.to_string().contains("standard_conforming_strings = on"), "{e}");
    // Without the mode nothing is written into the text, and the role connects.
    let plain = Database::connect(base).await.expect("connects without the pooler mode");
    let scs: String = plain
        .query("SHOW standard_conforming_strings")
        .fetch_one()
        .await
        .expect("show")
        .get(0)
        .expect("text");
    assert_eq!(scs, "off", "the role really has it off");
    plain.pool().close(Duration::from_secs(5)).await;
    db.query(&format!("DROP ROLE {role}")).execute().await.expect("drop role");
}
