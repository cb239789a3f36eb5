#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! D1 of ../shared/BENCHMARKS.md: the four workloads of Diesel's own `diesel_bench` suite on
//! SQLite, PostgreSQL and MariaDB, each system on one connection held for the whole
//! measurement (as `diesel_bench` runs them, so no pool is timed):
//!
//! - `D1_trivial_query_<N>`: every user of a table of N (1, 100, 10,000);
//! - `D1_medium_complex_<N>`: N users with black or brown hair, left join their posts, the
//!   black-haired ones (as in `diesel_bench`, the posts table is empty here);
//! - `D1_insert_<N>`: N new users (1, 10, 25, 50, 100): dal's `save_all` (which inserts
//!   entities with database-assigned ids one statement each, to read each id back), and as
//!   `dal_execute_many` the raw `execute_many` (one multi-row statement), sqlx and Diesel in
//!   one multi-row statement;
//! - `D1_loading_associations`: 100 users, their 1,000 posts, the posts' 10,000 comments,
//!   grouped: dal through its relation API (`find().with(D1User::POSTS.with(D1Post::COMMENTS))`,
//!   one statement per level), sqlx by hand with `IN` lists and grouping in memory, Diesel with
//!   `belonging_to` + `grouped_by`.
//!
//! Functions: `dal` and `sqlx` (by hand) always, `diesel` (diesel-async) with the `peers`
//! feature. Groups are `<workload>/<backend>`; the ratio is dal's median over sqlx's.
//!
//! ```sh
//! cargo bench -p benches --bench d1_diesel_bench                    # dal and sqlx by hand
//! cargo bench -p benches --features peers --bench d1_diesel_bench   # and Diesel
//! ```

use std::time::Instant;

use benches::backend_name;
use benches::d1::{self, by_hand, with_dal};
use benches::hand::HandPool;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use dal::Database;
use dal::query::Dialect;
use tokio::runtime::Runtime;

#[cfg(feature = "peers")]
use benches::peers::with_diesel::{DieselPool, NewD1User};

/// One backend, reached by every system.
struct Target {
    dialect: Dialect,
    db: Database,
    hand: HandPool,
    #[cfg(feature = "peers")]
    diesel: DieselPool,
}

impl Target {
    fn name(&self) -> &'static str {
        backend_name(self.dialect)
    }
}

async fn connect(dialect: Dialect, dal_url: String, url: String) -> Result<Target, String> {
    let db = Database::connect(dal_url).await.map_err(|e| format!("dal cannot connect: {e}"))?;
    d1::create_tables(&db).await.map_err(|e| format!("creating the tables failed: {e}"))?;
    let hand =
        HandPool::connect(dialect, &url).await.map_err(|e| format!("sqlx cannot connect: {e}"))?;
    #[cfg(feature = "peers")]
    let diesel = DieselPool::connect(dialect, &url)
        .await
        .map_err(|e| format!("Diesel cannot connect: {e}"))?;
    Ok(Target {
        dialect,
        db,
        hand,
        #[cfg(feature = "peers")]
        diesel,
    })
}

/// Every reachable backend; the others are named with the reason they were skipped.
fn targets(rt: &Runtime) -> Vec<Target> {
    benches::reachable(rt, "d1", connect)
}

/// Times `iters` runs of `$op` on one connection of each system, taken before the clock
/// starts: `$dal` on dal's, `$hand` on sqlx's and (with `peers`) `$diesel` on Diesel's.
macro_rules! held_bench {
    ($g:expr, $rt:expr, $t:expr, |$dc:ident| $dal:expr, |$hc:ident| $hand:expr, |$pc:ident| $diesel:expr) => {{
        let t = $t;
        $g.bench_function("dal", |b| {
            b.to_async($rt).iter_custom(|iters| async move {
                let $dc = t.db.connection().await.expect("connection");
                let start = Instant::now();
                for _ in 0..iters {
                    $dal;
                }
                start.elapsed()
            });
        });
        $g.bench_function("sqlx", |b| {
            b.to_async($rt).iter_custom(|iters| async move {
                let mut $hc = t.hand.acquire().await.expect("connection");
                let start = Instant::now();
                for _ in 0..iters {
                    $hand;
                }
                start.elapsed()
            });
        });
        #[cfg(feature = "peers")]
        $g.bench_function("diesel", |b| {
            b.to_async($rt).iter_custom(|iters| async move {
                let mut $pc = t.diesel.acquire().await.expect("connection");
                let start = Instant::now();
                for _ in 0..iters {
                    $diesel;
                }
                start.elapsed()
            });
        });
    }};
}

fn group<'c>(c: &'c mut Criterion, workload: &str, t: &Target) -> BenchmarkGroup<'c, WallTime> {
    c.benchmark_group(format!("{workload}/{}", t.name()))
}

/// For groups whose one iteration takes milliseconds.
fn slow(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
}

fn trivial(c: &mut Criterion, rt: &Runtime, t: &Target) {
    for n in [1_usize, 100, 10_000] {
        rt.block_on(d1::reseed_users(&t.db, n, |_| None)).expect("seeding");
        let mut g = group(c, &format!("D1_trivial_query_{n}"), t);
        if n >= 10_000 {
            slow(&mut g);
        }
        held_bench!(
            g,
            rt,
            t,
            |conn| assert_eq!(with_dal::trivial(&conn).await.expect("trivial").len(), n),
            |conn| assert_eq!(by_hand::trivial(&mut conn).await.expect("trivial").len(), n),
            |conn| assert_eq!(conn.trivial().await.expect("trivial").len(), n)
        );
        g.finish();
    }
}

fn medium(c: &mut Criterion, rt: &Runtime, t: &Target) {
    for n in [1_usize, 100, 10_000] {
        rt.block_on(d1::reseed_users(&t.db, n, d1::black_or_brown)).expect("seeding");
        let rows = n.div_ceil(2);
        let mut g = group(c, &format!("D1_medium_complex_{n}"), t);
        if n >= 10_000 {
            slow(&mut g);
        }
        held_bench!(
            g,
            rt,
            t,
            |conn| assert_eq!(with_dal::medium(&conn).await.expect("medium").len(), rows),
            |conn| assert_eq!(by_hand::medium(&mut conn).await.expect("medium").len(), rows),
            |conn| assert_eq!(conn.medium().await.expect("medium").len(), rows)
        );
        g.finish();
    }
}

fn insert(c: &mut Criterion, rt: &Runtime, t: &Target) {
    rt.block_on(d1::reseed_users(&t.db, 0, |_| None)).expect("emptying");
    for n in [1_usize, 10, 25, 50, 100] {
        let users = &(0..n).map(|i| d1::new_user(i, Some("hair_color"))).collect::<Vec<_>>();
        #[cfg(feature = "peers")]
        let new_users = &users
            .iter()
            .map(|u| NewD1User { name: u.name.clone(), hair_color: u.hair_color.clone() })
            .collect::<Vec<_>>();
        let mut g = group(c, &format!("D1_insert_{n}"), t);
        held_bench!(
            g,
            rt,
            t,
            |conn| assert_eq!(with_dal::insert(&conn, users).await.expect("insert"), n),
            |conn| assert_eq!(by_hand::insert(&mut conn, users).await.expect("insert"), n as u64),
            |conn| assert_eq!(conn.insert(new_users).await.expect("insert"), n)
        );
        // What a dal user writes to insert many rows in one statement when the ids are the
        // database's: `save_all` inserts those one at a time, to read each id back.
        g.bench_function("dal_execute_many", |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                let conn = t.db.connection().await.expect("connection");
                let start = Instant::now();
                for _ in 0..iters {
                    let done = with_dal::insert_many_raw(&conn, users).await.expect("insert");
                    assert_eq!(done, n as u64);
                }
                start.elapsed()
            });
        });
        g.finish();
    }
}

fn associations(c: &mut Criterion, rt: &Runtime, t: &Target) {
    rt.block_on(d1::seed_associations(&t.db)).expect("seeding");
    let users = d1::ASSOCIATION_USERS;
    let mut g = group(c, "D1_loading_associations", t);
    slow(&mut g);
    held_bench!(
        g,
        rt,
        t,
        |conn| assert_eq!(with_dal::associations(&conn).await.expect("load").len(), users),
        |conn| assert_eq!(by_hand::associations(&mut conn).await.expect("load").len(), users),
        |conn| assert_eq!(conn.associations().await.expect("load").len(), users)
    );
    g.finish();
}

fn d1(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let targets = targets(&rt);
    for t in &targets {
        trivial(c, &rt, t);
        medium(c, &rt, t);
        insert(c, &rt, t);
        associations(c, &rt, t);
    }
    for t in &targets {
        rt.block_on(async {
            t.hand.close().await;
            for table in ["d1_comments", "d1_posts", "d1_users"] {
                let _ = t.db.query(&format!("DROP TABLE IF EXISTS {table}")).execute().await;
            }
        });
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = d1
}
criterion_main!(benches);
