//! A third-party driver, written only against the public driver traits
//! (`tests::RecordingDriver`, wrapping the built-in SQLite driver), runs everything dal does
//! above the driver: entities with history in transactions, raw queries, rows of its own
//! through `RowSource`, and its errors' categories decide what happens to the connection.

use std::time::Duration;

use dal::pool::Pool;
use dal::{Backend, Database, DbConfig, ErrorKind};
use tests::{RECORDED_TABLE, RecordingDriver, StatementLog};

use crate::entities::Member;

/// A pool on a fresh SQLite file through the recording driver, with its log.
fn recorded(name: &str) -> (Database, std::sync::Arc<StatementLog>, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("{}.db", tests::unique_name(name)));
    let config = DbConfig::new(Backend::Sqlite).database(path.to_string_lossy()).max_connections(2);
    let driver = RecordingDriver::wrapping(Backend::Sqlite);
    let log = driver.log();
    let db = Database::from_pool(Pool::with_driver(config, driver).expect("the driver fits"));
    (db, log, path)
}

async fn finish(db: Database, path: std::path::PathBuf) {
    db.pool().close(Duration::from_secs(5)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_party_driver_runs_entities_with_history_in_transactions() {
    let (db, log, path) = recorded("driver_entities");
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let saved = members.save(&Member::new("Ada")).await.expect("insert");
    let renamed =
        members.save(&Member { name: "Ada L.".into(), ..saved.clone() }).await.expect("update");
    assert_eq!(renamed.version, 2);
    let history = members.history(saved.id).await.expect("history");
    assert_eq!(history.iter().map(|h| h.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(db.server_info().await.expect("info").driver, "recording");

    // The update ran as one transaction: the version-checked update and its history row
    // between BEGIN and COMMIT, all through the driver.
    let statements = log.statements();
    let update = statements
        .iter()
        .position(|s| s.starts_with("UPDATE") && s.contains("members"))
        .expect("the update went through the driver");
    let begin = statements[..update].iter().rposition(|s| s.starts_with("BEGIN")).expect("BEGIN");
    let commit = update + statements[update..].iter().position(|s| s == "COMMIT").expect("COMMIT");
    assert!(
        statements[begin..commit]
            .iter()
            .any(|s| s.starts_with("INSERT INTO") && s.contains("members_history")),
        "the history row is written inside the transaction: {:?}",
        &statements[begin..=commit]
    );
    finish(db, path).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_the_drivers_own_read_through_dal_types() {
    let (db, _log, path) = recorded("driver_rows");
    db.query("SELECT ? + 1").bind(1_i64).fetch_all().await.expect("a real query");
    let sql = format!("SELECT position, sql FROM {RECORDED_TABLE}");
    let rows: Vec<(i64, String)> = db.query(&sql).fetch_all_as().await.expect("from memory");
    assert_eq!(rows.first().map(|r| r.0), Some(1));
    assert!(rows.iter().any(|(_, s)| s == "SELECT ? + 1"), "{rows:?}");
    let row = db.query(&sql).fetch_one().await.expect("one row");
    assert_eq!(row.get::<String>("position").expect("converted by the driver"), "1");
    let e = row.get::<bool>("sql").expect_err("text is no boolean");
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("cannot read column 1 (`sql`) as Bool"), "{e}");
    finish(db, path).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drivers_error_category_decides_the_connections_fate() {
    let (db, log, path) = recorded("driver_faults");
    db.query("SELECT 1").fetch_all().await.expect("warm");
    assert_eq!(db.pool().status().size, 1);
    // A syntax-like failure leaves the connection in the pool.
    log.fail_in(1, ErrorKind::Syntax);
    let e = db.query("SELECT 2").fetch_all().await.expect_err("injected");
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(db.pool().status().size, 1, "kept after a statement error");
    // A connection failure closes it; the next statement gets a new one.
    log.fail_in(1, ErrorKind::Connection);
    let e = db.query("SELECT 3").fetch_all().await.expect_err("injected");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert_eq!(db.pool().status().size, 0, "closed after a connection failure");
    db.query("SELECT 4").fetch_all().await.expect("a new connection");
    assert_eq!(db.pool().metrics().errors.get("connection").copied(), Some(1));
    finish(db, path).await;
}
