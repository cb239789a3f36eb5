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
    assert_eq!(e.code(), Some("22003"), "{e:?}");
}
