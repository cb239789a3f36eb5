//! SQLite's extended result codes, provoked one by one: one connection's codes in a table,
//! then the busy cases that need a second connection.

use super::*;
use ErrorKind::{Constraint, Data, Syntax, Usage};

const TABLE: &[&str] = &[
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id), \
     code TEXT UNIQUE, name TEXT NOT NULL DEFAULT 'x', n INTEGER CHECK (n >= 0))",
    "CREATE TABLE strict_t (n INTEGER) STRICT",
    "CREATE TRIGGER no_negative BEFORE INSERT ON strict_t WHEN NEW.n < 0 \
     BEGIN SELECT RAISE(ABORT, 'negative'); END",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id, code) VALUES (1, 1, 'a')",
];

const CASES: &[Case] = &[
    case(
        "unique",
        TABLE,
        "INSERT INTO child (id, code) VALUES (2, 'a')",
        "2067",
        Constraint,
        false,
    ),
    case("primary key", &[], "INSERT INTO child (id) VALUES (1)", "1555", Constraint, false),
    case(
        "foreign key",
        &[],
        "INSERT INTO child (id, parent_id) VALUES (3, 9)",
        "787",
        Constraint,
        false,
    ),
    case(
        "not null",
        &[],
        "INSERT INTO child (id, name) VALUES (4, NULL)",
        "1299",
        Constraint,
        false,
    ),
    case("check", &[], "INSERT INTO child (id, n) VALUES (5, -1)", "275", Constraint, false),
    case(
        "trigger RAISE(ABORT)",
        &[],
        "INSERT INTO strict_t (n) VALUES (-1)",
        "1811",
        Constraint,
        false,
    ),
    case("syntax", &[], "SELEC 1", "1", Syntax, false),
    case("unknown table", &[], "SELECT * FROM no_such_table", "1", Syntax, false),
    case("unknown column", &[], "SELECT no_such_column FROM child", "1", Syntax, false),
    case("unknown function", &[], "SELECT no_such_function(1)", "1", Syntax, false),
    case("table exists", &[], "CREATE TABLE child (id INTEGER)", "1", Syntax, false),
    case("integer overflow", &[], "SELECT abs(-9223372036854775808)", "1", Data, false),
    case("malformed JSON", &[], "SELECT json('{')", "1", Data, false),
    case("too big", &[], "SELECT zeroblob(2000000000)", "18", Data, false),
    case("datatype mismatch", &[], "INSERT INTO child (id) VALUES ('abc')", "20", Data, false),
    case("strict table type", &[], "INSERT INTO strict_t (n) VALUES ('abc')", "3091", Data, false),
    read_only(case(
        "read-only transaction",
        &[],
        "INSERT INTO parent (id) VALUES (2)",
        "8",
        Usage,
        false,
    )),
];

async fn open(test: &str) -> Option<TestDb> {
    TestDb::open(Backend::Sqlite, test).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_codes_of_one_connection() {
    let Some(db) = open("codes").await else { return };
    run_cases(&db, CASES).await;
}

/// A writer waits the busy timeout for another connection's write lock, then gives up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_busy() {
    let Some(db) = open("busy").await else { return };
    two_rows(&db, "lk").await;
    let holder = lock_row(&db, "lk").await;
    let conn = db.connection().await.expect("a second connection");
    conn.query("PRAGMA busy_timeout = 50").execute().await.expect("set");
    let e = conn
        .query("UPDATE lk SET n = 5 WHERE id = 2")
        .execute()
        .await
        .expect_err("the database stays locked past the busy timeout");
    assert_error("busy", &e, "5", ErrorKind::Serialization, true);
    conn.query("PRAGMA busy_timeout = 5000").execute().await.expect("reset");
    holder.rollback().await.expect("rollback the holder");
}

/// A deferred transaction read a snapshot; another connection committed a write since, so
/// the first cannot write from its stale snapshot (WAL mode).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_busy_snapshot() {
    let Some(db) = open("busy_snapshot").await else { return };
    two_rows(&db, "sr").await;
    let conn = db.connection().await.expect("a connection");
    conn.query("BEGIN DEFERRED").execute().await.expect("begin");
    conn.query("SELECT n FROM sr WHERE id = 1").fetch_all().await.expect("snapshot taken");
    db.query("UPDATE sr SET n = 1 WHERE id = 1").execute().await.expect("another write");
    let e = conn
        .query("UPDATE sr SET n = 2 WHERE id = 1")
        .execute()
        .await
        .expect_err("the snapshot is stale");
    assert_error("busy snapshot", &e, "517", ErrorKind::Serialization, true);
    conn.query("ROLLBACK").execute().await.expect("rollback");
}
