//! Behaviour that exists on one backend only: values a server rejects.

use dal::{Backend, ErrorKind};
use tests::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rejects_a_nul_byte_in_text_with_a_data_error() {
    let Some(db) = TestDb::open(Backend::Postgres, "nul_byte").await else {
        return;
    };
    db.query("CREATE TABLE t (s TEXT)").execute().await.expect("create");
    let e = db
        .query("INSERT INTO t (s) VALUES (?)")
        .bind("a\0b")
        .execute()
        .await
        .expect_err("PostgreSQL text cannot hold NUL");
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert_eq!(e.code(), Some("22021"), "{e:?}");
    assert!(e.to_string().starts_with("postgres rejected the statement: "), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_rejects_an_out_of_range_value_with_a_data_error() {
    let Some(db) = TestDb::open(Backend::MySql, "out_of_range").await else {
        return;
    };
    db.query("CREATE TABLE t (n SMALLINT)").execute().await.expect("create");
    let e = db
        .query("INSERT INTO t (n) VALUES (?)")
        .bind(70_000_i32)
        .execute()
        .await
        .expect_err("70000 does not fit a SMALLINT in strict mode");
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert_eq!(e.code(), Some("1264"), "the MySQL error number: {e:?}");
}

/// MySQL and MariaDB commit the open transaction before DDL: a later rollback cannot undo the
/// work done before it. dal logs a warning when that happens; this pins the behaviour users
/// must plan for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_ddl_inside_a_transaction_commits_what_came_before() {
    let Some(db) = TestDb::open(Backend::MySql, "implicit_commit").await else { return };
    db.query("CREATE TABLE t (n INT)").execute().await.expect("create");
    let tx = db.begin().await.expect("begin");
    tx.query("INSERT INTO t (n) VALUES (1)").execute().await.expect("insert");
    tx.query("CREATE TABLE other (n INT)").execute().await.expect("DDL commits first");
    tx.rollback().await.expect("rollback");
    let n = db.count_rows("t").await;
    assert_eq!(n, 1, "the insert before the DDL survived the rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ddl_inside_a_transaction_rolls_back() {
    let Some(db) = TestDb::open(Backend::Postgres, "transactional_ddl").await else { return };
    let tx = db.begin().await.expect("begin");
    tx.query("CREATE TABLE t (n INT)").execute().await.expect("create");
    tx.rollback().await.expect("rollback");
    let e = db.query("SELECT * FROM t").fetch_all().await.expect_err("the table was rolled back");
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
}
