//! The server error codes of `dal-runtime/src/error_codes.md`, provoked one by one on real
//! servers: each case asserts the exact code, the category and whether a retry may help.
//!
//! One table-driven test per backend runs the cases a single connection can provoke; the cases
//! that need a second session (locks, deadlocks, serialization, ended sessions) or a failing
//! connect are tests of their own. Codes the table documents but no test provokes are marked
//! "not provoked in tests" there.

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
    for _ in 0..200 {
        let row = db.query(&count).fetch_one().await.expect("count sessions");
        if row.get::<i64>(0).expect("count") == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("session {id} was never ended");
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

mod postgres {
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
        case(
            "out of range",
            &[],
            "INSERT INTO child (id, n) VALUES (6, 70000)",
            "22003",
            Data,
            false,
        ),
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
}

mod mysql {
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
        case(
            "duplicate key",
            TABLE,
            "INSERT INTO child (id) VALUES (1)",
            "1062",
            Constraint,
            false,
        ),
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
        case(
            "no default",
            &[],
            "INSERT INTO no_default (id) VALUES (1)",
            "1364",
            Constraint,
            false,
        ),
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
        case(
            "out of range",
            &[],
            "INSERT INTO child (id, n) VALUES (7, 70000)",
            "1264",
            Data,
            false,
        ),
        case(
            "not a number",
            &[],
            "INSERT INTO child (id, n) VALUES (8, 'abc')",
            "1366",
            Data,
            false,
        ),
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
            .query(
                "SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE lk SET n = 5 WHERE id = 1",
            )
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
            loop {
                let row = db.query(running).bind(id).fetch_one().await.expect("processlist");
                if row.get::<i64>(0).expect("count") == 1 {
                    break;
                }
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
}

mod sqlite {
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
        case(
            "strict table type",
            &[],
            "INSERT INTO strict_t (n) VALUES ('abc')",
            "3091",
            Data,
            false,
        ),
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
}
