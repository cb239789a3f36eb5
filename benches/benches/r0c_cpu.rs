//! R0c, client CPU per query: R0's workload (get by id of a `User` on PostgreSQL, `TASKS`
//! concurrent tasks) measured as the CPU time this process spends per query, for dal's pool,
//! dedicated sqlx connections (one per task, no pool) and sqlx's `Pool` with default options,
//! at 1, 8 and 20 tasks.
//!
//! Where client and server share cores, the client's CPU is throughput the server does not
//! get, so this is the figure R0's wall-clock ratio swings with. Process CPU time (every
//! thread: the runtime's workers, the pool's maintainer) comes from
//! `CLOCK_PROCESS_CPUTIME_ID`; the server runs in other processes and is not counted. Rounds
//! are interleaved (every system and task count once per round, `ROUNDS` times) so that a
//! slow moment of the machine falls on all of them; `benches/run.sh` reports the medians.
//!
//! Output, one line per measurement:
//! `R0C|<system>|<tasks>|<round>|cpu_ns_per_query=<n>|wall_ns_per_query=<n>`.
//!
//! ```sh
//! cargo bench -p benches --bench r0c_cpu
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::{User, pg_url, seed};
use dal::types::Uuid;
use dal::{Database, Entity};
use rustix::time::{ClockId, clock_gettime};
use sqlx::{Connection, PgConnection, PgPool};

/// Queries per measurement, shared among the tasks.
const QUERIES: usize = 4000;
/// Interleaved rounds; the report takes the median.
const ROUNDS: usize = 5;
/// The task counts of the issue: one caller, as many as the pool has, more than it has.
const TASKS: [usize; 3] = [1, 8, 20];

/// This process's CPU time so far, every thread.
fn process_cpu() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec.unsigned_abs(), t.tv_nsec.unsigned_abs() as u32)
}

/// One of the systems compared.
#[derive(Clone, Copy)]
enum System {
    DalPool,
    SqlxDedicated,
    SqlxPool,
}

impl System {
    fn name(self) -> &'static str {
        match self {
            System::DalPool => "dal_pool",
            System::SqlxDedicated => "sqlx_dedicated",
            System::SqlxPool => "sqlx_pool_default",
        }
    }
}

/// What each system needs, made once.
struct Setup {
    db: Database,
    ids: Arc<Vec<Uuid>>,
    select: &'static str,
    /// One connection per task of the largest task count.
    dedicated: Vec<Arc<tokio::sync::Mutex<PgConnection>>>,
    sqlx_pool: PgPool,
}

/// Runs `QUERIES` gets split over `tasks` tasks through `system`.
async fn run(setup: &Setup, system: System, tasks: usize) {
    let per_task = QUERIES / tasks;
    let mut handles = Vec::with_capacity(tasks);
    for t in 0..tasks {
        let ids = Arc::clone(&setup.ids);
        let id = move |i: usize| ids[(t * per_task + i) % ids.len()];
        let select = setup.select;
        handles.push(match system {
            System::DalPool => {
                let db = setup.db.clone();
                tokio::spawn(async move {
                    let users = db.repo::<User>();
                    for i in 0..per_task {
                        users.get(id(i)).await.expect("get").expect("row");
                    }
                })
            }
            System::SqlxDedicated => {
                let conn = Arc::clone(&setup.dedicated[t]);
                tokio::spawn(async move {
                    let mut conn = conn.lock().await;
                    for i in 0..per_task {
                        sqlx::query_as::<_, User>(select)
                            .bind(id(i))
                            .fetch_one(&mut *conn)
                            .await
                            .expect("row");
                    }
                })
            }
            System::SqlxPool => {
                let pool = setup.sqlx_pool.clone();
                tokio::spawn(async move {
                    for i in 0..per_task {
                        sqlx::query_as::<_, User>(select)
                            .bind(id(i))
                            .fetch_one(&pool)
                            .await
                            .expect("row");
                    }
                })
            }
        });
    }
    for h in handles {
        h.await.expect("task");
    }
}

/// A sqlx failure while setting up, as dal's error (the bench then skips naming it).
fn sqlx_error(e: sqlx::Error) -> dal::Error {
    dal::Error::new(dal::ErrorKind::Connection, e.to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter is not supported (one measurement set).
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let url = pg_url();
    let max = TASKS.iter().copied().max().unwrap_or(1);
    let setup = rt.block_on(async {
        // As R0: dal's pool holds 8 connections; 20 tasks queue for them.
        let db = Database::connect(format!("{url}?alias=bench_r0c&max_connections=8")).await?;
        let ids = Arc::new(seed(&db, 1000).await?);
        let mut dedicated = Vec::with_capacity(max);
        for _ in 0..max {
            let conn = PgConnection::connect(&url).await.map_err(sqlx_error)?;
            dedicated.push(Arc::new(tokio::sync::Mutex::new(conn)));
        }
        let sqlx_pool = PgPool::connect(&url).await.map_err(sqlx_error)?;
        let select = User::statements(dal::query::Dialect::Postgres).select_live_by_id;
        Ok::<_, dal::Error>(Setup { db, ids, select, dedicated, sqlx_pool })
    });
    let setup = match setup {
        Ok(setup) => setup,
        Err(e) => {
            println!("SKIPPED|R0c|PostgreSQL at {url} is not reachable: {e}");
            return;
        }
    };
    let systems = [System::DalPool, System::SqlxDedicated, System::SqlxPool];
    // A warm-up pass: every connection opened and every statement prepared before measuring.
    for system in systems {
        for tasks in TASKS {
            rt.block_on(run(&setup, system, tasks));
        }
    }
    for round in 1..=ROUNDS {
        for tasks in TASKS {
            for system in systems {
                let (cpu, wall) = (process_cpu(), Instant::now());
                rt.block_on(run(&setup, system, tasks));
                let (cpu, wall) = (process_cpu() - cpu, wall.elapsed());
                let queries = (QUERIES / tasks * tasks) as u128;
                println!(
                    "R0C|{}|{tasks}|{round}|cpu_ns_per_query={}|wall_ns_per_query={}",
                    system.name(),
                    cpu.as_nanos() / queries,
                    wall.as_nanos() / queries
                );
            }
        }
    }
}
