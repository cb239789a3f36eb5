#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! What `transaction_pooler` costs, on PostgreSQL: dal's R1 get by id, R2 find 100 and W1
//! insert one, sent four ways in the same run. `prepared` is dal's default (statements
//! prepared once and cached); `unnamed` prepares each statement for its run only
//! (`statement_cache_capacity=0`: two round trips); `inline` is the pooler mode straight to
//! the server (one simple-protocol message with the values written in); `pgbouncer` is the
//! pooler mode through a real PgBouncer in transaction pooling mode, the hop included. Each
//! group is `pooler_<workload>/postgres`.

use std::time::Duration;

use benches::{User, analyze, pg_url, seed};
use criterion::{Criterion, criterion_group, criterion_main};
use dal::pool::Pool;
use dal::types::Uuid;
use dal::{Database, DbConfig};
use tokio::runtime::Runtime;

/// Rows seeded: R2 reads the first 100 with an age of at least 10.
const SEEDED: u32 = 1_000;

/// The four ways to the same database, with the ids seeded there.
struct Ways {
    /// `(function name, handle)`, in the order they are measured.
    handles: Vec<(&'static str, Database)>,
    ids: Vec<Uuid>,
    /// Connects to the server directly, to create and drop the database.
    admin: Database,
    database: String,
    _bouncer: tests::PgBouncer,
}

fn url_of(base: &str, database: &str, alias: &str, extra: &str) -> String {
    let config = DbConfig::from_url(base).expect("the PostgreSQL URL parses");
    let host = config.host_name().unwrap_or("127.0.0.1");
    let port = config.port_number().unwrap_or(5432);
    let user = config.user_name().unwrap_or("postgres");
    format!("postgres://{user}@{host}:{port}/{database}?alias={alias}{extra}")
}

async fn connect() -> Result<Ways, String> {
    let base = pg_url();
    let upstream = DbConfig::from_url(&base).map_err(|e| e.to_string())?;
    let admin = Database::from_pool(
        Pool::new(upstream.clone().max_connections(1)).map_err(|e| e.to_string())?,
    );
    let database = format!("dal_bench_pooler_{}", &Uuid::new_v4().simple().to_string()[..12]);
    admin
        .query(&format!("CREATE DATABASE {database}"))
        .execute()
        .await
        .map_err(|e| format!("cannot create the database: {e}"))?;
    let bouncer = tests::PgBouncer::start(
        upstream.host_name().unwrap_or("127.0.0.1"),
        upstream.port_number().unwrap_or(5432),
        "transaction",
    )?;
    let mut handles = Vec::new();
    for (name, extra) in [
        ("prepared", ""),
        ("unnamed", "&statement_cache_capacity=0"),
        ("inline", "&transaction_pooler=true"),
    ] {
        let url = url_of(&base, &database, &format!("bench_pooler_{name}"), extra);
        handles.push((name, Database::connect(url).await.map_err(|e| e.to_string())?));
    }
    let through =
        format!("{}?alias=bench_pooler_pgbouncer&transaction_pooler=true", bouncer.url(&database));
    handles.push(("pgbouncer", Database::connect(through).await.map_err(|e| e.to_string())?));
    let ids = seed(&handles[0].1, SEEDED).await.map_err(|e| format!("seeding failed: {e}"))?;
    analyze(&handles[0].1, &["bench_users"]).await.map_err(|e| e.to_string())?;
    Ok(Ways { handles, ids, admin, database, _bouncer: bouncer })
}

fn pooler(c: &mut Criterion) {
    let rt = Runtime::new().expect("tokio runtime");
    let ways = match rt.block_on(connect()) {
        Ok(ways) => ways,
        Err(e) => {
            eprintln!("SKIPPED|pooler|{e}");
            return;
        }
    };
    let id = ways.ids[ways.ids.len() / 2];
    let mut g = c.benchmark_group("pooler_R1_get_by_id/postgres");
    for (name, db) in &ways.handles {
        let users = &db.repo::<User>();
        g.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async move { users.get(id).await.expect("get").expect("row") });
        });
    }
    g.finish();
    let mut g = c.benchmark_group("pooler_R2_find_100/postgres");
    for (name, db) in &ways.handles {
        let users = &db.repo::<User>();
        g.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async move {
                let found = users
                    .find()
                    .filter(User::AGE.ge(10))
                    .order_by(User::ID.asc())
                    .limit(100)
                    .all()
                    .await
                    .expect("find");
                assert_eq!(found.len(), 100);
            });
        });
    }
    g.finish();
    let mut g = c.benchmark_group("pooler_W1_insert/postgres");
    let new_user = User::seeded(1);
    for (name, db) in &ways.handles {
        let users = &db.repo::<User>();
        let new_user = &new_user;
        g.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async move { users.save(new_user).await.expect("save") });
        });
    }
    g.finish();
    rt.block_on(async {
        for (_, db) in &ways.handles {
            db.pool().close(Duration::from_secs(1)).await;
        }
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ways.database);
        if let Err(e) = ways.admin.query(&drop).execute().await {
            eprintln!("could not drop {}: {e}", ways.database);
        }
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = pooler
}
criterion_main!(benches);
