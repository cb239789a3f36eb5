//! `PoolManager::close_all_on_signal` in a real process: a child service (the
//! `shutdown_on_signal` binary) gets SIGTERM from the outside, closes its pools, ends its
//! session on the server so the transaction in flight rolls back there, and exits.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use dal::Backend;
use tests::TestDb;

/// Past this, a step that must happen is a hang, and a failure.
const HANG: Duration = Duration::from_secs(60);

async fn sessions_of(db: &TestDb, app: &str, what: &str) -> i64 {
    let sql = match what {
        "sleeping" => {
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? \
             AND state = 'active' AND query LIKE 'SELECT pg_sleep(600)%'"
        }
        _ => "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?",
    };
    db.query(sql).bind(app).fetch_one().await.expect("activity").get(0).expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_pool_and_rolls_back_the_work_in_flight() {
    let Some(db) = TestDb::open(Backend::Postgres, "close_on_signal").await else { return };
    db.query("CREATE TABLE t (n INTEGER)").execute().await.expect("create");
    let schema: String = db
        .query("SELECT current_schema()")
        .fetch_one()
        .await
        .expect("schema")
        .get(0)
        .expect("text");
    let app = tests::unique_name("on_signal");
    let url = tests::server_url(Backend::Postgres).expect("server");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shutdown_on_signal"))
        .args([&url, &schema, &app])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child starts");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (tx, mut said) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Some(Ok(line)) = lines.next() {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let next_line = async |said: &mut tokio::sync::mpsc::UnboundedReceiver<String>| {
        let got = tokio::time::timeout(HANG, said.recv()).await;
        got.expect("the child hung").expect("the child ended early")
    };
    assert_eq!(next_line(&mut said).await, "ready");
    tokio::time::timeout(HANG, async {
        while sessions_of(&db, &app, "sleeping").await == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the long statement never started");

    let sent = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill runs");
    assert!(sent.success(), "SIGTERM was sent");
    let closed = next_line(&mut said).await;
    assert!(closed.starts_with("closed clean=false long="), "{closed}");
    assert!(!closed.ends_with("long=committed"), "the forced transaction committed: {closed}");
    let status = tokio::task::spawn_blocking(move || child.wait()).await.expect("wait");
    assert!(status.expect("exit status").success(), "the child exits normally after closing");

    // On the server: the short write stayed, the forced one rolled back, no session is left.
    let rows: Vec<(i32,)> =
        db.query("SELECT n FROM t ORDER BY n").fetch_all_as().await.expect("rows");
    assert_eq!(rows, vec![(1,)], "the work in flight rolled back on the server");
    // The forced session was gone before the child's statement returned (it would have run
    // for ten minutes otherwise); its idle ones end as their backends notice the close.
    tokio::time::timeout(HANG, async {
        while sessions_of(&db, &app, "any").await != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("a session of the child stayed open");
}
