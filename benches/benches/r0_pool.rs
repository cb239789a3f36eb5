#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! R0, pool overhead: get-by-id with 1 and 8 concurrent tasks through dal's pool, against the
//! same query on dedicated sqlx connections (one per task, no pool) and on sqlx's `Pool` with
//! default options. PostgreSQL. Each iteration runs `TASKS` tasks doing `PER_TASK` gets each;
//! the ratio of medians dal / dedicated is the figure.

use std::time::Duration;

use benches::{User, pg_url, seed};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dal::{Database, Entity};
use sqlx::{Connection, PgConnection, PgPool};

const PER_TASK: usize = 100;

fn r0(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let url = pg_url();
    let setup = rt.block_on(async {
        let db = Database::connect(format!("{url}?alias=bench_r0&max_connections=8")).await?;
        let ids = seed(&db, 1000).await?;
        Ok::<_, dal::Error>((db, ids))
    });
    let Ok((db, ids)) = setup else {
        eprintln!("R0 skipped: PostgreSQL at {url} is not reachable");
        return;
    };
    let select = User::statements(dal::Dialect::Postgres).select_by_id;

    let mut group = c.benchmark_group("R0_pool_get_by_id_postgres");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    for tasks in [1_usize, 8] {
        group.throughput(criterion::Throughput::Elements((tasks * PER_TASK) as u64));

        group.bench_with_input(BenchmarkId::new("dal_pool", tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                let (db, ids) = (db.clone(), ids.clone());
                async move {
                    let handles: Vec<_> = (0..tasks)
                        .map(|t| {
                            let (db, ids) = (db.clone(), ids.clone());
                            tokio::spawn(async move {
                                let users = db.repo::<User>();
                                for i in 0..PER_TASK {
                                    let id = ids[(t * PER_TASK + i) % ids.len()];
                                    users.get(id).await.expect("get").expect("row");
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.expect("task");
                    }
                }
            });
        });

        // dal's typed path on one held connection per task: separates the pool's cost from the
        // cost of dal's query and row mapping.
        group.bench_with_input(
            BenchmarkId::new("dal_held_connection", tasks),
            &tasks,
            |b, &tasks| {
                b.to_async(&rt).iter(|| {
                    let (db, ids) = (db.clone(), ids.clone());
                    async move {
                        let handles: Vec<_> = (0..tasks)
                            .map(|t| {
                                let (db, ids) = (db.clone(), ids.clone());
                                tokio::spawn(async move {
                                    let conn = db.connection().await.expect("connection");
                                    let users = conn.repo::<User>();
                                    for i in 0..PER_TASK {
                                        let id = ids[(t * PER_TASK + i) % ids.len()];
                                        users.get(id).await.expect("get").expect("row");
                                    }
                                })
                            })
                            .collect();
                        for h in handles {
                            h.await.expect("task");
                        }
                    }
                });
            },
        );

        let dedicated: Vec<_> = rt.block_on(async {
            let mut conns = Vec::new();
            for _ in 0..tasks {
                conns.push(std::sync::Arc::new(tokio::sync::Mutex::new(
                    PgConnection::connect(&url).await.expect("connect"),
                )));
            }
            conns
        });
        group.bench_with_input(BenchmarkId::new("sqlx_dedicated", tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                let (conns, ids) = (dedicated.clone(), ids.clone());
                async move {
                    let handles: Vec<_> = (0..tasks)
                        .map(|t| {
                            let (conn, ids) = (conns[t].clone(), ids.clone());
                            tokio::spawn(async move {
                                let mut conn = conn.lock().await;
                                for i in 0..PER_TASK {
                                    let id = ids[(t * PER_TASK + i) % ids.len()];
                                    sqlx::query_as::<_, User>(select)
                                        .bind(id)
                                        .fetch_one(&mut *conn)
                                        .await
                                        .expect("row");
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.expect("task");
                    }
                }
            });
        });

        let sqlx_pool: PgPool = rt.block_on(PgPool::connect(&url)).expect("sqlx pool");
        group.bench_with_input(
            BenchmarkId::new("sqlx_pool_default", tasks),
            &tasks,
            |b, &tasks| {
                b.to_async(&rt).iter(|| {
                    let (pool, ids) = (sqlx_pool.clone(), ids.clone());
                    async move {
                        let handles: Vec<_> = (0..tasks)
                            .map(|t| {
                                let (pool, ids) = (pool.clone(), ids.clone());
                                tokio::spawn(async move {
                                    for i in 0..PER_TASK {
                                        let id = ids[(t * PER_TASK + i) % ids.len()];
                                        sqlx::query_as::<_, User>(select)
                                            .bind(id)
                                            .fetch_one(&pool)
                                            .await
                                            .expect("row");
                                    }
                                })
                            })
                            .collect();
                        for h in handles {
                            h.await.expect("task");
                        }
                    }
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
