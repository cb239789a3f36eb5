//! Clusters on real servers: a PostgreSQL primary with a real streaming replica started by the
//! test (reads land on the replica, seen in each server's `pg_stat_activity`; stopping the
//! replica moves reads to the primary with no failed call; restarting it brings them back),
//! failover to a promoted replica with no acknowledged write lost, a replica whose replay is
//! paused leaving rotation until it catches up, round robin and least-busy selection, a
//! MariaDB cluster's replica checks, and the configurations a cluster refuses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dal::cluster::{ClusterConfig, ReplicaSelection};
use dal::types::Uuid;
use dal::{Backend, Database, Entity, ErrorKind};
use tests::{ClusterOptions, PgCluster, TestDb};
use tokio::sync::Mutex;

/// What the cluster tests write.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "notes")]
pub struct Note {
    #[dal(id)]
    pub id: Uuid,
    pub body: String,
}

impl Note {
    fn new(body: &str) -> Self {
        Note { id: Uuid::nil(), body: body.into() }
    }
}

/// How often the cluster's watcher checks the servers in these tests.
const CHECK_EVERY: Duration = Duration::from_millis(200);

async fn start(options: ClusterOptions) -> Option<Arc<PgCluster>> {
    tokio::task::spawn_blocking(move || PgCluster::start_or_skip(options).map(Arc::new))
        .await
        .expect("start-up thread")
}

/// Runs a blocking harness step (stop, start, promote) off the runtime's threads.
async fn step(pg: &Arc<PgCluster>, what: fn(&PgCluster) -> Result<(), String>) {
    let pg = Arc::clone(pg);
    tokio::task::spawn_blocking(move || what(&pg)).await.expect("step thread").expect("step");
}

/// Statements carrying `tag` that a server is running now (besides the one asking); 0 for a
/// server that is down.
async fn running_on(pg: &Arc<PgCluster>, port: u16, tag: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%probe=''{tag}''%' AND pid <> pg_backend_pid()"
    );
    let pg = Arc::clone(pg);
    match tokio::task::spawn_blocking(move || pg.psql(port, &sql)).await.expect("psql thread") {
        Ok(out) => out.trim().parse().expect("a count"),
        Err(e) if e.contains("Connection refused") => 0,
        Err(e) => panic!("{e}"),
    }
}

/// Runs `statement` (which sleeps ten minutes and carries the tag `probe`) in the background,
/// waits until the primary or the replica lists it, reports how many of its sessions each
/// lists then (primary, replica), and cancels it there.
async fn where_it_runs(
    pg: &Arc<PgCluster>,
    db: &Database,
    statement: &'static str,
    read: bool,
) -> (i64, i64) {
    let tag = tests::unique_name("probe");
    let job = {
        let (db, tag) = (db.clone(), tag.clone());
        tokio::spawn(async move {
            let q = db.query(statement).tag("probe", &tag);
            if read { q.fetch_all().await.map(|_| ()) } else { q.execute().await.map(|_| ()) }
        })
    };
    let mut seen = (0, 0);
    until("the statement showing on a server", HANG, async || {
        seen = (
            running_on(pg, pg.primary_port(), &tag).await,
            running_on(pg, pg.replica_port(0), &tag).await,
        );
        seen != (0, 0)
    })
    .await;
    for port in [pg.primary_port(), pg.replica_port(0)] {
        cancel_on(pg, port, &tag).await;
    }
    // Cancelled where it ran: the outcome is an error, and not what this reports.
    let _ = job.await.expect("statement task");
    seen
}

/// Cancels the statements carrying `tag` on the server at `port` (nothing when it is down).
async fn cancel_on(pg: &Arc<PgCluster>, port: u16, tag: &str) {
    let sql = format!(
        "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%probe=''{tag}''%' AND pid <> pg_backend_pid()"
    );
    let pg = Arc::clone(pg);
    match tokio::task::spawn_blocking(move || pg.psql(port, &sql)).await.expect("psql thread") {
        Ok(_) => {}
        Err(e) if e.contains("Connection refused") => {}
        Err(e) => panic!("{e}"),
    }
}

/// Past this, what a test waits for is a hang, and a failure.
const HANG: Duration = Duration::from_secs(60);

async fn until(what: &str, limit: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !ok().await {
        assert!(started.elapsed() < limit, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_and_to_the_primary_while_it_is_down() {
    let Some(pg) = start(ClusterOptions { replicas: 1, synchronous: false }).await else { return };
    let db = Database::connect_cluster(
        ClusterConfig::new(pg.primary_url()).replica(pg.replica_url(0)).check_every(CHECK_EVERY),
    )
    .await
    .expect("cluster");
    db.ensure_schema::<Note>().await.expect("schema on the primary");
    let notes = db.repo::<Note>();
    let saved = notes.save(&Note::new("first")).await.expect("save");
    pg.wait_until_replica_caught_up(0).expect("the replica caught up");

    let read = where_it_runs(&pg, &db, "SELECT pg_sleep(600)", true).await;
    assert_eq!(read, (0, 1), "a read runs on the replica, not the primary (primary, replica)");
    let write = where_it_runs(
        &pg,
        &db,
        "UPDATE notes SET body = body WHERE pg_sleep(600) IS NOT NULL",
        false,
    )
    .await;
    assert_eq!(write, (1, 0), "a write runs on the primary (primary, replica)");
    let forced = db.on_primary().query("SELECT body FROM notes").fetch_one().await.expect("read");
    assert_eq!(forced.get::<String>(0).expect("body"), "first");

    let before = db.cluster_status().expect("a cluster").replicas[0].reads;
    assert_eq!(notes.get(saved.id).await.expect("get"), Some(saved.clone()));
    assert_eq!(notes.find().all().await.expect("find").len(), 1);
    let status = db.cluster_status().expect("a cluster");
    assert_eq!(status.replicas[0].reads, before + 2, "entity reads go to the replica");
    assert!(status.replicas[0].healthy);
    assert_eq!(status.fallback_reads, 0);

    // A reader that never stops while the replica goes down and comes back.
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, failures) = (Arc::new(AtomicU64::new(0)), Arc::new(Mutex::new(Vec::new())));
    let reader = {
        let (db, stop, reads, failures) =
            (db.clone(), stop.clone(), reads.clone(), failures.clone());
        let id = saved.id;
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match db.repo::<Note>().get(id).await {
                    Ok(Some(_)) => {
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(None) => failures.lock().await.push("the row was not found".to_owned()),
                    Err(e) => failures.lock().await.push(e.to_string()),
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    until("the reader reading", HANG, async || reads.load(Ordering::Relaxed) > 0).await;
    step(&pg, |pg| pg.stop_replica(0)).await;
    let status = db.cluster_status().expect("a cluster");
    assert!(!status.replicas[0].healthy, "the stopped replica is out of rotation: {status:?}");
    let fell_back = status.fallback_reads;
    let read_before = reads.load(Ordering::Relaxed);
    until("the reader reading with the replica down", HANG, async || {
        reads.load(Ordering::Relaxed) >= read_before + 5
    })
    .await;
    for _ in 0..20 {
        assert_eq!(
            notes.get(saved.id).await.expect("read while the replica is down"),
            Some(saved.clone())
        );
    }
    assert!(
        db.cluster_status().expect("a cluster").fallback_reads >= fell_back + 20,
        "reads without a replica went to the primary and were counted"
    );
    let read = where_it_runs(&pg, &db, "SELECT pg_sleep(600)", true).await;
    assert_eq!(read.0, 1, "with the replica down, a read runs on the primary");

    step(&pg, |pg| pg.start_replica(0)).await;
    until("the restarted replica back in rotation", Duration::from_secs(30), async || {
        db.cluster_status().expect("a cluster").replicas[0].healthy
    })
    .await;
    let read = where_it_runs(&pg, &db, "SELECT pg_sleep(600)", true).await;
    assert_eq!(read, (0, 1), "with the replica back, reads run on it again");

    stop.store(true, Ordering::Relaxed);
    reader.await.expect("reader");
    let failures = failures.lock().await;
    assert!(failures.is_empty(), "no read failed while the replica went away: {failures:?}");
    assert!(reads.load(Ordering::Relaxed) > 20, "the reader kept reading");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_move_to_the_promoted_replica_and_no_acknowledged_write_is_lost() {
    let Some(pg) = start(ClusterOptions { replicas: 1, synchronous: true }).await else { return };
    let db = Database::connect_cluster(
        ClusterConfig::new(pg.primary_url())
            .failover_to(pg.replica_url(0))
            .check_every(CHECK_EVERY),
    )
    .await
    .expect("cluster");
    db.ensure_schema::<Note>().await.expect("schema");
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (db, stop, acked, failures) =
            (db.clone(), stop.clone(), acked.clone(), failures.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                match db.repo::<Note>().save(&Note::new(&format!("note {n}"))).await {
                    Ok(saved) => acked.lock().await.push((saved.id, Instant::now())),
                    Err(e) => {
                        failures.lock().await.push((e.kind(), e.is_retryable(), e.to_string()));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        })
    };
    let count = async || acked.lock().await.len();
    until("50 writes on the first primary", Duration::from_secs(30), async || count().await >= 50)
        .await;
    step(&pg, |pg| pg.stop_primary()).await;
    // Writes fail while there is no primary: promote once one has.
    until("a write failing with no primary", HANG, async || !failures.lock().await.is_empty())
        .await;
    step(&pg, |pg| pg.promote_replica(0)).await;
    let promoted = Instant::now();
    let at_promotion = count().await;
    until("50 more writes after the failover", Duration::from_secs(30), async || {
        count().await >= at_promotion + 50
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    writer.await.expect("writer");

    let status = db.cluster_status().expect("a cluster");
    assert_eq!(status.failovers, 1, "{status:?}");
    assert!(status.primary.contains(&format!(":{}/", pg.replica_port(0))), "{status:?}");
    let failures = failures.lock().await;
    assert!(!failures.is_empty(), "writes failed while there was no primary");
    for (kind, retryable, message) in failures.iter() {
        assert!(
            *retryable,
            "a write failed with a {kind:?} error that is not retryable: {message}"
        );
    }
    // Read back on the new primary itself: every acknowledged write is there.
    let stored: Vec<(Uuid,)> =
        db.on_primary().query("SELECT id FROM notes").fetch_all_as().await.expect("ids");
    let stored: std::collections::HashSet<Uuid> = stored.into_iter().map(|(id,)| id).collect();
    let acked = acked.lock().await;
    let lost: Vec<&Uuid> =
        acked.iter().map(|(id, _)| id).filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged writes are missing", lost.len(), acked.len());
    let resumed = acked.iter().map(|(_, at)| *at).find(|at| *at > promoted).expect("a write after");
    tests::announce(&format!(
        "failover: {} writes acknowledged, {} failed with retryable errors meanwhile, none lost; writes resumed {} ms after the promotion",
        acked.len(),
        failures.len(),
        resumed.duration_since(promoted).as_millis()
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mariadb_cluster_checks_its_replica_and_reads_there() {
    let Some(db) = TestDb::open(Backend::MySql, "cluster").await else { return };
    // The same server under two names: the primary's pool, and a replica's that is not
    // replicating from anyone (so it reports no lag).
    let cluster = Database::connect_cluster(
        ClusterConfig::new(db.fresh_config()).replica(db.fresh_config()).check_every(CHECK_EVERY),
    )
    .await
    .expect("cluster");
    let status = cluster.cluster_status().expect("a cluster");
    assert!(status.replicas[0].healthy, "{status:?}");
    assert_eq!(status.replicas[0].lag, Some(Duration::ZERO));
    cluster.ensure_schema::<Note>().await.expect("schema");
    cluster.repo::<Note>().save(&Note::new("x")).await.expect("write on the primary");
    assert_eq!(cluster.repo::<Note>().count().await.expect("count"), 1);
    cluster.on_primary().repo::<Note>().find().all().await.expect("read on the primary");
    assert_eq!(cluster.cluster_status().expect("a cluster").replicas[0].reads, 1);
}

#[tokio::test]
async fn clusters_refuse_what_they_cannot_route() {
    let e = Database::connect_cluster(ClusterConfig::new("sqlite::memory:")).await;
    let e = e.expect_err("sqlite has no replicas");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("sqlite has no replicas"), "{e}");
    let e = Database::connect_cluster(
        ClusterConfig::new("postgres://u@127.0.0.1:1/db").replica("mysql://u@127.0.0.1:1/db"),
    )
    .await
    .expect_err("mixed backends");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("one backend"), "{e}");
    let e = Database::connect_cluster(
        ClusterConfig::new("postgres://u@127.0.0.1:1/db").replica("nonsense"),
    )
    .await
    .expect_err("a bad URL");
    assert_eq!(e.kind(), ErrorKind::Config);
    let e = Database::connect_cluster(ClusterConfig::new("postgres://u@127.0.0.1:1/db"))
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert!(e.to_string().contains("no primary candidate accepts writes"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_lagging_past_the_bound_leaves_rotation_until_it_catches_up() {
    let Some(pg) = start(ClusterOptions { replicas: 1, synchronous: false }).await else { return };
    let db = Database::connect_cluster(
        ClusterConfig::new(pg.primary_url())
            .replica(pg.replica_url(0))
            .max_replica_lag(Duration::from_millis(500))
            .check_every(CHECK_EVERY),
    )
    .await
    .expect("cluster");
    db.ensure_schema::<Note>().await.expect("schema");
    pg.wait_until_replica_caught_up(0).expect("caught up");
    assert!(db.cluster_status().expect("a cluster").replicas[0].healthy);
    // Replay stops on the replica while the primary keeps writing: it falls behind.
    pg.psql(pg.replica_port(0), "SELECT pg_wal_replay_pause()").expect("pause replay");
    let notes = db.repo::<Note>();
    until("the lagging replica out of rotation", Duration::from_secs(20), async || {
        notes.save(&Note::new("while paused")).await.expect("write");
        !db.cluster_status().expect("a cluster").replicas[0].healthy
    })
    .await;
    let status = db.cluster_status().expect("a cluster");
    let why = status.replicas[0].last_error.clone().unwrap_or_default();
    assert!(why.contains("behind its primary"), "{status:?}");
    assert!(status.replicas[0].lag.is_some_and(|lag| lag > Duration::from_millis(500)));
    // Reads meanwhile see every write: they run on the primary.
    let written = notes.count().await.expect("count");
    assert!(written > 0);
    assert_eq!(written, db.on_primary().repo::<Note>().count().await.expect("count"));
    pg.psql(pg.replica_port(0), "SELECT pg_wal_replay_resume()").expect("resume replay");
    until("the caught-up replica back in rotation", Duration::from_secs(20), async || {
        db.cluster_status().expect("a cluster").replicas[0].healthy
    })
    .await;
    let before = db.cluster_status().expect("a cluster").replicas[0].reads;
    assert_eq!(notes.count().await.expect("count"), written, "the replica has every row");
    assert_eq!(db.cluster_status().expect("a cluster").replicas[0].reads, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_spread_round_robin_or_go_to_the_least_busy_replica() {
    let Some(pg) = start(ClusterOptions { replicas: 2, synchronous: false }).await else { return };
    // No health check between the reads: one would briefly hold a replica's connection and
    // make it look busy.
    const QUIET: Duration = Duration::from_secs(60);
    let reads = |db: &Database| -> Vec<u64> {
        db.cluster_status().expect("a cluster").replicas.iter().map(|r| r.reads).collect()
    };
    let db = Database::connect_cluster(
        ClusterConfig::new(pg.primary_url())
            .replica(pg.replica_url(0))
            .replica(pg.replica_url(1))
            .replica_selection(ReplicaSelection::RoundRobin)
            .check_every(QUIET),
    )
    .await
    .expect("cluster");
    for _ in 0..10 {
        db.query("SELECT 1").fetch_all().await.expect("read");
    }
    assert_eq!(reads(&db), vec![5, 5], "round robin takes each replica in turn");

    // The same servers under another alias: pools of their own, so the counts start at 0.
    let alias = tests::unique_name("least_busy");
    let aliased = |url: String| format!("{url}?alias={alias}");
    let least = Database::connect_cluster(
        ClusterConfig::new(aliased(pg.primary_url()))
            .replica(aliased(pg.replica_url(0)))
            .replica(aliased(pg.replica_url(1)))
            .replica_selection(ReplicaSelection::LeastBusy)
            .check_every(QUIET),
    )
    .await
    .expect("cluster");
    // Hold a connection of the first replica's pool: it is the busier one now.
    let first = dal::pool::PoolManager::global()
        .pool(&dal::DbConfig::from_url(&aliased(pg.replica_url(0))).expect("url"))
        .expect("the replica's pool");
    let held = first.acquire().await.expect("a connection of the first replica");
    for _ in 0..6 {
        least.query("SELECT 1").fetch_all().await.expect("read");
    }
    assert_eq!(reads(&least), vec![0, 6], "least busy avoids the replica with work in hand");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cancelled_by_the_replicas_recovery_runs_again_on_the_primary() {
    let Some(pg) = start(ClusterOptions { replicas: 1, synchronous: false }).await else { return };
    let db = Database::connect_cluster(
        ClusterConfig::new(pg.primary_url()).replica(pg.replica_url(0)).check_every(CHECK_EVERY),
    )
    .await
    .expect("cluster");
    db.ensure_schema::<Note>().await.expect("schema");
    db.repo::<Note>().save(&Note::new("one")).await.expect("save");
    pg.wait_until_replica_caught_up(0).expect("caught up");
    // The replica cancels a query in the way of replay at once instead of after 30 s.
    let replica = pg.replica_port(0);
    pg.psql(replica, "ALTER SYSTEM SET max_standby_streaming_delay = 0").expect("setting");
    pg.psql(replica, "SELECT pg_reload_conf()").expect("reload");
    // Sleeps on the replica until replay cancels it, not at all on the primary.
    let tag = tests::unique_name("probe");
    let read = {
        let (db, tag) = (db.clone(), tag.clone());
        tokio::spawn(async move {
            db.query(
                "SELECT CAST(count(*) AS BIGINT) FROM notes, \
                 pg_sleep(CASE WHEN pg_is_in_recovery() THEN 600 ELSE 0 END)",
            )
            .tag("probe", &tag)
            .fetch_one()
            .await
        })
    };
    until("the read running on the replica", HANG, async || {
        running_on(&pg, replica, &tag).await == 1
    })
    .await;
    // Replaying this lock needs the table the replica's query reads.
    pg.psql(pg.primary_port(), "BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; COMMIT")
        .expect("lock on the primary");
    let row = read.await.expect("read task").expect("the read succeeds anyway");
    assert_eq!(row.get::<i64>(0).expect("count"), 1);
    // The replica counts the conflict in its statistics, which backends flush within a second
    // or so: polled, the deadline only turns a hang into a failure.
    let conflicts = async || {
        let sql = "SELECT confl_lock FROM pg_stat_database_conflicts WHERE datname = 'postgres'";
        pg.psql(replica, sql).expect("conflicts").trim().to_owned()
    };
    until("the replica counting the cancelled read", HANG, async || conflicts().await != "0").await;
    assert_eq!(conflicts().await, "1", "the replica cancelled the read, once");
    let status = db.cluster_status().expect("a cluster");
    assert!(status.replicas[0].healthy, "a cancelled read leaves the replica in rotation");
    assert_eq!(status.fallback_reads, 1, "the read ran again on the primary");
}
