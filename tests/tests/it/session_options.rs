//! Session settings from the configuration reach every new connection, with the defaults the
//! docs promise, and options a backend does not take are refused by name.

use std::time::Duration;

use dal::{Backend, Database, ErrorKind};
use tests::TestDb;

/// Holds `n` connections of `db` at once (so each is a different session) and returns what
/// `sql` answers on each, as text.
async fn on_each_of(db: &Database, n: usize, sql: &str) -> Vec<Vec<String>> {
    let mut held = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..n {
        let conn = db.connection().await.expect("a connection");
        let row = conn.query(sql).fetch_one().await.expect("the settings query runs");
        let columns = (0..row.len()).map(|i| row.get::<String>(i).expect("text")).collect();
        answers.push(columns);
        held.push(conn);
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_sessions_are_strict_in_utc_and_utf8mb4_by_default() {
    let Some(db) = TestDb::open(Backend::MySql, "mysql_defaults").await else { return };
    let [settings] = &on_each_of(
        &db,
        1,
        "SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@SESSION.character_set_client",
    )
    .await[..] else {
        unreachable!("one connection")
    };
    let modes: Vec<&str> = settings[0].split(',').collect();
    for mode in ["STRICT_TRANS_TABLES", "STRICT_ALL_TABLES", "NO_ZERO_DATE", "NO_ZERO_IN_DATE"] {
        assert!(modes.contains(&mode), "TRADITIONAL includes {mode}: {modes:?}");
    }
    assert!(modes.contains(&"ERROR_FOR_DIVISION_BY_ZERO"), "{modes:?}");
    assert!(modes.contains(&"PIPES_AS_CONCAT"), "|| concatenates as elsewhere: {modes:?}");
    assert_eq!(settings[1], "+00:00");
    assert_eq!(settings[2], "utf8mb4");
    // Strictness at work: a zero date is an error, not a stored 0000-00-00.
    db.query("CREATE TABLE d (day DATE)").execute().await.expect("create");
    let e = db
        .query("INSERT INTO d (day) VALUES ('0000-00-00')")
        .execute()
        .await
        .expect_err("NO_ZERO_DATE in strict mode");
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    let concat: String =
        db.query("SELECT 'a' || 'b'").fetch_one().await.expect("concat").get(0).expect("text");
    assert_eq!(concat, "ab");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_session_options_apply_to_every_new_connection() {
    let Some(db) = TestDb::open(Backend::MySql, "mysql_options").await else { return };
    let config = db
        .fresh_config()
        .option("sql_mode", "ANSI_QUOTES,STRICT_ALL_TABLES")
        .option("time_zone", "+02:00")
        .option("charset", "utf8mb4")
        .option("collation", "utf8mb4_bin")
        .max_connections(3);
    let custom = Database::connect(config).await.expect("connects");
    let answers = on_each_of(
        &custom,
        3,
        "SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@SESSION.collation_connection, \
         CAST(CONNECTION_ID() AS CHAR)",
    )
    .await;
    let sessions: std::collections::HashSet<&String> = answers.iter().map(|a| &a[3]).collect();
    assert_eq!(sessions.len(), 3, "three sessions: {answers:?}");
    for a in &answers {
        assert_eq!(a[0], "ANSI_QUOTES,STRICT_ALL_TABLES", "{a:?}");
        assert_eq!((a[1].as_str(), a[2].as_str()), ("+02:00", "utf8mb4_bin"), "{a:?}");
    }
    custom.pool().close(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_session_options_apply_to_every_new_connection() {
    let Some(db) = TestDb::open(Backend::Sqlite, "sqlite_options").await else { return };
    let config = db
        .fresh_config()
        .option("busy_timeout", "250ms")
        .option("synchronous", "full")
        .option("cache_size", "-4000")
        .max_connections(2);
    let custom = Database::connect(config).await.expect("connects");
    let answers = on_each_of(
        &custom,
        2,
        "SELECT CAST(b.timeout AS TEXT), CAST(s.synchronous AS TEXT), CAST(c.cache_size AS TEXT) \
         FROM pragma_busy_timeout AS b, pragma_synchronous AS s, pragma_cache_size AS c",
    )
    .await;
    for a in &answers {
        assert_eq!(a, &["250", "2", "-4000"], "busy_timeout, synchronous FULL, cache_size");
    }
    custom.pool().close(Duration::from_secs(5)).await;
    // journal_mode is a property of the file: a fresh file in DELETE mode.
    let path = std::env::temp_dir().join(format!("{}.db", tests::unique_name("journal")));
    let url = format!("sqlite://{}?journal_mode=delete", path.display());
    let other = Database::connect(url.as_str()).await.expect("connects");
    let mode: String = other
        .query("SELECT journal_mode FROM pragma_journal_mode")
        .fetch_one()
        .await
        .expect("pragma")
        .get(0)
        .expect("text");
    assert_eq!(mode, "delete");
    other.pool().close(Duration::from_secs(5)).await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_session_options_apply_to_every_new_connection() {
    let Some(db) = TestDb::open(Backend::Postgres, "pg_options").await else { return };
    let config = db
        .fresh_config()
        .option("application_name", "dal options test")
        .server_setting("statement_timeout", "1234ms")
        .option("options", "-c lock_timeout=2s -c work_mem=5MB")
        .max_connections(2);
    let custom = Database::connect(config).await.expect("connects");
    let answers = on_each_of(
        &custom,
        2,
        "SELECT current_setting('application_name'), current_setting('statement_timeout'), \
         current_setting('lock_timeout'), current_setting('work_mem'), current_setting('search_path')",
    )
    .await;
    for a in &answers {
        assert_eq!(a[..4], ["dal options test", "1234ms", "2s", "5MB"], "{a:?}");
        // The test harness isolates each test with search_path: kept along the others.
        assert!(a[4].starts_with("dal_pg_options"), "{a:?}");
    }
    custom.pool().close(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn options_a_backend_does_not_take_are_refused_by_name() {
    let cases = [
        (
            "postgres://u:secret@127.0.0.1/d?statment_timeout=5s",
            "unknown postgres option `statment_timeout`",
        ),
        ("postgres://u@127.0.0.1/d?options[bad name]=1", "`bad name` is not a server setting name"),
        ("postgres://u@127.0.0.1/d?options=-x%20y", "must be `-c name=value` pairs"),
        ("mysql://u:secret@127.0.0.1/d?sqlmode=ANSI", "unknown mysql option `sqlmode`"),
        (
            "mysql://u@127.0.0.1/d?time_zone=%2B00:00'%3B%20DROP",
            "the mysql option `time_zone` has characters it cannot hold",
        ),
        ("sqlite::memory:?journal=wal", "unknown sqlite option `journal`"),
        (
            "sqlite::memory:?synchronous=sometimes",
            "the sqlite option `synchronous` must be off, normal, full or extra",
        ),
        ("sqlite::memory:?sslmode=require", "TLS options are for PostgreSQL and MySQL/MariaDB"),
    ];
    for (url, expected) in cases {
        let e = Database::connect_lazy(url).expect_err(url);
        assert_eq!(e.kind(), ErrorKind::Config, "{url}: {e}");
        assert!(e.to_string().contains(expected), "{url}: {e}");
        assert!(!e.to_string().contains("secret"), "{url}: {e}");
    }
}
