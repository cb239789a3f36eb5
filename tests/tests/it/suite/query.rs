//! Raw SQL with `?` placeholders, and the errors bad SQL gets.

use dal::ErrorKind;
use tests::TestDb;

async fn table(db: &TestDb) {
    db.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute()
        .await
        .expect("create table");
}

pub async fn raw_query_rewrites_placeholders_outside_literals(db: &TestDb) {
    table(db).await;
    let inserted = db
        .query("INSERT INTO notes (id, body) VALUES (?, ?), (?, '?')")
        .bind(1_i64)
        .bind("what?")
        .bind(2_i64)
        .execute()
        .await
        .expect("insert");
    assert_eq!(inserted, 2);
    let rows = db
        .query("SELECT id, body FROM notes WHERE body <> ? /* ? */ ORDER BY id -- ?")
        .bind("nothing")
        .fetch_all()
        .await
        .expect("select");
    let got: Vec<(i64, String)> =
        rows.iter().map(|r| (r.get(0).expect("id"), r.get(1).expect("body"))).collect();
    assert_eq!(got, vec![(1, "what?".to_string()), (2, "?".to_string())]);
}

pub async fn wrong_parameter_count_names_both_counts(db: &TestDb) {
    table(db).await;
    let e = db
        .query("SELECT body FROM notes WHERE id = ? AND body = ?")
        .bind(1_i64)
        .fetch_all()
        .await
        .expect_err("one value for two placeholders");
    assert_eq!(e.kind(), ErrorKind::Parameters);
    assert_eq!(e.to_string(), "the SQL has 2 `?` placeholders but 1 value was bound");
}

pub async fn empty_sql_is_a_usage_error(db: &TestDb) {
    let e = db.query("  \n ").execute().await.expect_err("nothing to run");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("empty SQL"), "{e}");
}

pub async fn syntax_error_is_categorized(db: &TestDb) {
    let e = db.query("SELEC 1").fetch_all().await.expect_err("typo");
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert!(e.code().is_some(), "the server's code is kept: {e:?}");
    assert!(!e.is_retryable());
    let e = db.query("SELECT * FROM no_such_table").fetch_all().await.expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
}

pub async fn duplicate_key_is_a_constraint_error(db: &TestDb) {
    table(db).await;
    let insert = || db.query("INSERT INTO notes (id, body) VALUES (?, ?)").bind(7_i64).bind("x");
    insert().execute().await.expect("first insert");
    let e = insert().execute().await.expect_err("same key again");
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    assert!(!e.is_retryable());
}
