//! MariaDB's error numbers, provoked on the server: one connection's codes in a table, then
//! the cases that need a second session or a failing connect.

use super::*;
use ErrorKind::{Constraint, Data, Syntax, Usage};

const TABLE: &[&str] = &[
    "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE = InnoDB",
    "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, name VARCHAR(3) NOT NULL DEFAULT 'x', \
     n SMALLINT CHECK (n >= 0), d DATE, e ENUM('a', 'b'), \
     FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE = InnoDB",
    "CREATE TABLE no_default (id INT PRIMARY KEY, x INT NOT NULL)",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id) VALUES (1, 1)",
];

const CASES: &[Case] = &[
    case("duplicate key", TABLE, "INSERT INTO child (id) VALUES (1)", "1062", Constraint, false),
    case(
        "foreign key: no parent",
        &[],
        "INSERT INTO child (id, parent_id) VALUES (2, 9)",
        "1452",
        Constraint,
        false,
    ),
    case(
        "foreign key: parent in use",
        &[],
        "DELETE FROM parent WHERE id = 1",
        "1451",
        Constraint,
        false,
    ),
    case(
        "not null",
        &[],
        "INSERT INTO child (id, name) VALUES (3, NULL)",
        "1048",
        Constraint,
        false,
    ),
    case("check", &[], "INSERT INTO child (id, n) VALUES (4, -1)", "4025", Constraint, false),
    case("no default", &[], "INSERT INTO no_default (id) VALUES (1)", "1364", Constraint, false),
    case("syntax", &[], "SELEC 1", "1064", Syntax, false),
    case("unknown table", &[], "SELECT * FROM no_such_table", "1146", Syntax, false),
    case("unknown column", &[], "SELECT no_such_column FROM child", "1054", Syntax, false),
    case("unknown function", &[], "SELECT no_such_function(1)", "1305", Syntax, false),
    case("table exists", &[], "CREATE TABLE child (id INT)", "1050", Syntax, false),
    case("duplicate column", &[], "CREATE TABLE twice (a INT, a INT)", "1060", Syntax, false),
    case(
        "drop unknown column",
        &[],
        "ALTER TABLE child DROP COLUMN no_such_column",
        "1091",
        Syntax,
        false,
    ),
    case("empty query", &[], ";", "1065", Syntax, false),
    case(
        "division by zero",
        &[],
        "INSERT INTO child (id, n) VALUES (5, 1 / 0)",
        "1365",
        Data,
        false,
    ),
    case(
        "value too long",
        &[],
        "INSERT INTO child (id, name) VALUES (6, 'abcd')",
        "1406",
        Data,
        false,
    ),
    case("out of range", &[], "INSERT INTO child (id, n) VALUES (7, 70000)", "1264", Data, false),
    case("not a number", &[], "INSERT INTO child (id, n) VALUES (8, 'abc')", "1366", Data, false),
    case(
        "bad date",
        &[],
        "INSERT INTO child (id, d) VALUES (9, '2020-13-45')",
        "1292",
        Data,
        false,
    ),
    case(
        "not an enum value",
        &[],
        "INSERT INTO child (id, e) VALUES (10, 'c')",
        "1265",
        Data,
        false,
    ),
    case("unsigned out of range", &[], "SELECT CAST(0 AS UNSIGNED) - 1", "1690", Data, false),
    case(
        "max_statement_time",
        &[],
        "SET STATEMENT max_statement_time = 0.05 FOR SELECT SLEEP(1)",
        "1969",
        ErrorKind::Timeout,
        true,
    ),
    read_only(case(
        "read-only transaction",
        &[],
        "INSERT INTO parent (id) VALUES (2)",
        "1792",
        Usage,
        false,
    )),
];

async fn open(test: &str) -> Option<TestDb> {
    TestDb::open(Backend::MySql, test).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_codes_of_one_connection() {
    let Some(db) = open("codes").await else { return };
    run_cases(&db, CASES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lock_wait_timeout_and_nowait() {
    let Some(db) = open("lock_wait").await else { return };
    two_rows(&db, "lk").await;
    let holder = lock_row(&db, "lk").await;
    let e = db
        .query("SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE lk SET n = 5 WHERE id = 1")
        .execute()
        .await
        .expect_err("row 1 stays locked past the lock wait timeout");
    assert_error("lock wait timeout", &e, "1205", ErrorKind::Serialization, true);
    let e = db
        .query("SELECT n FROM lk WHERE id = 1 FOR UPDATE NOWAIT")
        .fetch_all()
        .await
        .expect_err("row 1 is locked");
    assert_error("NOWAIT", &e, "1205", ErrorKind::Serialization, true);
    holder.rollback().await.expect("rollback the holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_deadlock() {
    let Some(db) = open("deadlock").await else { return };
    assert_one_deadlock_victim(deadlock(&db).await, "1213");
}

/// MariaDB's `innodb_snapshot_isolation`: a write to a row changed since the transaction's
/// snapshot fails instead of silently writing over the other transaction's change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_snapshot_isolation_conflict() {
    let Some(db) = open("snapshot").await else { return };
    two_rows(&db, "sr").await;
    let conn = db.connection().await.expect("a connection");
    conn.query("SET SESSION innodb_snapshot_isolation = ON").execute().await.expect("set");
    let repeatable = TransactionOptions::new().isolation(IsolationLevel::RepeatableRead);
    let first = conn.begin_with(repeatable).await.expect("begin the first");
    first.query("SELECT n FROM sr WHERE id = 1").fetch_all().await.expect("snapshot taken");
    db.query("UPDATE sr SET n = 1 WHERE id = 1").execute().await.expect("another write");
    let e = first
        .query("UPDATE sr SET n = 2 WHERE id = 1")
        .execute()
        .await
        .expect_err("the row changed since the snapshot");
    assert_error("snapshot isolation", &e, "1020", ErrorKind::Serialization, true);
    first.rollback().await.expect("rollback");
    conn.query("SET SESSION innodb_snapshot_isolation = OFF").execute().await.expect("reset");
}

/// MariaDB closes a killed session's socket without an error packet (1927 is not sent),
/// so the client sees the connection end: an I/O error, with no server code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_killed_connection() {
    let Some(db) = open("killed").await else { return };
    let e = use_an_ended_session(&db).await;
    assert_eq!(e.code(), None, "killed connection: an I/O error has no code: {e:?}");
    assert_eq!(e.kind(), ErrorKind::Connection, "killed connection: {e}");
    assert!(e.is_retryable(), "killed connection: {e}");
    assert!(e.to_string().starts_with("lost the connection to mysql: "), "{e}");
}

/// `KILL QUERY` stops the statement (here one waiting for a row lock) and keeps the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_killed_query() {
    let Some(db) = open("killed_query").await else { return };
    two_rows(&db, "lk").await;
    let holder = lock_row(&db, "lk").await;
    let conn = db.connection().await.expect("a connection");
    let id: i64 = conn
        .query("SELECT CAST(CONNECTION_ID() AS SIGNED)")
        .fetch_one()
        .await
        .expect("session id")
        .get(0)
        .expect("an integer");
    let waiter = conn.query("UPDATE lk SET n = 5 WHERE id = 1").execute();
    let killer = async {
        let running = "SELECT COUNT(*) FROM information_schema.processlist \
                       WHERE id = ? AND info LIKE 'UPDATE lk%'";
        // Polled; the deadline only turns a hang into a failure.
        let started = tokio::time::Instant::now();
        loop {
            let row = db.query(running).bind(id).fetch_one().await.expect("processlist");
            if row.get::<i64>(0).expect("count") == 1 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the UPDATE never waited");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        db.query(&format!("KILL QUERY {id}")).execute().await.expect("kill the query");
    };
    let (result, ()) = tokio::join!(waiter, killer);
    let e = result.expect_err("the query was killed");
    assert_error("killed query", &e, "1317", ErrorKind::Timeout, true);
    conn.query("SELECT 1").fetch_all().await.expect("the session goes on");
    holder.rollback().await.expect("rollback the holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_connect_errors_wrap_the_server_code() {
    let Some(db) = open("connect_codes").await else { return };
    let base = db.fresh_config().connect_timeout(Duration::from_secs(5));
    let e = connect_error(base.clone().database("dal_no_such_database")).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.code(), None, "the connect error itself has no code: {e:?}");
    assert_error("unknown database", server_cause(&e), "1049", ErrorKind::Config, false);
    let e = connect_error(base.user("dal_no_such_user")).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_error("unknown user", server_cause(&e), "1045", ErrorKind::Config, false);
}
