//! Raw SQL with `?` placeholders, and the errors bad SQL gets.

use std::time::Duration;

use dal::types::IntoValue;
use dal::{Backend, ErrorKind};
use futures_util::StreamExt;
use tests::TestDb;

use crate::entities::Person;

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

pub async fn numbered_and_mixed_placeholders_are_refused(db: &TestDb) {
    table(db).await;
    let e = db.query("SELECT ?1").bind(1_i64).fetch_all().await.expect_err("`?1`");
    assert_eq!(e.kind(), ErrorKind::Parameters, "{e}");
    assert_eq!(
        e.to_string(),
        "`?1` at byte 7 is SQLite's numbered form, which dal does not take: write `?` and bind values in order"
    );
    let e = db.query("SELECT $1, ?").bind(1_i64).bind(2_i64).fetch_all().await.expect_err("mixed");
    assert_eq!(e.kind(), ErrorKind::Parameters, "{e}");
    assert_eq!(
        e.to_string(),
        "the statement mixes `$1` (at byte 7) with `?`: use `?` only and bind values in order"
    );
    // Every way in: statements, many parameter sets, raw filters of entity queries.
    let e = db.query("DELETE FROM notes WHERE id = ?2").bind(1_i64).execute().await;
    assert_eq!(e.expect_err("`?2`").kind(), ErrorKind::Parameters);
    let sets = [[1_i64.into_value(), "a".into_value()]];
    let e = db.query("INSERT INTO notes (id, body) VALUES ($1, ?)").execute_many(sets).await;
    assert_eq!(e.expect_err("mixed").kind(), ErrorKind::Parameters);
    db.ensure_schema::<Person>().await.expect("schema");
    let raw = dal::entity::Filter::raw("age > ?1", [18_i32]);
    let e = db.repo::<Person>().find().filter(raw).all().await.expect_err("raw `?1`");
    assert_eq!(e.kind(), ErrorKind::Parameters, "{e}");
    // `$n` bound as if it were `?` is a count mismatch that says what to write.
    let e = db.query("SELECT body FROM notes WHERE id = $1").bind(1_i64).fetch_all().await;
    let e = e.expect_err("nothing binds `$1`");
    assert_eq!(e.kind(), ErrorKind::Parameters);
    assert_eq!(
        e.to_string(),
        "the SQL has 0 `?` placeholders but 1 value was bound: dal binds values to `?` only, so write `?` where the text has `$1`"
    );
    assert_eq!(db.count_rows("notes").await, 0, "nothing ran");
    // Inside literals, quoted names and comments `?1` and `$1` are text.
    let row = db
        .query("SELECT '?1 $1' /* ?2 $2 */, ? -- ?3\n")
        .bind("x")
        .fetch_one()
        .await
        .expect("quoted `?1` is text");
    assert_eq!(row.get::<String>(0).expect("text"), "?1 $1");
    assert_eq!(row.get::<String>(1).expect("text"), "x");
}

/// `SELECT ?, ?, …` with `n` placeholders.
fn select_placeholders(n: usize) -> String {
    let mut sql = String::from("SELECT ?");
    sql.push_str(&", ?".repeat(n - 1));
    sql
}

pub async fn too_many_parameters_fail_before_anything_is_sent(db: &TestDb) {
    const N: usize = 70_000;
    table(db).await;
    db.ensure_schema::<Person>().await.expect("schema");
    // A pool of its own, so its counters see only this test.
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    pool.query("SELECT 1").fetch_all().await.expect("a connection is open");
    let (opened, before) = (pool.pool().status().size, pool.pool().metrics().statements);
    let sql = select_placeholders(N);
    let values = || (0..N as i64).map(IntoValue::into_value).collect::<Vec<_>>();
    let limit = db.dialect().max_params();
    let expected = format!(
        "the statement binds {N} parameters but {} takes at most {limit} in one statement: split the work into several statements",
        db.dialect()
    );
    let check = |e: dal::Error| {
        assert_eq!(e.kind(), ErrorKind::Parameters, "{e}");
        assert_eq!(e.to_string(), expected);
    };
    let bound = values().into_iter().fold(pool.query(&sql), |q, v| q.bind(v));
    check(bound.fetch_all().await.expect_err("70,000 values"));
    let bound = values().into_iter().fold(pool.query(&sql), |q, v| q.bind(v));
    let mut stream = Box::pin(bound.fetch());
    check(stream.next().await.expect("an item").expect_err("70,000 values, streamed"));
    drop(stream);
    let insert = format!("INSERT INTO notes (id, body) SELECT 1, 'x' WHERE 0 IN ({})", {
        let mut list = String::from("?");
        list.push_str(&", ?".repeat(N - 1));
        list
    });
    check(pool.query(&insert).execute_many([values()]).await.expect_err("one set of 70,000"));
    let names = (0..N).map(|i| format!("n{i}"));
    check(
        pool.repo::<Person>()
            .find()
            .filter(Person::NAME.is_in(names))
            .all()
            .await
            .expect_err("IN of 70,000"),
    );
    // Nothing reached the server: no statement counted (`execute_many`'s BEGIN and ROLLBACK
    // are transaction control, not counted), no connection given up, and the pool's
    // connection still answers.
    assert_eq!(pool.pool().metrics().statements, before, "no statement was sent");
    let status = tests::until_all_idle(&pool).await;
    assert_eq!(status.size, opened, "no connection was closed: {status:?}");
    let one: i64 =
        pool.query("SELECT 1").fetch_one().await.expect("still works").get(0).expect("int");
    assert_eq!(one, 1);
    assert_eq!(db.count_rows("notes").await, 0);
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

/// README: past its timeout "the caller gets a timeout error and the query is stopped on the
/// server". The error comes back only once the server has stopped the statement, so the
/// activity view is read once, right then, not polled.
pub async fn query_timeout_returns_after_the_server_stopped_the_statement(db: &TestDb) {
    let marker = tests::unique_name("query_timeout");
    let slow = crate::suite::endless(db.backend(), &marker);
    // A statement that would run for ten minutes: the error arriving at all shows that the
    // caller did not wait for it (the deadline only turns a hang into a failure).
    let e = crate::suite::within(
        "the timed-out query",
        db.query(&slow).timeout(Duration::from_secs(1)).fetch_all(),
    )
    .await
    .expect_err("slow");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("within its timeout of 1s"), "{e}");
    assert_eq!(
        crate::suite::running(db, &marker).await,
        0,
        "the timeout error came back while the server still ran the statement"
    );
    let status = db.pool().status();
    assert_eq!(status.in_use, 0, "the timed-out connection was not kept: {status:?}");
    let one: i64 = db.query("SELECT 1").fetch_one().await.expect("pool works").get(0).expect("int");
    assert_eq!(one, 1);
}

pub async fn tags_reach_the_server_as_a_comment(db: &TestDb) {
    let own_query = match db.backend() {
        Backend::Postgres => "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        Backend::MySql => {
            "SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"
        }
        Backend::Sqlite => {
            // No activity view to read back: check the comment goes after the rewrite, so a
            // `?` in a tag is no placeholder.
            let row = db.query("SELECT ?").bind("x").tag("q", "what?").fetch_one().await;
            assert_eq!(row.expect("tagged query runs").get::<String>(0).expect("text"), "x");
            return;
        }
    };
    let text: String = db
        .query(own_query)
        .tag("route", "/health")
        .fetch_one()
        .await
        .expect("runs with a tag")
        .get(0)
        .expect("text");
    assert!(text.contains("/*route='%2Fhealth'*/"), "the server saw: {text}");
}

pub async fn typed_fetch_maps_rows_to_tuples_and_entities(db: &TestDb) {
    table(db).await;
    db.query("INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b')")
        .execute()
        .await
        .expect("rows");
    let pairs: Vec<(i64, String)> =
        db.query("SELECT id, body FROM notes ORDER BY id").fetch_all_as().await.expect("tuples");
    assert_eq!(pairs, vec![(1, "a".into()), (2, "b".into())]);
    let one: (String,) = db
        .query("SELECT body FROM notes WHERE id = ?")
        .bind(2_i64)
        .fetch_one_as()
        .await
        .expect("one");
    assert_eq!(one.0, "b");
    let none: Option<(i64,)> =
        db.query("SELECT id FROM notes WHERE id = 9").fetch_optional_as().await.expect("none");
    assert_eq!(none, None);

    db.ensure_schema::<Person>().await.expect("schema");
    let saved = db.repo::<Person>().save(&Person::new("eve", Some(3))).await.expect("save");
    let people: Vec<Person> = db
        .query("SELECT id, name, email_address, age FROM people")
        .fetch_all_as()
        .await
        .expect("entities");
    assert_eq!(people, vec![saved]);
}

pub async fn streaming_fetch_yields_every_row(db: &TestDb) {
    table(db).await;
    let rows = (0..250_i64).map(|i| vec![i.into_value(), format!("row {i}").into_value()]);
    db.query("INSERT INTO notes (id, body) VALUES (?, ?)").execute_many(rows).await.expect("fill");
    let stream = db.query("SELECT id FROM notes WHERE id >= ? ORDER BY id").bind(50_i64).fetch();
    let ids: Vec<i64> = stream
        .map(|r| r.and_then(|row| row.get::<i64>(0)))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<dal::Result<_>>()
        .expect("every row");
    assert_eq!(ids, (50..250).collect::<Vec<_>>());
    // A stream dropped half-way leaves no connection in use.
    let mut partial = Box::pin(db.query("SELECT id FROM notes").fetch());
    partial.next().await.expect("a row").expect("ok");
    drop(partial);
    assert_eq!(db.pool().status().in_use, 0);
    assert_eq!(db.query("SELECT 1").fetch_all().await.expect("pool works").len(), 1);
}

pub async fn execute_many_is_all_or_nothing(db: &TestDb) {
    table(db).await;
    let insert = "INSERT INTO notes (id, body) VALUES (?, ?)";
    let changed = db
        .query(insert)
        .execute_many((1..=3_i64).map(|i| vec![i.into_value(), "x".into_value()]))
        .await
        .expect("three rows");
    assert_eq!(changed, 3);
    // Row 5 repeats key 4: the whole batch is undone.
    let batch = [4_i64, 5, 4, 6].map(|i| vec![i.into_value(), "y".into_value()]);
    let e = db.query(insert).execute_many(batch).await.expect_err("duplicate key");
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    // A set with the wrong number of values is refused before anything runs.
    let uneven = vec![vec![7_i64.into_value(), "z".into_value()], vec![8_i64.into_value()]];
    let e = db.query(insert).execute_many(uneven).await.expect_err("uneven");
    assert_eq!(e.kind(), ErrorKind::Parameters);
    assert!(e.to_string().ends_with("in parameter set 1"), "{e}");
    let count = db.count_rows("notes").await;
    assert_eq!(count, 3);
    // Many sets: statements of 1,000 rows and a shorter last one.
    let many = (100..2_600_i64).map(|i| vec![i.into_value(), format!("n{i}").into_value()]);
    assert_eq!(db.query(insert).execute_many(many).await.expect("2,500 rows"), 2_500);
    assert_eq!(db.count_rows("notes").await, 2_503);
}

pub async fn out_of_range_value_gets_its_own_category(db: &TestDb) {
    db.query("CREATE TABLE small (n SMALLINT)").execute().await.expect("create");
    let insert = db.query("INSERT INTO small (n) VALUES (?)").bind(70_000_i32).execute().await;
    match db.backend() {
        Backend::Postgres | Backend::MySql => {
            let e = insert.expect_err("70000 does not fit a SMALLINT");
            assert_eq!(e.kind(), ErrorKind::Data, "{e}");
            assert!(!e.is_retryable());
        }
        Backend::Sqlite => {
            // SQLite stores any integer in any column; the range is checked on the way out.
            insert.expect("stored");
            let e = db.query("SELECT n FROM small").fetch_one().await.expect("row").get::<i16>(0);
            let e = e.expect_err("does not fit i16");
            assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        }
    }
}

pub async fn server_info_names_version_and_driver(db: &TestDb) {
    let info = db.server_info().await.expect("info");
    assert_eq!(info.backend, db.backend());
    assert!(info.version.chars().next().is_some_and(|c| c.is_ascii_digit()), "{info:?}");
    let driver = match db.target() {
        tests::Target::Rusqlite => "rusqlite".to_owned(),
        _ => format!("sqlx-{}", db.backend()),
    };
    assert_eq!(info.driver, driver);
}
