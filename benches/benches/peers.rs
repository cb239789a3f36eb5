#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! The peer ORMs of ../shared/BENCHMARKS.md, behind the `peers` feature (off by default): R1 get
//! by id, R2 find N (N = 1, 100, 10,000), W1 insert one and W3 insert 1,000 on SQLite,
//! PostgreSQL and MariaDB, each group measuring dal, sqlx by hand, SeaORM and Diesel
//! (diesel-async) in the same run on the same `bench_users` table and data, every system on
//! its own pool. Peers have no history tables, so W1 and W3 are without history; W3 also
//! runs dal with history (`dal_with_history`), the figure of the W3 target ("at least 2x
//! faster than SeaORM's insert_many"). Groups are `peers_<workload>/<backend>`.
//!
//! ```sh
//! cargo bench -p benches --features peers --bench peers
//! ```

use benches::hand::{self, HandPool};
use benches::peers::with_diesel::DieselPool;
use benches::peers::with_seaorm::Sea;
use benches::{HistoryUser, MIN_AGE, R2_SEEDED, User, backend_name, seed};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use dal::Database;
use dal::query::Dialect;
use dal::types::Uuid;
use tokio::runtime::Runtime;

/// W3's batch.
const BATCH: u32 = 1000;

/// One backend, reached by every system.
struct Target {
    dialect: Dialect,
    db: Database,
    hand: HandPool,
    sea: Sea,
    diesel: DieselPool,
    ids: Vec<Uuid>,
}

async fn connect(dialect: Dialect, dal_url: String, url: String) -> Result<Target, String> {
    let db = Database::connect(dal_url).await.map_err(|e| format!("dal cannot connect: {e}"))?;
    let ids = seed(&db, R2_SEEDED).await.map_err(|e| format!("seeding failed: {e}"))?;
    let hand =
        HandPool::connect(dialect, &url).await.map_err(|e| format!("sqlx cannot connect: {e}"))?;
    let sea =
        Sea::connect(dialect, &url).await.map_err(|e| format!("SeaORM cannot connect: {e}"))?;
    let diesel = DieselPool::connect(dialect, &url)
        .await
        .map_err(|e| format!("Diesel cannot connect: {e}"))?;
    Ok(Target { dialect, db, hand, sea, diesel, ids })
}

/// Every reachable backend; the others are named with the reason they were skipped.
fn targets(rt: &Runtime) -> Vec<Target> {
    benches::reachable(rt, "peers", connect)
}

fn group<'c>(c: &'c mut Criterion, workload: &str, t: &Target) -> BenchmarkGroup<'c, WallTime> {
    c.benchmark_group(format!("peers_{workload}/{}", backend_name(t.dialect)))
}

fn r1(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let mut g = group(c, "R1_get_by_id", t);
    let ids = &t.ids;
    let users = &t.db.repo::<User>();
    let mut i = 0;
    let mut next = move || {
        i += 1;
        ids[i % ids.len()]
    };
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| {
            let id = next();
            async move { users.get(id).await.expect("get").expect("row") }
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| {
            let id = next();
            async move { t.hand.get(id).await.expect("get").expect("row") }
        });
    });
    g.bench_function("seaorm", |b| {
        b.to_async(rt).iter(|| {
            let id = next();
            async move { t.sea.get(id).await.expect("get").expect("row") }
        });
    });
    g.bench_function("diesel", |b| {
        b.to_async(rt).iter(|| {
            let id = next();
            async move { assert!(t.diesel.get(id).await.expect("get"), "row") }
        });
    });
    g.finish();
}

fn r2(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.db.repo::<User>();
    for n in [1_u64, 100, 10_000] {
        let sql = hand::find_sql(t.dialect, n);
        let mut g = group(c, &format!("R2_find_{n}"), t);
        if n >= 10_000 {
            g.sampling_mode(SamplingMode::Flat).sample_size(10);
        }
        g.bench_function("dal", |b| {
            b.to_async(rt).iter(|| async move {
                let found = users
                    .find()
                    .filter(User::AGE.ge(MIN_AGE))
                    .order_by(User::ID.asc())
                    .limit(n)
                    .all()
                    .await
                    .expect("find");
                assert_eq!(found.len() as u64, n);
            });
        });
        g.bench_function("sqlx", |b| {
            b.to_async(rt).iter(|| async move {
                assert_eq!(t.hand.find(sql, MIN_AGE).await.expect("find").len() as u64, n);
            });
        });
        g.bench_function("seaorm", |b| {
            b.to_async(rt).iter(|| async move {
                assert_eq!(t.sea.find(MIN_AGE, n).await.expect("find").len() as u64, n);
            });
        });
        g.bench_function("diesel", |b| {
            b.to_async(rt).iter(|| async move {
                assert_eq!(t.diesel.find(MIN_AGE, n).await.expect("find") as u64, n);
            });
        });
        g.finish();
    }
}

fn w1(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let new_user = &User::seeded(1);
    let users = &t.db.repo::<User>();
    let mut g = group(c, "W1_insert", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| async move { users.save(new_user).await.expect("save") });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| async move { t.hand.insert(new_user).await.expect("insert") });
    });
    g.bench_function("seaorm", |b| {
        b.to_async(rt).iter(|| async move { t.sea.insert(1).await.expect("insert") });
    });
    g.bench_function("diesel", |b| {
        b.to_async(rt).iter(|| async move { t.diesel.insert(1).await.expect("insert") });
    });
    g.finish();
}

fn w3(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let batch = &(0..BATCH).map(User::seeded).collect::<Vec<_>>();
    let history = &(0..BATCH).map(HistoryUser::seeded).collect::<Vec<_>>();
    let db = &t.db;
    let mut g = group(c, &format!("W3_save_all_{BATCH}"), t);
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.bench_function("dal", |b| {
        b.to_async(rt)
            .iter(|| async move { db.repo::<User>().save_all(batch).await.expect("save_all") });
    });
    g.bench_function("dal_with_history", |b| {
        b.to_async(rt).iter(|| async move {
            db.repo::<HistoryUser>().save_all(history).await.expect("save_all")
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| async move { t.hand.save_all(batch).await.expect("save_all") });
    });
    g.bench_function("seaorm", |b| {
        b.to_async(rt).iter(|| async move { t.sea.insert_many(BATCH).await.expect("insert_many") });
    });
    g.bench_function("diesel", |b| {
        b.to_async(rt)
            .iter(|| async move { t.diesel.insert_many(BATCH).await.expect("insert_many") });
    });
    g.finish();
}

fn peers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let targets = targets(&rt);
    for t in &targets {
        r1(c, &rt, t);
        r2(c, &rt, t);
        w1(c, &rt, t);
        w3(c, &rt, t);
    }
    for t in targets {
        rt.block_on(async {
            t.hand.close().await;
            let _ = t.sea.close().await;
            for table in ["bench_users", "bench_users_h", "bench_users_h_history"] {
                let _ = t.db.query(&format!("DROP TABLE IF EXISTS {table}")).execute().await;
            }
        });
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = peers
}
criterion_main!(benches);
