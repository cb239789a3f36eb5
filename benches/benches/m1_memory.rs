//! M1 of ../shared/BENCHMARKS.md: memory of R2 with N = 10,000 (typed filter + order by +
//! limit, rows mapped to `User`), dal against sqlx by hand, on SQLite, PostgreSQL and MariaDB.
//! A counting global allocator (stats_alloc's wrapper around `System`) counts allocations and
//! bytes over one call, on every thread (Tokio's workers and sqlx's SQLite worker included);
//! peak RSS is the process's high-water mark (`VmHWM`) over the call, reset before it through
//! `/proc/self/clear_refs`, and its growth over the resident set before the first call. Each
//! system runs in a child process of its own (so its peak is its own), in a binary without
//! criterion (so the allocator does not touch the timed benchmarks). Allocation figures are
//! the median of [`RUNS`] calls after one warm-up call.
//!
//! Prints one line per backend and system, for `run.sh`:
//! `M1|<backend>|<system>|rows=…|allocs=…|allocs_per_row=…|bytes_per_row=…|peak_rss_kib=…|rss_growth_kib=…`
//!
//! ```sh
//! cargo bench -p benches --bench m1_memory
//! ```

use std::alloc::System;

use benches::hand::{self, HandPool};
use benches::{MIN_AGE, R2_SEEDED, User, backend_name, fresh_sqlite_file, mysql_url, pg_url, seed};
use dal::Database;
use dal::query::Dialect;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Rows read per call.
const N: u64 = 10_000;

/// Measured calls per system and backend.
const RUNS: usize = 5;

/// What one call cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    allocs: usize,
    bytes: usize,
    /// The process's peak resident set (`VmHWM`).
    peak_rss_kib: u64,
    /// The peak over the resident set just before the first call.
    growth_kib: u64,
}

/// The process's peak resident set so far, in KiB (`VmHWM`), or 0 where /proc is missing.
fn peak_rss_kib() -> u64 {
    proc_status_kib("VmHWM:")
}

/// The process's resident set now, in KiB.
fn rss_kib() -> u64 {
    proc_status_kib("VmRSS:")
}

/// A KiB figure of /proc/self/status.
fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resets the peak resident set to the current one (Linux: `5` to `clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `call` once to warm up, then [`RUNS`] times measured; returns the median of each
/// figure. The peak RSS is over all the calls (the allocator keeps what the first took).
fn measure<F, Fut>(rt: &tokio::runtime::Runtime, mut call: F) -> Cost
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    let before = rss_kib();
    reset_peak_rss();
    assert_eq!(rt.block_on(call()) as u64, N, "R2 reads {N} rows");
    let mut costs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let region = Region::new(GLOBAL);
        let rows = rt.block_on(call());
        let change = region.change();
        assert_eq!(rows as u64, N);
        costs.push(Cost {
            allocs: change.allocations + change.reallocations,
            bytes: change.bytes_allocated + change.bytes_reallocated.max(0) as usize,
            peak_rss_kib: peak_rss_kib(),
            growth_kib: peak_rss_kib().saturating_sub(before),
        });
    }
    let median = |mut v: Vec<usize>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    Cost {
        allocs: median(costs.iter().map(|c| c.allocs).collect()),
        bytes: median(costs.iter().map(|c| c.bytes).collect()),
        peak_rss_kib: median(costs.iter().map(|c| c.peak_rss_kib as usize).collect()) as u64,
        growth_kib: median(costs.iter().map(|c| c.growth_kib as usize).collect()) as u64,
    }
}

fn report(backend: &str, system: &str, c: Cost) {
    println!(
        "M1|{backend}|{system}|rows={N}|allocs={}|allocs_per_row={:.2}|bytes_per_row={:.0}|peak_rss_kib={}|rss_growth_kib={}",
        c.allocs,
        c.allocs as f64 / N as f64,
        c.bytes as f64 / N as f64,
        c.peak_rss_kib,
        c.growth_kib
    );
}

/// The variable that makes this binary a child measuring one system on one backend:
/// `<backend>|<system>|<dal url>|<sqlx url>`.
const CHILD: &str = "DAL_M1_CHILD";

/// In a child: measures one system on one backend (already seeded) and prints its line.
fn child(spec: &str) {
    let mut parts = spec.splitn(4, '|');
    let (Some(name), Some(system), Some(dal_url), Some(url)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        panic!("{CHILD} is <backend>|<system>|<dal url>|<sqlx url>, not {spec:?}");
    };
    let d = match name {
        "sqlite" => Dialect::Sqlite,
        "postgres" => Dialect::Postgres,
        _ => Dialect::MySql,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let cost = if system == "dal" {
        let db = rt.block_on(Database::connect(dal_url)).expect("dal connects");
        let users = &db.repo::<User>();
        measure(&rt, || async move {
            let found = users
                .find()
                .filter(User::AGE.ge(MIN_AGE))
                .order_by(User::ID.asc())
                .limit(N)
                .all()
                .await
                .expect("find");
            found.len()
        })
    } else {
        let hand = &rt.block_on(HandPool::connect(d, url)).expect("sqlx connects");
        let sql = hand::find_sql(d, N);
        measure(&rt, || async move { hand.find(sql, MIN_AGE).await.expect("find").len() })
    };
    report(name, system, cost);
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    // Each system runs in a child process of its own, so that its peak RSS is its own; this
    // process seeds each backend once, then starts them.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let sqlite = fresh_sqlite_file().display().to_string();
    let sep = |u: &str| if u.contains('?') { '&' } else { '?' };
    let candidates = [
        (Dialect::Sqlite, format!("sqlite://{sqlite}?alias=m1_sqlite"), sqlite),
        (Dialect::Postgres, format!("{}{}alias=m1_postgres", pg_url(), sep(&pg_url())), pg_url()),
        (
            Dialect::MySql,
            format!("{}{}alias=m1_mariadb", mysql_url(), sep(&mysql_url())),
            mysql_url(),
        ),
    ];
    let exe = std::env::current_exe().expect("this binary's path");
    for (d, dal_url, url) in candidates {
        let name = backend_name(d);
        let seeded = rt.block_on(async {
            let db = Database::connect(dal_url.as_str()).await?;
            seed(&db, R2_SEEDED).await
        });
        if let Err(e) = seeded {
            println!("SKIPPED|{name}|{url}: {e}");
            continue;
        }
        for system in ["dal", "sqlx"] {
            let status = std::process::Command::new(&exe)
                .env(CHILD, format!("{name}|{system}|{dal_url}|{url}"))
                .status()
                .expect("the child starts");
            assert!(status.success(), "M1 {name} {system}: {status}");
        }
    }
}
