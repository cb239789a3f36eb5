//! `#[auto_transaction]` and `sql!`: commit, rollback on `Err`, panic and cancellation, joining
//! and savepoints, options, retries after conflicts, compile-time rewritten SQL.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use dal::{Backend, Database, Error, ErrorKind, auto_transaction, sql, sql_as};
use tests::TestDb;

async fn setup(db: &Database) {
    db.query("CREATE TABLE items (id INTEGER PRIMARY KEY)").execute().await.expect("create");
}

async fn ids(db: &Database) -> Vec<i64> {
    let rows: Vec<(i64,)> =
        db.query("SELECT id FROM items ORDER BY id").fetch_all_as().await.expect("ids");
    rows.into_iter().map(|(id,)| id).collect()
}

fn failure() -> Error {
    Error::new(ErrorKind::Other, "the body failed")
}

#[auto_transaction]
async fn insert_all(db: &Database, ids: &[i64], fail: bool) -> Result<usize, Error> {
    for id in ids {
        db.query("INSERT INTO items (id) VALUES (?)").bind(*id).execute().await?;
    }
    if fail {
        return Err(failure());
    }
    Ok(ids.len())
}

pub async fn auto_transaction_commits_on_ok_and_rolls_back_on_err(db: &TestDb) {
    setup(db).await;
    assert_eq!(insert_all(db, &[1, 2], false).await.expect("ok"), 2);
    let e = insert_all(db, &[3, 4], true).await.expect_err("fails");
    assert_eq!(e.message(), "the body failed");
    assert_eq!(ids(db).await, vec![1, 2]);
    // An error from the database itself rolls back too: key 1 exists already.
    let e = insert_all(db, &[5, 1], false).await.expect_err("duplicate");
    assert_eq!(e.kind(), ErrorKind::Constraint);
    assert_eq!(ids(db).await, vec![1, 2]);
}

#[auto_transaction]
async fn insert_then_panic(db: &Database) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (7)").execute().await?;
    panic!("the body panicked after writing");
}

pub async fn auto_transaction_rolls_back_on_panic(db: &TestDb) {
    setup(db).await;
    let handle = db.db().clone();
    let joined = tokio::spawn(async move { insert_then_panic(&handle).await }).await;
    assert!(joined.expect_err("the task panicked").is_panic());
    tests::until_all_idle(db).await;
    assert_eq!(ids(db).await, Vec::<i64>::new());
}

#[auto_transaction]
async fn insert_then_hang(db: &Database) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (8)").execute().await?;
    tokio::time::sleep(Duration::from_secs(30)).await;
    Ok(())
}

pub async fn auto_transaction_rolls_back_on_cancellation(db: &TestDb) {
    setup(db).await;
    let app = tests::unique_name("cancelled");
    let mut config = db.fresh_config();
    if db.backend() == Backend::Postgres {
        config = config.option("application_name", &app);
    }
    let pool = db.connect(config).await.expect("pool");
    let cancelled = tokio::time::timeout(Duration::from_millis(200), insert_then_hang(&pool)).await;
    assert!(cancelled.is_err(), "the future was dropped at its deadline");
    tests::until_all_idle(&pool).await;
    assert_eq!(ids(db).await, Vec::<i64>::new());
    if db.backend() == Backend::Postgres {
        let stuck = tests::idle_in_transaction(db, &app).await;
        assert_eq!(stuck, 0, "no session was left idle in transaction");
    }
}

#[auto_transaction]
async fn outer_joins(db: &Database, fail: bool) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (1)").execute().await?;
    insert_all(db, &[2], false).await?; // joins this transaction
    if fail { Err(failure()) } else { Ok(()) }
}

#[auto_transaction(savepoint)]
async fn inner_savepoint(db: &Database, id: i64) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (?)").bind(id).execute().await?;
    Err(failure())
}

#[auto_transaction]
async fn outer_keeps_going(db: &Database) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (10)").execute().await?;
    let inner = inner_savepoint(db, 11).await;
    assert!(inner.is_err());
    db.query("INSERT INTO items (id) VALUES (12)").execute().await?;
    Ok(())
}

pub async fn nested_calls_join_or_use_a_savepoint(db: &TestDb) {
    setup(db).await;
    outer_joins(db, true).await.expect_err("outer fails");
    assert_eq!(
        ids(db).await,
        Vec::<i64>::new(),
        "the joined inner work rolled back with the outer"
    );
    outer_joins(db, false).await.expect("outer commits");
    assert_eq!(ids(db).await, vec![1, 2], "the joined inner work committed with the outer");
    outer_keeps_going(db).await.expect("outer commits");
    assert_eq!(ids(db).await, vec![1, 2, 10, 12], "the savepoint undid only the inner work");
}

#[auto_transaction]
async fn swallows_a_joined_error(db: &Database, savepoint: bool) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (30)").execute().await?;
    let inner = if savepoint {
        inner_savepoint(db, 31).await
    } else {
        insert_all(db, &[31], true).await.map(|_| ()) // joins, writes 31, then fails
    };
    assert_eq!(inner.expect_err("the inner call fails").message(), "the body failed");
    db.query("INSERT INTO items (id) VALUES (32)").execute().await?;
    Ok(())
}

/// README: "A joined inner call's `Err` does not undo its work unless the error propagates
/// out of the outer call; use `savepoint` for that."
pub async fn a_swallowed_error_of_a_joined_call_keeps_its_work_and_a_savepoint_undoes_it(
    db: &TestDb,
) {
    setup(db).await;
    swallows_a_joined_error(db, false).await.expect("the outer call swallows the error");
    assert_eq!(ids(db).await, vec![30, 31, 32], "the joined call's work committed with the outer");
    db.query("DELETE FROM items").execute().await.expect("clear");
    swallows_a_joined_error(db, true).await.expect("the outer call swallows the error");
    assert_eq!(ids(db).await, vec![30, 32], "the savepoint undid the inner work, only it");
}

#[auto_transaction(read_only, timeout = "300ms")]
async fn read_only_write(db: &Database) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (20)").execute().await?;
    Ok(())
}

#[auto_transaction(timeout = "200ms")]
async fn too_slow(db: &Database) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (21)").execute().await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(())
}

pub async fn auto_transaction_options_apply(db: &TestDb) {
    setup(db).await;
    let e = read_only_write(db).await.expect_err("read-only");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    let e = too_slow(db).await.expect_err("timeout");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("200ms"), "{e}");
    tests::until_all_idle(db).await;
    assert_eq!(ids(db).await, Vec::<i64>::new());
}

/// Two of these at once conflict: on PostgreSQL (serializable) by write skew, on MariaDB by a
/// deadlock (locks taken in opposite orders). The first attempt of each waits for the other
/// so the conflict really happens.
#[auto_transaction(isolation = "serializable", retry = 3)]
async fn conflicting(
    db: &Database,
    first: i64,
    second: i64,
    gate: &tokio::sync::Barrier,
    attempts: &AtomicU32,
) -> Result<(), Error> {
    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
    db.query("UPDATE accounts SET n = n + 1 WHERE id = ?").bind(first).execute().await?;
    let _: (i64,) =
        db.query("SELECT n FROM accounts WHERE id = ?").bind(second).fetch_one_as().await?;
    if attempt < 2 {
        // Both first attempts meet here, each holding its first lock.
        let _ = tokio::time::timeout(Duration::from_secs(2), gate.wait()).await;
    }
    db.query("UPDATE accounts SET n = n + 1 WHERE id = ?").bind(second).execute().await?;
    Ok(())
}

pub async fn retry_reruns_a_transaction_that_lost_a_conflict(db: &TestDb) {
    db.query("CREATE TABLE accounts (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
        .execute()
        .await
        .expect("create");
    db.query("INSERT INTO accounts (id, n) VALUES (1, 0), (2, 0)").execute().await.expect("rows");
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    let (gate, attempts) = (tokio::sync::Barrier::new(2), AtomicU32::new(0));
    let before = pool.pool().metrics().transaction_retries;
    let (a, b) = tokio::join!(
        conflicting(&pool, 1, 2, &gate, &attempts),
        conflicting(&pool, 2, 1, &gate, &attempts)
    );
    a.expect("first ends committed");
    b.expect("second ends committed");
    let retries = pool.pool().metrics().transaction_retries - before;
    assert!(retries >= 1, "the loser was retried and counted");
    let rows: Vec<(i64,)> =
        db.query("SELECT n FROM accounts ORDER BY id").fetch_all_as().await.expect("rows");
    assert_eq!(rows, vec![(2,), (2,)], "both transactions' updates are all there");
}

pub async fn sql_macro_runs_compile_time_rewritten_sql(db: &TestDb) {
    db.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute()
        .await
        .expect("create");
    let insert = sql!("INSERT INTO notes (id, body) VALUES (?, ?), (?, '?')", 1_i64, "one?", 2_i64);
    assert_eq!(insert.execute(db).await.expect("insert"), 2);
    let rows =
        sql_as!((i64, String), "SELECT id, body FROM notes WHERE id > ? ORDER BY id -- ?", 0_i64)
            .fetch_all(db)
            .await
            .expect("select");
    assert_eq!(rows, vec![(1, "one?".to_string()), (2, "?".to_string())]);
    let q = sql!("SELECT body FROM notes WHERE id = ?", 2_i64);
    assert_eq!(q.sql().postgres, Some("SELECT body FROM notes WHERE id = $1"));
    assert_eq!(q.sql().mysql, Some("SELECT body FROM notes WHERE id = ?"));
    let jsonb = sql!("SELECT CAST('{\"a\": 1}' AS JSONB) ?? 'a'");
    match db.backend() {
        Backend::Postgres => {
            let has: bool = jsonb.fetch_one(db).await.expect("jsonb ?").get(0).expect("bool");
            assert!(has);
        }
        _ => {
            let e = jsonb.fetch_one(db).await.expect_err("?? exists on PostgreSQL only");
            assert_eq!(e.kind(), ErrorKind::Parameters, "{e}");
        }
    }
}

/// What the server sees of this session's running statement (a server backend's activity
/// view).
#[auto_transaction(tags(route = "/orders", job = "checkout"))]
async fn own_statement_text(db: &Database) -> Result<String, Error> {
    let sql = match db.backend() {
        Backend::Postgres => "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        _ => "SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()",
    };
    db.query(sql).fetch_one().await?.get(0)
}

pub async fn auto_transaction_tags_reach_the_server(db: &TestDb) {
    let text = own_statement_text(db).await.expect("runs");
    assert!(text.contains("job='checkout'"), "the server saw: {text}");
    assert!(text.contains("route='%2Forders'"), "the server saw: {text}");
    // A handle's own tags go with entity statements and raw ones alike.
    let tagged = db.with_tag("tenant", "t-7");
    let text: String = tagged
        .query(match db.backend() {
            Backend::Postgres => "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()",
            _ => "SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()",
        })
        .fetch_one()
        .await
        .expect("runs")
        .get(0)
        .expect("text");
    assert!(text.contains("tenant='t-7'"), "the server saw: {text}");
}
