//! Cancellation: futures dropped at every await point, and a storm of aborted tasks. After
//! either, no connection is lost or leaked and no transaction is left open on the server.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use dal::{Backend, Database, Error, auto_transaction};
use tests::TestDb;

use crate::entities::Member;

/// Polls a future until it finishes or has been suspended `left` times, then drops it (so it
/// is dropped at its `left`-th await point). Resolves to whether it finished.
struct DropAfter<F> {
    fut: Pin<Box<F>>,
    left: usize,
}

impl<F: Future> Future for DropAfter<F> {
    type Output = bool;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.fut.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        if self.left == 0 {
            return Poll::Ready(false);
        }
        self.left -= 1;
        Poll::Pending
    }
}

/// Runs `fut`, dropping it at its `n`-th suspension.
async fn drop_at<F: Future>(fut: F, n: usize) -> bool {
    DropAfter { fut: Box::pin(fut), left: n }.await
}

#[auto_transaction]
async fn insert_pair(db: &Database, first: i64) -> Result<(), Error> {
    db.query("INSERT INTO items (id) VALUES (?)").bind(first).execute().await?;
    db.query("INSERT INTO items (id) VALUES (?)").bind(first + 1).execute().await?;
    Ok(())
}

/// The four futures the contract names, each built on a pool of one connection.
#[derive(Debug, Clone, Copy)]
enum Step {
    Begin,
    QueryInTransaction,
    Commit,
    AutoTransactionBody,
}

/// Runs `step` dropped at suspension `n`; returns whether it finished.
async fn run_step(pool: &Database, step: Step, n: usize, id: i64) -> bool {
    let insert = "INSERT INTO items (id) VALUES (?)";
    match step {
        Step::Begin => drop_at(pool.begin(), n).await,
        Step::QueryInTransaction => {
            let tx = pool.begin().await.expect("begin");
            drop_at(tx.query(insert).bind(id).execute(), n).await
        }
        Step::Commit => {
            let tx = pool.begin().await.expect("begin");
            tx.query(insert).bind(id).execute().await.expect("insert");
            drop_at(tx.commit(), n).await
        }
        Step::AutoTransactionBody => drop_at(insert_pair(pool, id), n).await,
    }
}

/// The next user of the one connection writes a mark outside any transaction; another pool
/// must see it at once. A transaction left open on the connection would hide it.
async fn next_user_finds_no_transaction(pool: &Database, observer: &Database, run: i64) {
    pool.query("INSERT INTO marks (run) VALUES (?)").bind(run).execute().await.expect("mark");
    let seen: i64 = observer
        .query("SELECT COUNT(*) FROM marks WHERE run = ?")
        .bind(run)
        .fetch_one()
        .await
        .expect("observer")
        .get(0)
        .expect("count");
    assert_eq!(seen, 1, "run {run}: the mark was not committed, so a transaction was left open");
}

pub async fn futures_dropped_at_every_await_point_leave_no_transaction_open(db: &TestDb) {
    db.query("CREATE TABLE items (id BIGINT PRIMARY KEY)").execute().await.expect("items");
    db.query("CREATE TABLE marks (run BIGINT)").execute().await.expect("marks");
    let pool = Database::connect(db.fresh_config().max_connections(1)).await.expect("pool");
    let observer = Database::connect(db.fresh_config()).await.expect("observer");
    let (mut runs, mut id, mut pairs) = (0_i64, 0_i64, Vec::new());
    // Each step is cut at its 0th, 1st, 2nd, ... suspension until it runs to the end; the
    // whole sweep repeats, since where a future suspends depends on the network.
    while runs < 2000 {
        for step in [Step::Begin, Step::QueryInTransaction, Step::Commit, Step::AutoTransactionBody]
        {
            for n in 0.. {
                id += 2;
                runs += 1;
                if matches!(step, Step::AutoTransactionBody) {
                    pairs.push(id);
                }
                let finished = run_step(&pool, step, n, id).await;
                next_user_finds_no_transaction(&pool, &observer, runs).await;
                if finished || n > 200 {
                    break;
                }
            }
        }
    }
    // Each auto-transaction wrote a pair: both rows or neither.
    let rows: Vec<(i64,)> = db.query("SELECT id FROM items").fetch_all_as().await.expect("ids");
    let present: std::collections::HashSet<i64> = rows.into_iter().map(|(id,)| id).collect();
    for first in pairs {
        assert_eq!(
            present.contains(&first),
            present.contains(&(first + 1)),
            "auto_transaction pair {first} is half written"
        );
    }
    let status = tests::until_all_idle(&pool).await;
    assert!(status.size <= 1, "{status:?}");
    assert!(pool.pool().leaked_connections(Duration::ZERO).is_empty());
    tests::announce(&format!("{}: {runs} futures dropped at an await point", db.backend()));
}

/// A small deterministic generator: the storm's cut points differ run to run only through
/// timing, not through the seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

pub async fn a_cancellation_storm_loses_and_leaks_nothing(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let app = tests::unique_name("storm");
    let mut config = db.fresh_config().max_connections(10);
    if db.backend() == Backend::Postgres {
        config = config.option("application_name", &app);
    }
    let pool = Database::connect(config).await.expect("pool");
    const TASKS: usize = 10_000;
    const BATCH: usize = 50;
    // Cut points spread over twice the time one batch takes uncancelled on a warm pool, so that
    // tasks die waiting, mid-transaction and after commit alike. Capped so that a backend whose
    // writes serialize (SQLite) keeps the storm to seconds; the first batch only opens connections.
    let mut batch_time = Duration::ZERO;
    for round in 0..2 {
        let started = std::time::Instant::now();
        let calibration = (0..BATCH).map(|i| {
            let p = pool.clone();
            tokio::spawn(async move {
                let member = Member::new(&format!("calibration {round} {i}"));
                p.repo::<Member>().save(&member).await.map(|_| ())
            })
        });
        for t in futures_util::future::join_all(calibration).await {
            t.expect("task").expect("uncancelled save");
        }
        batch_time = started.elapsed();
    }
    let window = (2 * batch_time.as_micros() as u64).clamp(5_000, 30_000);
    let mut rng = Lcg(7);
    let mut handles = Vec::new();
    // Every save that returned `Ok` to its task: the ids the storm must not lose. A task is
    // cut only at an await point, so a save that returned is always recorded.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..TASKS {
        let (p, acked) = (pool.clone(), acked.clone());
        let worker = tokio::spawn(async move {
            let member = Member::new(&format!("storm {i}"));
            if let Ok(saved) = p.repo::<Member>().save(&member).await {
                acked.lock().expect("acked").push(saved.id);
            }
        });
        // Abort somewhere between before its first poll and after its commit.
        let after = Duration::from_micros(rng.below(window));
        handles.push(tokio::spawn(async move {
            tokio::time::sleep(after).await;
            worker.abort();
            let _ = worker.await;
        }));
        if i % BATCH == BATCH - 1 {
            // Keep the number of live tasks bounded, as a server under load would.
            for h in handles.drain(..) {
                h.await.expect("aborter");
            }
        }
    }
    for h in handles {
        h.await.expect("aborter");
    }
    let status = tests::until_all_idle(&pool).await;
    assert!(status.size <= 10, "{status:?}");
    assert!(pool.pool().leaked_connections(Duration::ZERO).is_empty(), "a connection leaked");
    if db.backend() == Backend::Postgres {
        assert_eq!(tests::idle_in_transaction(db, &app).await, 0, "a transaction was left open");
    }
    let rows = db.count_rows("members").await;
    let unmatched: i64 = db
        .query(
            "SELECT (SELECT COUNT(*) FROM members m WHERE NOT EXISTS \
               (SELECT 1 FROM members_history h WHERE h.id = m.id)) \
             + (SELECT COUNT(*) FROM members_history h WHERE NOT EXISTS \
               (SELECT 1 FROM members m WHERE m.id = h.id))",
        )
        .fetch_one()
        .await
        .expect("consistency")
        .get(0)
        .expect("count");
    assert_eq!(unmatched, 0, "a row without its history row, or the reverse");
    // Every acknowledged save is stored, with its history row.
    let acked = std::mem::take(&mut *acked.lock().expect("acked"));
    assert!(!acked.is_empty(), "no save was acknowledged: the storm checked no kept write");
    for table in ["members", "members_history"] {
        let missing = crate::entities::members_missing_from(db, table, &acked).await;
        assert!(missing.is_empty(), "acknowledged saves missing from {table}: {missing:?}");
    }
    let rows = rows - 2 * BATCH as i64;
    assert!(rows < TASKS as i64, "no task was cancelled before its commit");
    tests::announce(&format!(
        "{}: cancellation storm of {TASKS} tasks cut within {} ms: {} acknowledged and all stored with history, {rows} committed, the rest rolled back",
        db.backend(),
        window / 1000,
        acked.len()
    ));
}
