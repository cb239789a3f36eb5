//! The server error codes of `dal-runtime/src/error_codes.md`, provoked one by one on real
//! servers: each case asserts the exact code, the category and whether a retry may help.
//!
//! One table-driven test per backend runs the cases a single connection can provoke; the cases
//! that need a second session (locks, deadlocks, serialization, ended sessions) or a failing
//! connect are tests of their own. Codes the table documents but no test provokes are marked
//! "not provoked in tests" there.
//!
//! This file holds the harness; each backend's cases are in its own file.

use std::time::Duration;

use dal::{Backend, Database, DbConfig, Error, ErrorKind, IsolationLevel, TransactionOptions};
use tests::TestDb;

/// How a case runs its provoking statement.
#[derive(Debug, Clone, Copy)]
enum Run {
    /// On one pinned connection, after the setup on the same connection.
    Plain,
    /// Inside a read-only transaction (setup runs before, outside it).
    ReadOnly,
}

/// One provoked error: what sets it up, what fails, and what dal must make of it.
struct Case {
    name: &'static str,
    setup: &'static [&'static str],
    sql: &'static str,
    code: &'static str,
    kind: ErrorKind,
    retryable: bool,
    run: Run,
}

const fn case(
    name: &'static str,
    setup: &'static [&'static str],
    sql: &'static str,
    code: &'static str,
    kind: ErrorKind,
    retryable: bool,
) -> Case {
    Case { name, setup, sql, code, kind, retryable, run: Run::Plain }
}

const fn read_only(mut c: Case) -> Case {
    c.run = Run::ReadOnly;
    c
}

/// Asserts code, kind and retryability of `e`, naming the case in every message.
fn assert_error(name: &str, e: &Error, code: &str, kind: ErrorKind, retryable: bool) {
    assert_eq!(e.code(), Some(code), "{name}: code of {e:?}");
    assert_eq!(e.kind(), kind, "{name}: kind of {e}");
    assert_eq!(e.is_retryable(), retryable, "{name}: is_retryable of {e}");
}

async fn run_case(db: &Database, c: &Case) {
    let conn = db.connection().await.expect("a connection");
    for sql in c.setup {
        conn.query(sql)
            .execute()
            .await
            .unwrap_or_else(|e| panic!("{}: setup `{sql}`: {e}", c.name));
    }
    let result = match c.run {
        Run::Plain => conn.query(c.sql).execute().await,
        Run::ReadOnly => {
            let tx =
                conn.begin_with(TransactionOptions::new().read_only(true)).await.expect("begin");
            let result = tx.query(c.sql).execute().await;
            tx.rollback().await.unwrap_or_else(|e| panic!("{}: rollback: {e}", c.name));
            result
        }
    };
    let e = result.expect_err(c.name);
    assert_error(c.name, &e, c.code, c.kind, c.retryable);
}

async fn run_cases(db: &Database, cases: &[Case]) {
    for c in cases {
        run_case(db, c).await;
    }
}

/// Holds a row lock of `table` row 1 in a transaction of its own until dropped.
async fn lock_row(db: &Database, table: &str) -> dal::Transaction {
    let holder = db.begin().await.expect("begin the holder");
    let sql = format!("UPDATE {table} SET n = n + 1 WHERE id = 1");
    holder.query(&sql).execute().await.expect("the holder locks row 1");
    holder
}

/// Creates `table (id, n)` with rows 1 and 2.
async fn two_rows(db: &Database, table: &str) {
    db.query(&format!("CREATE TABLE {table} (id INT PRIMARY KEY, n INT NOT NULL)"))
        .execute()
        .await
        .expect("create");
    db.query(&format!("INSERT INTO {table} (id, n) VALUES (1, 0), (2, 0)"))
        .execute()
        .await
        .expect("insert");
}

/// Two transactions lock rows 1 and 2, then each updates the other's row. Returns both
/// outcomes; the loser rolls back at once so the winner can go on.
async fn deadlock(db: &Database) -> [dal::Result<()>; 2] {
    two_rows(db, "dl").await;
    let a = db.begin().await.expect("begin a");
    let b = db.begin().await.expect("begin b");
    a.query("UPDATE dl SET n = 1 WHERE id = 1").execute().await.expect("a locks 1");
    b.query("UPDATE dl SET n = 1 WHERE id = 2").execute().await.expect("b locks 2");
    let cross = |tx: dal::Transaction, id: i32| async move {
        match tx.query("UPDATE dl SET n = 2 WHERE id = ?").bind(id).execute().await {
            Ok(_) => tx.commit().await,
            Err(e) => {
                tx.rollback().await.expect("the loser rolls back");
                Err(e)
            }
        }
    };
    let (ra, rb) = tokio::join!(cross(a, 2), cross(b, 1));
    [ra, rb]
}

/// Exactly one of the two transactions lost the deadlock, with `code`.
fn assert_one_deadlock_victim(outcomes: [dal::Result<()>; 2], code: &str) {
    let errors: Vec<Error> = outcomes.into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "deadlock: exactly one transaction loses: {errors:?}");
    assert_error("deadlock", &errors[0], code, ErrorKind::Serialization, true);
}

/// A connection whose session is ended from another one; the next statement on it fails.
async fn use_an_ended_session(db: &Database) -> Error {
    let dialect = db.dialect();
    let conn = db.connection().await.expect("a connection");
    let id: i64 = conn
        .query(dialect.session_id_sql().expect("server"))
        .fetch_one()
        .await
        .expect("session id")
        .get(0)
        .expect("an integer");
    let kill = dialect.terminate_session_sql(id).expect("server");
    db.query(&kill).execute().await.expect("end the session");
    wait_until_gone(db, id).await;
    conn.query("SELECT 1").fetch_all().await.expect_err("the session was ended")
}

/// Ending a session is asynchronous on the server: waits until it is no longer listed.
async fn wait_until_gone(db: &Database, id: i64) {
    let count = db.dialect().count_sessions_sql(&[id]).expect("server");
    // Polled; the deadline only turns a hang into a failure.
    let started = tokio::time::Instant::now();
    loop {
        let row = db.query(&count).fetch_one().await.expect("count sessions");
        if row.get::<i64>(0).expect("count") == 0 {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "session {id} was never ended");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Connecting with `config` fails; returns the error.
async fn connect_error(config: DbConfig) -> Error {
    Database::connect(config).await.expect_err("the connect fails")
}

/// The server's error a connect error wraps as its `source()`.
fn server_cause(e: &Error) -> &Error {
    std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("the connect error wraps the server's error: {e:?}"))
}

mod mysql;
mod postgres;
mod sqlite;
