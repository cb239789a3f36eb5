//! P1, pool contention (PostgreSQL): 200 tasks in a closed loop for 10 s on a pool of 20
//! connections, each operation an acquire, `SELECT 1` and release; dal's pool against sqlx's
//! own `PgPool`, with its default options (a ping before every acquire) and without the ping.
//! A plain timed run, not criterion: it prints one `P1|…` line per system with operations per
//! second, the acquire wait's p50 and p99, and fairness (the fewest operations of any task over
//! the mean per task), which `run.sh` puts in RESULTS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use benches::pg_url;
use dal::Database;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::Barrier;

const TASKS: usize = 200;
const POOL: u32 = 20;
const RUN: Duration = Duration::from_secs(10);
const WARM_UP: Duration = Duration::from_secs(1);

/// A pool under test.
#[derive(Clone)]
enum System {
    Dal(Database),
    Sqlx(PgPool),
}

impl System {
    /// One operation; returns how long the acquire waited.
    async fn op(&self) -> Duration {
        let start = Instant::now();
        match self {
            System::Dal(db) => {
                let conn = db.connection().await.expect("dal acquire");
                let waited = start.elapsed();
                conn.query("SELECT 1").execute().await.expect("dal SELECT 1");
                waited
            }
            System::Sqlx(pool) => {
                let mut conn = pool.acquire().await.expect("sqlx acquire");
                let waited = start.elapsed();
                sqlx::query("SELECT 1").execute(&mut *conn).await.expect("sqlx SELECT 1");
                waited
            }
        }
    }
}

/// What one closed-loop run measured.
struct Figures {
    ops_per_s: f64,
    fairness: f64,
    p50: Duration,
    p99: Duration,
}

/// Runs `TASKS` tasks doing operations back to back for `run`.
async fn closed_loop(system: &System, run: Duration) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(TASKS + 1));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (system, stop, barrier) = (system.clone(), Arc::clone(&stop), Arc::clone(&barrier));
            tokio::spawn(async move {
                let mut waits = Vec::new();
                barrier.wait().await;
                while !stop.load(Ordering::Relaxed) {
                    let waited = system.op().await;
                    if !stop.load(Ordering::Relaxed) {
                        waits.push(waited);
                    }
                }
                waits
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    tokio::time::sleep(run).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let mut per_task = Vec::with_capacity(TASKS);
    let mut waits = Vec::new();
    for task in tasks {
        let w = task.await.expect("task");
        per_task.push(w.len());
        waits.extend(w);
    }
    waits.sort_unstable();
    let total: usize = per_task.iter().sum();
    let mean = total as f64 / TASKS as f64;
    let fewest = per_task.iter().copied().min().unwrap_or_default() as f64;
    let at =
        |q: f64| waits.get(((waits.len() as f64 * q) as usize).min(waits.len().saturating_sub(1)));
    Figures {
        ops_per_s: total as f64 / elapsed.as_secs_f64(),
        fairness: if mean > 0.0 { fewest / mean } else { 0.0 },
        p50: at(0.50).copied().unwrap_or_default(),
        p99: at(0.99).copied().unwrap_or_default(),
    }
}

fn main() {
    // `cargo bench -- <filter>`: run only when the filter names P1.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"P1_pool_contention".contains(f)) {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let url = pg_url();
    rt.block_on(async {
        let dal = Database::connect(format!("{url}?alias=bench_p1&max_connections={POOL}")).await;
        let Ok(dal) = dal else {
            println!("SKIPPED|P1|PostgreSQL at {url} is not reachable");
            return;
        };
        let sqlx_default = PgPoolOptions::new().max_connections(POOL).connect(&url).await;
        let sqlx_no_ping =
            PgPoolOptions::new().max_connections(POOL).test_before_acquire(false).connect(&url).await;
        let (Ok(sqlx_default), Ok(sqlx_no_ping)) = (sqlx_default, sqlx_no_ping) else {
            println!("SKIPPED|P1|sqlx cannot connect to {url}");
            return;
        };
        let systems = [
            ("dal", System::Dal(dal)),
            ("sqlx_pool_default", System::Sqlx(sqlx_default)),
            ("sqlx_pool_no_ping", System::Sqlx(sqlx_no_ping)),
        ];
        for (name, system) in &systems {
            closed_loop(system, WARM_UP).await;
            let f = closed_loop(system, RUN).await;
            println!(
                "P1|{name}|ops_per_s={:.0}|fairness={:.3}|p50_us={}|p99_us={}|tasks={TASKS}|pool={POOL}|secs={}",
                f.ops_per_s,
                f.fairness,
                f.p50.as_micros(),
                f.p99.as_micros(),
                RUN.as_secs()
            );
        }
    });
}
