#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! R0, pool overhead: get-by-id with 1 and 8 concurrent tasks through dal's pool, against the
//! same query on dedicated sqlx connections (one per task, no pool) and on sqlx's `Pool` with
//! default options. PostgreSQL. Each iteration runs `TASKS` tasks doing `PER_TASK` gets each;
//! the ratio of medians dal / dedicated is the figure. `dal_held_connection` runs dal's typed
//! get on one held connection per task, which separates the pool's cost from the query path's.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use benches::{User, pg_url, seed};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dal::types::Uuid;
use dal::{Database, Entity};
use sqlx::{Connection, PgConnection, PgPool};

const PER_TASK: usize = 100;

/// Runs `task(t, ids)` for `t` in `0..tasks` concurrently and waits for all of them.
async fn concurrently<F, Fut>(tasks: usize, ids: &Arc<Vec<Uuid>>, task: F)
where
    F: Fn(usize, Arc<Vec<Uuid>>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|t| tokio::spawn(task(t, Arc::clone(ids)))).collect();
    for h in handles {
        h.await.expect("task");
    }
}

/// The id the `i`-th get of task `t` reads.
fn id_for(ids: &[Uuid], t: usize, i: usize) -> Uuid {
    ids[(t * PER_TASK + i) % ids.len()]
}

fn r0(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let url = pg_url();
    let setup = rt.block_on(async {
        let db = Database::connect(format!("{url}?alias=bench_r0&max_connections=8")).await?;
        let ids = seed(&db, 1000).await?;
        Ok::<_, dal::Error>((db, Arc::new(ids)))
    });
    let Ok((db, ids)) = setup else {
        eprintln!("R0 skipped: PostgreSQL at {url} is not reachable");
        return;
    };
    // The statement dal's `get` runs (live rows only: `User` has soft delete).
    let select = User::statements(dal::query::Dialect::Postgres).select_live_by_id;

    let mut group = c.benchmark_group("R0_pool_get_by_id_postgres");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    for tasks in [1_usize, 8] {
        group.throughput(criterion::Throughput::Elements((tasks * PER_TASK) as u64));

        group.bench_with_input(BenchmarkId::new("dal_pool", tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                concurrently(tasks, &ids, |t, ids| {
                    let db = db.clone();
                    async move {
                        let users = db.repo::<User>();
                        for i in 0..PER_TASK {
                            users.get(id_for(&ids, t, i)).await.expect("get").expect("row");
                        }
                    }
                })
            });
        });

        group.bench_with_input(
            BenchmarkId::new("dal_held_connection", tasks),
            &tasks,
            |b, &tasks| {
                b.to_async(&rt).iter(|| {
                    concurrently(tasks, &ids, |t, ids| {
                        let db = db.clone();
                        async move {
                            let conn = db.connection().await.expect("connection");
                            let users = conn.repo::<User>();
                            for i in 0..PER_TASK {
                                users.get(id_for(&ids, t, i)).await.expect("get").expect("row");
                            }
                        }
                    })
                });
            },
        );

        let dedicated: Vec<_> = rt.block_on(async {
            let mut conns = Vec::new();
            for _ in 0..tasks {
                let conn = PgConnection::connect(&url).await.expect("connect");
                conns.push(Arc::new(tokio::sync::Mutex::new(conn)));
            }
            conns
        });
        group.bench_with_input(BenchmarkId::new("sqlx_dedicated", tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                concurrently(tasks, &ids, |t, ids| {
                    let conn = Arc::clone(&dedicated[t]);
                    async move {
                        let mut conn = conn.lock().await;
                        for i in 0..PER_TASK {
                            sqlx::query_as::<_, User>(select)
                                .bind(id_for(&ids, t, i))
                                .fetch_one(&mut *conn)
                                .await
                                .expect("row");
                        }
                    }
                })
            });
        });

        let sqlx_pool: PgPool = rt.block_on(PgPool::connect(&url)).expect("sqlx pool");
        group.bench_with_input(
            BenchmarkId::new("sqlx_pool_default", tasks),
            &tasks,
            |b, &tasks| {
                b.to_async(&rt).iter(|| {
                    concurrently(tasks, &ids, |t, ids| {
                        let pool = sqlx_pool.clone();
                        async move {
                            for i in 0..PER_TASK {
                                sqlx::query_as::<_, User>(select)
                                    .bind(id_for(&ids, t, i))
                                    .fetch_one(&pool)
                                    .await
                                    .expect("row");
                            }
                        }
                    })
                });
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = r0
}
criterion_main!(benches);
