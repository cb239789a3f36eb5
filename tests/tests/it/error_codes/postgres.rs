//! PostgreSQL's SQLSTATE codes, provoked on the server: one connection's codes in a table,
//! then the cases that need a second session or a failing connect.

use super::*;
use ErrorKind::{Constraint, Data, Syntax, Usage};

const TABLE: &[&str] = &[
    "CREATE TABLE parent (id INT PRIMARY KEY)",
    "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT REFERENCES parent (id), \
     name VARCHAR(3) NOT NULL DEFAULT 'x', n SMALLINT CHECK (n >= 0))",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id) VALUES (1, 1)",
];

const CASES: &[Case] = &[
    case("unique", TABLE, "INSERT INTO child (id) VALUES (1)", "23505", Constraint, false),
    case(
        "foreign key",
        &[],
        "INSERT INTO child (id, parent_id) VALUES (2, 9)",
        "23503",
        Constraint,
        false,
    ),
    case(
        "not null",
        &[],
        "INSERT INTO child (id, name) VALUES (3, NULL)",
        "23502",
        Constraint,
        false,
    ),
    case("check", &[], "INSERT INTO child (id, n) VALUES (4, -1)", "23514", Constraint, false),
    case(
        "exclusion",
        &[
            "CREATE TABLE booking (r INT4RANGE, EXCLUDE USING gist (r WITH &&))",
            "INSERT INTO booking (r) VALUES ('[1,5)')",
        ],
        "INSERT INTO booking (r) VALUES ('[3,8)')",
        "23P01",
        Constraint,
        false,
    ),
    case("syntax", &[], "SELEC 1", "42601", Syntax, false),
    case("unknown table", &[], "SELECT * FROM no_such_table", "42P01", Syntax, false),
    case("unknown column", &[], "SELECT no_such_column FROM child", "42703", Syntax, false),
    case("unknown function", &[], "SELECT no_such_function(1)", "42883", Syntax, false),
    case("table exists", &[], "CREATE TABLE child (id INT)", "42P07", Syntax, false),
    case("division by zero", &[], "SELECT 1 / 0", "22012", Data, false),
    case(
        "value too long",
        &[],
        "INSERT INTO child (id, name) VALUES (5, 'abcd')",
        "22001",
        Data,
        false,
    ),
    case("out of range", &[], "INSERT INTO child (id, n) VALUES (6, 70000)", "22003", Data, false),
    case("not a number", &[], "SELECT CAST('abc' AS INT)", "22P02", Data, false),
    case("bad date", &[], "SELECT CAST('2020-13-45' AS DATE)", "22008", Data, false),
    read_only(case(
        "read-only transaction",
        &[],
        "INSERT INTO parent (id) VALUES (2)",
        "25006",
        Usage,
        false,
    )),
];

async fn open(test: &str) -> Option<TestDb> {
    TestDb::open(Backend::Postgres, test).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_codes_of_one_connection() {
    let Some(db) = open("codes").await else { return };
    run_cases(&db, CASES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statement_after_a_failed_one_in_a_transaction() {
    let Some(db) = open("failed_tx").await else { return };
    let tx = db.begin().await.expect("begin");
    tx.query("SELECT 1 / 0").execute().await.expect_err("division by zero");
    let e = tx.query("SELECT 1").execute().await.expect_err("the transaction is aborted");
    assert_error("in failed transaction", &e, "25P02", Usage, false);
    tx.rollback().await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statement_timeout() {
    let Some(db) = open("statement_timeout").await else { return };
    let conn = db.connection().await.expect("a connection");
    conn.query("SET statement_timeout = '50ms'").execute().await.expect("set");
    let e = conn.query("SELECT pg_sleep(1)").execute().await.expect_err("canceled");
    assert_error("statement timeout", &e, "57014", ErrorKind::Timeout, true);
    conn.query("RESET statement_timeout").execute().await.expect("the session goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_timeout() {
    let Some(db) = open("lock_timeout").await else { return };
    two_rows(&db, "lk").await;
    let holder = lock_row(&db, "lk").await;
    let waiter = db.begin().await.expect("begin the waiter");
    waiter.query("SET LOCAL lock_timeout = '100ms'").execute().await.expect("set");
    let e = waiter
        .query("UPDATE lk SET n = 5 WHERE id = 1")
        .execute()
        .await
        .expect_err("row 1 stays locked past the lock timeout");
    assert_error("lock timeout", &e, "55P03", ErrorKind::Serialization, true);
    waiter.rollback().await.expect("rollback the waiter");
    holder.rollback().await.expect("rollback the holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_nowait() {
    let Some(db) = open("lock_nowait").await else { return };
    two_rows(&db, "lk").await;
    let holder = lock_row(&db, "lk").await;
    let e = db
        .query("SELECT n FROM lk WHERE id = 1 FOR UPDATE NOWAIT")
        .fetch_all()
        .await
        .expect_err("row 1 is locked");
    assert_error("NOWAIT", &e, "55P03", ErrorKind::Serialization, true);
    holder.rollback().await.expect("rollback the holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_deadlock() {
    let Some(db) = open("deadlock").await else { return };
    assert_one_deadlock_victim(deadlock(&db).await, "40P01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_serialization_failure() {
    let Some(db) = open("serialization").await else { return };
    two_rows(&db, "sr").await;
    let serializable = TransactionOptions::new().isolation(IsolationLevel::Serializable);
    let first = db.begin_with(serializable).await.expect("begin the first");
    first.query("SELECT n FROM sr WHERE id = 1").fetch_all().await.expect("snapshot taken");
    let second = db.begin_with(serializable).await.expect("begin the second");
    second.query("UPDATE sr SET n = 1 WHERE id = 1").execute().await.expect("update");
    second.commit().await.expect("the second commits first");
    let e = first
        .query("UPDATE sr SET n = 2 WHERE id = 1")
        .execute()
        .await
        .expect_err("the row changed since the first's snapshot");
    assert_error("serialization failure", &e, "40001", ErrorKind::Serialization, true);
    first.rollback().await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_terminated_session() {
    let Some(db) = open("terminated").await else { return };
    let e = use_an_ended_session(&db).await;
    assert_error("terminated session", &e, "57P01", ErrorKind::Connection, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connect_errors_wrap_the_server_code() {
    let Some(db) = open("connect_codes").await else { return };
    let base = db.fresh_config().connect_timeout(Duration::from_secs(5));
    let e = connect_error(base.clone().database("dal_no_such_database")).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.code(), None, "the connect error itself has no code: {e:?}");
    assert_error("unknown database", server_cause(&e), "3D000", ErrorKind::Config, false);
    let e = connect_error(base.user("dal_no_such_role")).await;
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_error("unknown role", server_cause(&e), "28000", ErrorKind::Config, false);
}
