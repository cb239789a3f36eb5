#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! T1: what TLS costs. R1 (get by id) on PostgreSQL and MariaDB, each over TLS and in
//! plaintext to the same server, for dal and for sqlx by hand, in one run. Groups are
//! `T1_get_by_id/<backend>` with the functions `dal_plain`, `dal_tls`, `sqlx_plain` and
//! `sqlx_tls`; `run.sh` reports dal over TLS against sqlx over TLS, and each one's TLS/plaintext
//! ratio beside libpq's own (pgbench, same run).
//!
//! PostgreSQL: the machine's server (Debian's, with its self-signed certificate: `require`
//! against `disable`). MariaDB: the machine's server has no TLS, so the tests' own TLS server
//! (`tests::shared_mariadb_tls`, its `root` from 127.0.0.1: `REQUIRED` against `DISABLED`).

use benches::hand::HandPool;
use benches::{R2_SEEDED, User, seed, with_param};
use criterion::{Criterion, criterion_group, criterion_main};
use dal::query::Dialect;
use dal::types::Uuid;
use dal::{Database, TlsMode};
use tokio::runtime::Runtime;

/// One server reached four ways.
struct Target {
    name: &'static str,
    dal_plain: Database,
    dal_tls: Database,
    hand_plain: HandPool,
    hand_tls: HandPool,
    ids: Vec<Uuid>,
}

/// `url` with its TLS mode set, in the backend's own spelling (sqlx parses the same names).
fn tls_url(dialect: Dialect, url: &str, encrypted: bool) -> String {
    match (dialect, encrypted) {
        (Dialect::MySql, true) => with_param(url, "ssl-mode", TlsMode::Require.mysql_name()),
        (Dialect::MySql, false) => with_param(url, "ssl-mode", TlsMode::Disable.mysql_name()),
        (_, true) => with_param(url, "sslmode", TlsMode::Require.libpq_name()),
        (_, false) => with_param(url, "sslmode", TlsMode::Disable.libpq_name()),
    }
}

async fn connect(name: &'static str, dialect: Dialect, url: &str) -> Result<Target, String> {
    let dal = |encrypted: bool| {
        let url = with_param(
            &tls_url(dialect, url, encrypted),
            "alias",
            &format!("t1_{name}_{encrypted}"),
        );
        async move { Database::connect(url.as_str()).await.map_err(|e| format!("dal: {e}")) }
    };
    let dal_plain = dal(false).await?;
    let dal_tls = dal(true).await?;
    for (db, expected) in [(&dal_plain, false), (&dal_tls, true)] {
        let encrypted = db.pool().status().encrypted;
        if encrypted != Some(expected) {
            return Err(format!("dal's sessions: encrypted {encrypted:?}, expected {expected}"));
        }
    }
    let ids = seed(&dal_plain, R2_SEEDED).await.map_err(|e| format!("seeding: {e}"))?;
    let hand = |encrypted: bool| {
        let url = tls_url(dialect, url, encrypted);
        async move { HandPool::connect(dialect, &url).await.map_err(|e| format!("sqlx: {e}")) }
    };
    let hand_plain = hand(false).await?;
    let hand_tls = hand(true).await?;
    Ok(Target { name, dal_plain, dal_tls, hand_plain, hand_tls, ids })
}

fn targets(rt: &Runtime) -> Vec<Target> {
    let mut found = Vec::new();
    match rt.block_on(connect("postgres", Dialect::Postgres, &benches::pg_url())) {
        Ok(t) => found.push(t),
        Err(e) => println!("SKIPPED|postgres|T1: {e}"),
    }
    match tests::shared_mariadb_tls() {
        Some(server) => {
            let url = format!("mysql://root@127.0.0.1:{}/test", server.port());
            match rt.block_on(connect("mariadb", Dialect::MySql, &url)) {
                Ok(t) => found.push(t),
                Err(e) => println!("SKIPPED|mariadb|T1: {e}"),
            }
        }
        None => println!("SKIPPED|mariadb|T1: no MariaDB TLS server could be started"),
    }
    found
}

fn t1(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    for t in &targets(&rt) {
        let mut g = c.benchmark_group(format!("T1_get_by_id/{}", t.name));
        let ids = &t.ids;
        let mut i = 0;
        for (function, db) in [("dal_plain", &t.dal_plain), ("dal_tls", &t.dal_tls)] {
            let users = db.repo::<User>();
            let users = &users;
            g.bench_function(function, |b| {
                b.to_async(&rt).iter(|| {
                    i += 1;
                    let id = ids[i % ids.len()];
                    async move { users.get(id).await.expect("get").expect("row") }
                });
            });
        }
        for (function, hand) in [("sqlx_plain", &t.hand_plain), ("sqlx_tls", &t.hand_tls)] {
            g.bench_function(function, |b| {
                b.to_async(&rt).iter(|| {
                    i += 1;
                    let id = ids[i % ids.len()];
                    async move { hand.get(id).await.expect("get").expect("row") }
                });
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = t1
}
criterion_main!(benches);
