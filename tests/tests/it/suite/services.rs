//! `#[auto_transaction]` on service methods: the transaction follows the task. Two services,
//! each with its own handle, commit and roll back together; propagation (`requires_new`,
//! `mandatory`, `never`); handles of other pools and spawned tasks stay out unless asked;
//! the blocking API's thread scope.

use std::sync::Arc;
use std::time::Duration;

use dal::prelude::*;
use dal::{Backend, Propagation, ScopeOptions, blocking, spawn_in_transaction, transaction_scope};
use tests::TestDb;

/// A reservation of stock, with history: a rolled-back reservation leaves no history row.
#[derive(Entity, Debug, Clone)]
#[dal(table = "reservations", history)]
struct Reservation {
    #[dal(id)]
    id: i64,
    item: String,
    #[dal(version)]
    version: i64,
}

/// Where a call fails, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Nowhere,
    /// `Orders::place` returns `Err` after `Stock::reserve` succeeded.
    OrdersErr,
    /// `Stock::reserve` returns `Err` after writing; `place` propagates it.
    StockErr,
    /// `Stock::reserve` panics after writing.
    StockPanic,
    /// `Stock::reserve` waits for good after writing (the caller drops the future).
    StockHangs,
}

fn failure(what: &str) -> Error {
    Error::new(ErrorKind::Other, format!("{what} failed"))
}

struct Orders {
    db: Database,
}

struct Stock {
    db: Database,
}

impl Orders {
    #[auto_transaction]
    async fn place(&self, stock: &Stock, id: i64, item: &str, fail: Fail) -> Result<(), Error> {
        sql!("INSERT INTO orders (id, item) VALUES (?, ?)", id, item).execute(&self.db).await?;
        stock.reserve(item, fail).await?;
        if fail == Fail::OrdersErr {
            return Err(failure("orders"));
        }
        Ok(())
    }

    /// Records an audit row in a transaction of its own, then fails.
    #[auto_transaction]
    async fn place_audited_then_fail(&self, audit: &Audit, id: i64) -> Result<(), Error> {
        audit.record(&format!("placing {id}")).await?;
        sql!("INSERT INTO orders (id, item) VALUES (?, 'x')", id).execute(&self.db).await?;
        Err(failure("orders"))
    }
}

impl Stock {
    #[auto_transaction]
    async fn reserve(&self, item: &str, fail: Fail) -> Result<(), Error> {
        let reservation = Reservation { id: 0, item: item.to_owned(), version: 0 };
        self.db.repo::<Reservation>().save(&reservation).await?;
        match fail {
            Fail::StockErr => Err(failure("stock")),
            Fail::StockPanic => panic!("stock panicked after writing"),
            Fail::StockHangs => {
                std::future::pending::<()>().await;
                Ok(())
            }
            Fail::Nowhere | Fail::OrdersErr => Ok(()),
        }
    }
}

struct Audit {
    db: Arc<Database>,
}

impl Audit {
    #[auto_transaction(requires_new)]
    async fn record(self: &Audit, what: &str) -> Result<(), Error> {
        self.db.query("INSERT INTO audit (what) VALUES (?)").bind(what).execute().await?;
        Ok(())
    }

    #[auto_transaction(mandatory)]
    async fn record_within(&self, what: &str) -> Result<(), Error> {
        self.db.query("INSERT INTO audit (what) VALUES (?)").bind(what).execute().await?;
        Ok(())
    }

    #[auto_transaction(never)]
    async fn count(&self) -> Result<i64, Error> {
        self.db.query("SELECT COUNT(*) FROM audit").fetch_one().await?.get(0)
    }
}

async fn create_tables(db: &Database) {
    db.query("CREATE TABLE orders (id BIGINT PRIMARY KEY, item VARCHAR(40) NOT NULL)")
        .execute()
        .await
        .expect("orders");
    db.query("CREATE TABLE audit (what VARCHAR(80) NOT NULL)").execute().await.expect("audit");
    db.ensure_schema::<Reservation>().await.expect("reservations");
}

/// Rows in orders, reservations and the reservations' history.
async fn counts(db: &TestDb) -> (i64, i64, i64) {
    (
        db.count_rows("orders").await,
        db.count_rows("reservations").await,
        db.count_rows("reservations_history").await,
    )
}

/// Transactions the server holds open for sessions of this test's database (PostgreSQL:
/// sessions of `app` idle in transaction; MariaDB: InnoDB transactions of sessions using this
/// database). SQLite has no such view: a transaction left open there would hold its lock,
/// which the writes after each case would wait on and fail.
async fn open_transactions(db: &TestDb, app: &str) -> i64 {
    match db.backend() {
        Backend::Postgres => tests::idle_in_transaction(db, app).await,
        Backend::MySql => db
            .query(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID()",
            )
            .fetch_one()
            .await
            .expect("INNODB_TRX")
            .get(0)
            .expect("count"),
        Backend::Sqlite => 0,
    }
}

pub async fn services_commit_together_and_roll_back_together(db: &TestDb) {
    create_tables(db).await;
    let app = tests::unique_name("services");
    let mut config = db.fresh_config();
    if db.backend() == Backend::Postgres {
        config = config.option("application_name", &app);
    }
    // Two services, each with its own handle; equal configurations share one pool.
    let orders = Arc::new(Orders { db: db.connect(config.clone()).await.expect("orders") });
    let stock = Arc::new(Stock { db: db.connect(config).await.expect("stock") });
    assert!(
        orders.db.pool().hash() == stock.db.pool().hash(),
        "the two services' handles are of one pool"
    );

    orders.place(&stock, 1, "book", Fail::Nowhere).await.expect("both commit");
    assert_eq!(counts(db).await, (1, 1, 1), "the order, the reservation and its history row");

    for (id, fail) in [(2, Fail::OrdersErr), (3, Fail::StockErr)] {
        let e = orders.place(&stock, id, "pen", fail).await.expect_err("fails");
        assert_eq!(e.kind(), ErrorKind::Other, "{e}");
        assert_eq!(counts(db).await, (1, 1, 1), "{fail:?}: neither write is left");
    }

    let (o, s) = (Arc::clone(&orders), Arc::clone(&stock));
    let joined = tokio::spawn(async move { o.place(&s, 4, "ink", Fail::StockPanic).await }).await;
    assert!(joined.expect_err("the task panicked").is_panic());
    tests::until_all_idle(&orders.db).await;
    assert_eq!(counts(db).await, (1, 1, 1), "a panic rolled both back");

    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        orders.place(&stock, 5, "cup", Fail::StockHangs),
    )
    .await;
    assert!(cancelled.is_err(), "the future was dropped at its deadline");
    tests::until_all_idle(&orders.db).await;
    assert_eq!(counts(db).await, (1, 1, 1), "a cancellation rolled both back");
    assert_eq!(open_transactions(db, &app).await, 0, "no session is left in a transaction");

    // Still usable: the connections went back clean.
    orders.place(&stock, 6, "pad", Fail::Nowhere).await.expect("commits");
    assert_eq!(counts(db).await, (2, 2, 2));
}

pub async fn requires_new_keeps_its_row_when_the_outer_fails(db: &TestDb) {
    create_tables(db).await;
    let orders = Orders { db: db.db().clone() };
    let audit = Audit { db: Arc::new(db.db().clone()) };
    let e = orders.place_audited_then_fail(&audit, 7).await.expect_err("outer fails");
    assert_eq!(e.to_string(), "orders failed");
    assert_eq!(db.count_rows("orders").await, 0, "the outer work rolled back");
    assert_eq!(db.count_rows("audit").await, 1, "the requires_new work committed on its own");
    tests::until_all_idle(db).await;
}

pub async fn mandatory_and_never_check_the_task_transaction(db: &TestDb) {
    create_tables(db).await;
    let audit = Audit { db: Arc::new(db.db().clone()) };
    let e = audit.record_within("alone").await.expect_err("no transaction around");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert!(e.to_string().contains("mandatory"), "{e}");
    assert_eq!(audit.count().await.expect("never, outside"), 0);

    let inside: Result<i64, Error> = transaction_scope(ScopeOptions::new(), || async {
        audit.record_within("inside").await?; // joins
        audit.count().await // refused: never inside a transaction
    })
    .await;
    let e = inside.expect_err("never inside a transaction");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert!(e.to_string().contains("never"), "{e}");
    assert_eq!(db.count_rows("audit").await, 0, "the scope's Err rolled back the joined write");

    let ok: Result<(), Error> =
        transaction_scope(ScopeOptions::new().propagation(Propagation::Join), || async {
            audit.record_within("kept").await
        })
        .await;
    ok.expect("commits");
    assert_eq!(db.count_rows("audit").await, 1);
}

pub async fn another_pools_handle_runs_outside_the_scope(db: &TestDb) {
    create_tables(db).await;
    let other = db.connect(db.fresh_config()).await.expect("another pool");
    let sqlite = db.backend() == Backend::Sqlite;
    let result: Result<(), Error> = transaction_scope(ScopeOptions::new(), || async {
        // The first statement binds the scope to this handle's pool and begins there.
        db.query("INSERT INTO audit (what) VALUES ('this pool')").execute().await?;
        assert!(db.in_transaction().await);
        assert!(!other.in_transaction().await, "another pool's handle is outside the scope");
        // Outside: it does not see the scope's uncommitted row...
        let seen: i64 = other.query("SELECT COUNT(*) FROM audit").fetch_one().await?.get(0)?;
        assert_eq!(seen, 0, "the other pool reads outside the scope's transaction");
        // ...and its write commits on its own (SQLite takes one writer at a time, and the
        // scope's transaction holds the lock: there the read above shows it).
        if !sqlite {
            other.query("INSERT INTO audit (what) VALUES ('other pool')").execute().await?;
        }
        Err(failure("scope"))
    })
    .await;
    result.expect_err("the scope fails");
    let rows: Vec<(String,)> =
        db.query("SELECT what FROM audit").fetch_all_as().await.expect("rows");
    let expected = if sqlite { vec![] } else { vec![("other pool".to_owned(),)] };
    assert_eq!(rows, expected, "the scope's row rolled back, the other pool's stays");
}

/// Runs on `db`'s pool in a transaction of its own, and also writes through `outer`, a handle
/// of the pool the caller's scope is bound to.
#[auto_transaction]
async fn write_on(db: &Database, outer: &Database) -> Result<(), Error> {
    db.query("INSERT INTO audit (what) VALUES ('inner')").execute().await?;
    outer.query("INSERT INTO audit (what) VALUES ('outer, from inside')").execute().await?;
    Ok(())
}

/// Servers only: on SQLite the inner scope's `BEGIN IMMEDIATE` would wait for the outer's
/// write lock.
pub async fn a_scope_on_another_pool_leaves_the_enclosing_one_joined(db: &TestDb) {
    create_tables(db).await;
    let other = db.connect(db.fresh_config()).await.expect("another pool");
    let result: Result<(), Error> = transaction_scope(ScopeOptions::new(), || async {
        db.query("INSERT INTO audit (what) VALUES ('outer')").execute().await?;
        // Its own transaction on the other pool; its statement through this pool's handle
        // still joins the enclosing scope.
        write_on(&other, db.db()).await?;
        Err(failure("outer"))
    })
    .await;
    result.expect_err("the outer scope fails");
    let rows: Vec<(String,)> =
        db.query("SELECT what FROM audit").fetch_all_as().await.expect("rows");
    assert_eq!(rows, vec![("inner".to_owned(),)], "only the inner scope's own work committed");
}

pub async fn spawned_tasks_join_only_when_asked(db: &TestDb) {
    create_tables(db).await;
    let result: Result<(), Error> = transaction_scope(ScopeOptions::new(), || async {
        db.query("INSERT INTO audit (what) VALUES ('scope')").execute().await?;
        // A plain task runs outside: it does not see the scope's uncommitted row.
        let plain = tokio::spawn({
            let db = db.db().clone();
            async move {
                let n: i64 = db.query("SELECT COUNT(*) FROM audit").fetch_one().await?.get(0)?;
                Ok::<_, Error>((n, db.in_transaction().await))
            }
        });
        assert_eq!(plain.await.expect("plain task")?, (0, false), "outside the scope");
        // A task asked to join sees it and writes into it.
        let joined = spawn_in_transaction({
            let db = db.db().clone();
            async move {
                db.query("INSERT INTO audit (what) VALUES ('joined task')").execute().await?;
                let n: i64 = db.query("SELECT COUNT(*) FROM audit").fetch_one().await?.get(0)?;
                Ok::<_, Error>(n)
            }
        });
        assert_eq!(joined.await.expect("joined task")?, 2, "inside the scope");
        Err(failure("scope"))
    })
    .await;
    result.expect_err("the scope fails");
    assert_eq!(db.count_rows("audit").await, 0, "the joined task's row rolled back with the scope");

    // A joined task that outlives its scope gets an error, never an autocommit.
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let mut wait = Some(wait);
    let late = transaction_scope(ScopeOptions::new(), || {
        let (db, wait) = (db.db().clone(), wait.take());
        async move {
            Ok::<_, Error>(spawn_in_transaction(async move {
                if let Some(wait) = wait {
                    let _ = wait.await;
                }
                db.query("INSERT INTO audit (what) VALUES ('late')").execute().await
            }))
        }
    });
    let late = late.await.expect("the scope commits");
    go.send(()).expect("the task waits");
    let e = late.await.expect("the task ran").expect_err("its scope ended");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert_eq!(db.count_rows("audit").await, 0, "nothing was autocommitted");
}

/// On a plain thread (no async runtime): the blocking API's scope follows the thread.
fn blocking_scope(config: dal::DbConfig) {
    let db = blocking::Database::connect(config).expect("connect");
    let stock = db.clone(); // another service's handle on the same pool
    let failed: Result<(), Error> = db.transaction_scope(ScopeOptions::new(), || {
        db.query("INSERT INTO audit (what) VALUES ('a')").execute()?;
        stock.query("INSERT INTO audit (what) VALUES ('b')").execute()?;
        assert!(stock.in_transaction()?);
        Err(failure("blocking"))
    });
    failed.expect_err("fails");
    let n: i64 =
        db.query("SELECT COUNT(*) FROM audit").fetch_one().expect("count").get(0).expect("n");
    assert_eq!(n, 0, "both rolled back");
    db.transaction_scope(ScopeOptions::new(), || {
        db.query("INSERT INTO audit (what) VALUES ('c')").execute()?;
        let never = ScopeOptions::new().propagation(Propagation::Never);
        let e = stock.transaction_scope(never, || Ok::<_, Error>(())).expect_err("inside one");
        assert_eq!(e.kind(), ErrorKind::Usage);
        stock.query("INSERT INTO audit (what) VALUES ('d')").execute().map(drop)
    })
    .expect("commits");
    let n: i64 =
        db.query("SELECT COUNT(*) FROM audit").fetch_one().expect("count").get(0).expect("n");
    assert_eq!(n, 2, "both committed");
    assert!(!db.in_transaction().expect("asks"), "the thread's scope ended");
}

pub async fn blocking_services_share_the_thread_transaction(db: &TestDb) {
    create_tables(db).await;
    let config = db.fresh_config();
    std::thread::spawn(move || blocking_scope(config)).join().expect("blocking scope passed");
}
