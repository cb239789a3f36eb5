//! Proof that the cluster harness works: real PostgreSQL primaries and streaming replicas
//! ([`PgCluster`]) and a real PgBouncer ([`PgBouncer`]) start, replicate, fail over, serve a
//! `dal` pool and clean up after themselves. The tests skip (printing why) when the binaries
//! are missing, unless `DAL_REQUIRE_SERVERS=1`.

use std::time::{Duration, Instant};

use dal::pool::PoolOptions;
use dal::{Backend, Database, DbConfig};
use tests::{ClusterOptions, PgBouncer, PgCluster};

/// Whether anything still listens on 127.0.0.1:`port`.
fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(1),
    )
    .is_ok()
}

/// Drops `cluster` and checks that its servers and folder are gone.
fn drop_and_check_clean(cluster: PgCluster) {
    let root = cluster.root().to_owned();
    let ports: Vec<u16> = std::iter::once(cluster.primary_port())
        .chain((0..cluster.replica_count()).map(|i| cluster.replica_port(i)))
        .collect();
    drop(cluster);
    assert!(!root.exists(), "{} is left behind", root.display());
    for port in ports {
        assert!(!listening(port), "a server still listens on port {port}");
    }
}

#[test]
fn replica_streams_refuses_writes_goes_down_and_streams_again_after_a_restart() {
    let started = Instant::now();
    let Some(cluster) =
        PgCluster::start_or_skip(ClusterOptions { replicas: 1, synchronous: false })
    else {
        return;
    };
    println!("a primary with 1 replica started in {:?}", started.elapsed());
    let (primary, replica) = (cluster.primary_port(), cluster.replica_port(0));
    assert_eq!(cluster.primary_url(), format!("postgres://postgres@127.0.0.1:{primary}/postgres"));
    assert_eq!(cluster.replica_url(0), format!("postgres://postgres@127.0.0.1:{replica}/postgres"));

    cluster
        .psql(
            primary,
            "CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'one')",
        )
        .expect("write on the primary");
    cluster.wait_until_replica_caught_up(0).expect("the replica catches up");
    assert_eq!(cluster.psql(replica, "SELECT name FROM t WHERE id = 1").expect("read"), "one");
    assert_eq!(cluster.psql(replica, "SELECT pg_is_in_recovery()").expect("recovery"), "t");

    let refused = cluster.psql(replica, "INSERT INTO t VALUES (2, 'two')").expect_err("no writes");
    assert!(refused.contains("read-only"), "{refused}");

    cluster.stop_replica(0).expect("stop the replica");
    let down = cluster.psql(replica, "SELECT 1").expect_err("a stopped replica refuses");
    assert!(!listening(replica), "{down}");
    // Written while the replica is down: it must fetch this once it is back.
    cluster.psql(primary, "INSERT INTO t VALUES (2, 'two')").expect("write while it is down");

    cluster.start_replica(0).expect("start the replica");
    let streaming = cluster
        .psql(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        .expect("pg_stat_replication");
    assert_eq!(streaming, "1");
    cluster.wait_until_replica_caught_up(0).expect("the replica catches up again");
    let rows = cluster.psql(replica, "SELECT string_agg(name, ',' ORDER BY id) FROM t");
    assert_eq!(rows.expect("read after the restart"), "one,two");

    drop_and_check_clean(cluster);
}

#[test]
fn synchronous_replica_promoted_after_the_primary_stops_has_every_committed_row_and_takes_writes() {
    let Some(cluster) = PgCluster::start_or_skip(ClusterOptions { replicas: 1, synchronous: true })
    else {
        return;
    };
    let (primary, replica) = (cluster.primary_port(), cluster.replica_port(0));
    let sync = cluster.psql(primary, "SELECT sync_state FROM pg_stat_replication");
    assert_eq!(sync.expect("pg_stat_replication"), "sync");

    cluster
        .psql(
            primary,
            "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 1000)",
        )
        .expect("bulk write");
    // Single-row commits, each acknowledged only once the replica has flushed it; no
    // wait_until_replica_caught_up: synchronous replication alone must keep them.
    for id in 1001..=1020 {
        cluster.psql(primary, &format!("INSERT INTO t VALUES ({id})")).expect("commit");
    }

    cluster.stop_primary().expect("stop the primary");
    assert!(cluster.psql(primary, "SELECT 1").is_err(), "the primary is down");
    cluster.promote_replica(0).expect("promote the replica");
    assert_eq!(cluster.psql(replica, "SELECT pg_is_in_recovery()").expect("recovery"), "f");
    let count = cluster.psql(replica, "SELECT count(*), max(id) FROM t").expect("count");
    assert_eq!(count, "1020|1020", "every committed row survives the failover");

    cluster
        .psql(replica, "INSERT INTO t VALUES (2000)")
        .expect("the promoted replica takes writes");
    assert_eq!(cluster.psql(replica, "SELECT count(*) FROM t").expect("count"), "1021");

    drop_and_check_clean(cluster);
}

/// The default PostgreSQL server's host and port, or `None` (after printing why) when it is
/// down and servers are not required.
fn main_server() -> Option<(String, u16)> {
    let url = tests::server_url(Backend::Postgres).expect("a server backend");
    let config = DbConfig::from_url(&url).expect("a valid server URL");
    let host = config.host_name().unwrap_or("127.0.0.1").to_owned();
    let port = config.port_number().unwrap_or(5432);
    let up = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
        });
    if up {
        return Some((host, port));
    }
    let why =
        format!("skipping: no PostgreSQL server at {host}:{port} to put PgBouncer in front of");
    assert!(!tests::servers_required(), "{why} ({} makes this a failure)", tests::required_by());
    tests::announce(&format!("{why} ({}; set it to 1 to fail instead)", tests::required_by()));
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_in_transaction_mode_serves_psql_and_a_dal_pool() {
    let Some((host, port)) = main_server() else { return };
    let started = Instant::now();
    let bouncer =
        tokio::task::spawn_blocking(move || PgBouncer::start_or_skip(&host, port, "transaction"))
            .await
            .expect("start-up task");
    let Some(bouncer) = bouncer else { return };
    println!("PgBouncer started in {:?}", started.elapsed());
    assert_eq!(
        bouncer.url("test"),
        format!("postgres://postgres@127.0.0.1:{}/test", bouncer.port())
    );

    let one = bouncer.psql("test", "SELECT 1");
    assert_eq!(one.unwrap_or_else(|e| panic!("{e}\n{}", bouncer.log())), "1");

    // Transaction pooling: nothing may stay prepared on a server connection.
    let config = DbConfig::from_url(&bouncer.url("test"))
        .expect("a valid URL")
        .alias(tests::unique_name("pgbouncer"))
        .pool_options(
            PoolOptions::default()
                .statement_cache_capacity(0)
                .max_connections(2)
                .connect_timeout(Duration::from_secs(5)),
        );
    let db = Database::connect(config)
        .await
        .unwrap_or_else(|e| panic!("connect through PgBouncer: {e}\n{}", bouncer.log()));
    for _ in 0..5 {
        let row = db.query("SELECT 1").fetch_one().await;
        let row =
            row.unwrap_or_else(|e| panic!("SELECT 1 through PgBouncer: {e}\n{}", bouncer.log()));
        assert_eq!(row.get::<i64>(0).expect("an integer"), 1);
    }
    // The pool's connection is one of PgBouncer's clients (psql's own is on `pgbouncer`).
    let clients = bouncer.psql("pgbouncer", "SHOW CLIENTS").expect("SHOW CLIENTS");
    assert!(clients.lines().any(|l| l.split('|').nth(2) == Some("test")), "{clients}");

    db.pool().close(Duration::from_secs(5)).await;
    let dir_port = bouncer.port();
    drop(bouncer);
    assert!(!listening(dir_port), "PgBouncer still listens after drop");
}

#[test]
fn pgbouncer_in_session_mode_reaches_a_database_created_after_it_started() {
    let Some(cluster) = PgCluster::start_or_skip(ClusterOptions::default()) else { return };
    let Some(bouncer) = PgBouncer::start_or_skip("127.0.0.1", cluster.primary_port(), "session")
    else {
        return;
    };
    // The wildcard entry: a database made now is reachable under its own name.
    cluster.psql(cluster.primary_port(), "CREATE DATABASE made_later").expect("create database");
    let db = bouncer.psql("made_later", "SELECT current_database()");
    assert_eq!(db.unwrap_or_else(|e| panic!("{e}\n{}", bouncer.log())), "made_later");
    let mode = bouncer.psql("pgbouncer", "SHOW CONFIG").expect("SHOW CONFIG");
    assert!(mode.lines().any(|l| l.starts_with("pool_mode|session")), "{mode}");
    drop(bouncer);
    drop_and_check_clean(cluster);
}
