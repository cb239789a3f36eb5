//! Transactions: commit, rollback, rollback on drop, savepoints.

use dal::{ErrorKind, IsolationLevel, TransactionOptions};
use tests::TestDb;

use crate::entities::Person;

async fn setup(db: &TestDb) {
    db.query("CREATE TABLE items (id INTEGER PRIMARY KEY)").execute().await.expect("create");
}

async fn ids(db: &TestDb) -> Vec<i64> {
    db.query("SELECT id FROM items ORDER BY id")
        .fetch_all()
        .await
        .expect("select")
        .iter()
        .map(|r| r.get(0).expect("id"))
        .collect()
}

async fn insert(db: &dal::Database, id: i64) {
    db.query("INSERT INTO items (id) VALUES (?)").bind(id).execute().await.expect("insert");
}

pub async fn commit_keeps_the_work(db: &TestDb) {
    setup(db).await;
    let tx = db.begin().await.expect("begin");
    assert!(tx.in_transaction().await);
    assert!(!db.in_transaction().await, "the pool handle is not in the transaction");
    insert(&tx, 1).await;
    insert(&tx, 2).await;
    tx.commit().await.expect("commit");
    assert_eq!(ids(db).await, vec![1, 2]);
}

pub async fn rollback_discards_the_work(db: &TestDb) {
    setup(db).await;
    insert(db, 1).await;
    let tx = db.begin().await.expect("begin");
    insert(&tx, 2).await;
    tx.rollback().await.expect("rollback");
    assert_eq!(ids(db).await, vec![1]);
}

pub async fn dropped_transaction_rolls_back_before_reuse(db: &TestDb) {
    setup(db).await;
    {
        let tx = db.begin().await.expect("begin");
        insert(&tx, 5).await;
        // dropped without commit
    }
    // Every connection the pool hands out from now on is out of any transaction.
    for _ in 0..3 {
        let conn = db.connection().await.expect("acquire");
        assert!(!conn.in_transaction().await);
        insert(&conn, 6).await;
        conn.query("DELETE FROM items WHERE id = 6").execute().await.expect("delete");
    }
    assert_eq!(ids(db).await, Vec::<i64>::new(), "the dropped transaction's row is gone");
}

pub async fn savepoint_rollback_keeps_the_outer_work(db: &TestDb) {
    setup(db).await;
    let tx = db.begin().await.expect("begin");
    insert(&tx, 1).await;
    let inner = tx.begin().await.expect("savepoint");
    assert!(inner.is_savepoint());
    insert(&inner, 2).await;
    inner.rollback().await.expect("rollback to savepoint");
    let kept = tx.begin().await.expect("second savepoint");
    insert(&kept, 3).await;
    kept.commit().await.expect("release");
    {
        let dropped = tx.begin().await.expect("third savepoint");
        insert(&dropped, 4).await;
    }
    tx.commit().await.expect("commit");
    assert_eq!(ids(db).await, vec![1, 3]);
}

pub async fn repo_runs_inside_a_transaction(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let tx = db.begin().await.expect("begin");
    let kept = tx.repo::<Person>().save(&Person::new("kept", None)).await.expect("save");
    tx.commit().await.expect("commit");
    let tx = db.begin().await.expect("begin");
    let undone = tx.repo::<Person>().save(&Person::new("undone", None)).await.expect("save");
    drop(tx);
    let people = db.repo::<Person>();
    assert_eq!(people.get(kept.id).await.expect("get"), Some(kept));
    assert_eq!(people.get(undone.id).await.expect("get"), None);
}

pub async fn read_only_transaction_refuses_writes(db: &TestDb) {
    setup(db).await;
    let tx = db.begin_with(TransactionOptions::new().read_only(true)).await.expect("begin");
    assert_eq!(ids(db).await, Vec::<i64>::new(), "reads work");
    let e = tx.query("INSERT INTO items (id) VALUES (1)").execute().await.expect_err("read-only");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    drop(tx);
    // The connection it ran on writes again afterwards.
    for _ in 0..3 {
        let conn = db.connection().await.expect("acquire");
        insert(&conn, 7).await;
        conn.query("DELETE FROM items").execute().await.expect("delete");
    }
}

pub async fn serializable_transaction_commits(db: &TestDb) {
    setup(db).await;
    let opts = TransactionOptions::new().isolation(IsolationLevel::Serializable);
    let tx = db.begin_with(opts).await.expect("begin");
    insert(&tx, 1).await;
    let e = tx.begin_with(opts).await.expect_err("a savepoint cannot change the isolation");
    assert_eq!(e.kind(), ErrorKind::Usage);
    tx.commit().await.expect("commit");
    assert_eq!(ids(db).await, vec![1]);
}

/// The isolation level each transaction asked for, as the server reports it from inside that
/// transaction (PostgreSQL's `transaction_isolation`; InnoDB's record of the transaction on
/// MariaDB, whose session variable only shows the session's default): every level, so a level
/// that was dropped or mapped to another shows.
pub async fn isolation_level_reaches_the_server(db: &TestDb) {
    setup(db).await;
    let levels = [
        (IsolationLevel::ReadUncommitted, "read uncommitted"),
        (IsolationLevel::ReadCommitted, "read committed"),
        (IsolationLevel::RepeatableRead, "repeatable read"),
        (IsolationLevel::Serializable, "serializable"),
    ];
    for (level, name) in levels {
        // A pool (and session) of its own per level: see `innodb_isolation`.
        let pool = db.connect(db.fresh_config()).await.expect("pool");
        let tx = pool.begin_with(TransactionOptions::new().isolation(level)).await.expect("begin");
        // MariaDB lists a transaction in INNODB_TRX once it has touched an InnoDB table.
        tx.query("SELECT COUNT(*) FROM items").fetch_one().await.expect("read");
        let seen: String = match db.backend() {
            dal::Backend::Postgres => tx
                .query("SHOW transaction_isolation")
                .fetch_one()
                .await
                .expect("isolation")
                .get(0)
                .expect("text"),
            _ => innodb_isolation(&tx).await,
        };
        assert_eq!(seen.to_lowercase(), name, "asked for {level:?}");
        tx.rollback().await.expect("rollback");
    }
}

/// This transaction's isolation level in InnoDB's transaction list. The list is a snapshot
/// that InnoDB refreshes on a read only when the previous read was more than 100 ms before, so
/// it may still show other sessions' finished transactions: each read waits longer than that
/// first, and a session of its own tells the row apart. Polled; the deadline only turns a hang
/// into a failure.
async fn innodb_isolation(tx: &dal::Transaction) -> String {
    let sql = "SELECT trx_isolation_level FROM information_schema.INNODB_TRX \
               WHERE trx_mysql_thread_id = CONNECTION_ID()";
    crate::suite::within("this transaction in INNODB_TRX", async {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            if let Some(row) = tx.query(sql).fetch_optional().await.expect("INNODB_TRX") {
                return row.get::<String>(0).expect("text");
            }
        }
    })
    .await
}
