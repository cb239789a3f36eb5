//! Capacity check: N connections, each query taking 100 ms on the server, serve N / 0.1 s
//! queries per second, and no more.
//!
//! ```sh
//! cargo run -p examples --bin capacity                       # 20 connections: 200 q/s
//! cargo run -p examples --bin capacity -- --connections 10 --step-secs 5
//! ```
//!
//! Runs against PostgreSQL at `DAL_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). The pool holds exactly N connections (min = max,
//! opened before the first step), an acquire waits at most 500 ms (so overload shows as
//! `pool_timeout` errors rather than an ever longer queue) and the circuit breaker is off (it
//! would turn those timeouts into `circuit_open` refusals). Every query is
//! `SELECT pg_sleep(0.1)`.
//!
//! The offered load ramps in steps (by default 50, 100, 150, 180, 200, 220 and 260 q/s for 20
//! connections, scaled by N / 20 otherwise), each held for `--step-secs` seconds (3 by
//! default). The load is open-loop: a new query task starts every 1/rate seconds whether or not
//! earlier ones have finished, as real clients do. After each step a table row shows the offered
//! and achieved rates (queries completed ok per second, counted over a window of the step's
//! length shifted by the query's 100 ms, so neither the empty first 100 ms nor the tail after
//! the last start skews it), the share of the theoretical N / 0.1, the errors, p50 and p99
//! latency of the successful queries, and the pool's scaling signal. At the end it names the
//! best rate achieved while the signal was still `normal`, and whether that reached 95 % of the
//! theoretical rate.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dal::observe::ScalingSignal;
use dal::pool::PoolOptions;
use dal::{Database, DbConfig, ErrorKind};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// Where PostgreSQL is when `DAL_TEST_PG_URL` is not set.
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The server-side time of one query, in seconds.
const QUERY_SECS: f64 = 0.1;
/// The query: sleeps [`QUERY_SECS`] on the server.
const QUERY: &str = "SELECT pg_sleep(0.1)";
/// The offered rates for 20 connections; scaled by N / 20 for N connections.
const STEPS_FOR_20: [f64; 7] = [50.0, 100.0, 150.0, 180.0, 200.0, 220.0, 260.0];
/// How long an acquire may wait before failing with `pool_timeout`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);

/// The command line: `--connections N`, `--step-secs S`.
struct Args {
    connections: u32,
    step_secs: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { connections: 20, step_secs: 3.0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (flag.clone(), None),
        };
        let mut value =
            || inline.clone().or_else(|| it.next()).ok_or(format!("{name} needs a value"));
        match name.as_str() {
            "--connections" => {
                args.connections = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--connections takes a positive whole number")?;
            }
            "--step-secs" => {
                args.step_secs = value()?
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.5)
                    .ok_or("--step-secs takes a number of seconds, at least 0.5")?;
            }
            "-h" | "--help" => {
                return Err("usage: capacity [--connections N] [--step-secs S]".to_owned());
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(args)
}

/// What one query ended with: its outcome and when it finished, relative to the step's start.
struct Outcome {
    result: Result<(), ErrorKind>,
    latency: Duration,
    finished: Duration,
}

/// One row of the table.
struct StepResult {
    offered: f64,
    achieved: f64,
    errors: BTreeMap<&'static str, usize>,
    p50: Option<Duration>,
    p99: Option<Duration>,
    signal: ScalingSignal,
}

/// The `q`-quantile of sorted `values` (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
}

/// Offers `rate` queries per second for `secs` seconds, open-loop, and measures what came back.
async fn run_step(db: &Database, rate: f64, secs: f64) -> StepResult {
    let total = (rate * secs).round() as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} done, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("{rate:.0} q/s"));

    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Outcome>();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    for started in 1..=total {
        ticker.tick().await;
        let (db, done_tx, task_bar, task_failed) =
            (db.clone(), done_tx.clone(), bar.clone(), Arc::clone(&failed));
        tokio::spawn(async move {
            let t0 = Instant::now();
            let result = db.query(QUERY).execute().await.map(drop).map_err(|e| e.kind());
            if result.is_err() {
                task_failed.fetch_add(1, Ordering::Relaxed);
            }
            // The receiver outlives every sender: a send cannot fail.
            let _ =
                done_tx.send(Outcome { result, latency: t0.elapsed(), finished: start.elapsed() });
            task_bar.inc(1);
        });
        if started % 10 == 0 || started == total {
            bar.set_message(format!(
                "{started} started, {} failed",
                failed.load(Ordering::Relaxed)
            ));
        }
    }
    drop(done_tx);

    let mut outcomes = Vec::with_capacity(total as usize);
    while let Some(outcome) = done_rx.recv().await {
        outcomes.push(outcome);
    }
    bar.finish_and_clear();

    let window = Duration::from_secs_f64(QUERY_SECS)..Duration::from_secs_f64(QUERY_SECS + secs);
    let mut ok_latencies = Vec::new();
    let mut ok_in_window = 0usize;
    let mut errors = BTreeMap::new();
    for o in &outcomes {
        match o.result {
            Ok(()) => {
                ok_latencies.push(o.latency);
                if window.contains(&o.finished) {
                    ok_in_window += 1;
                }
            }
            Err(kind) => *errors.entry(kind.as_str()).or_insert(0) += 1,
        }
    }
    ok_latencies.sort();
    StepResult {
        offered: rate,
        achieved: ok_in_window as f64 / secs,
        errors,
        p50: quantile(&ok_latencies, 0.50),
        p99: quantile(&ok_latencies, 0.99),
        signal: db.pool().scaling_signal(),
    }
}

fn error_summary(errors: &BTreeMap<&'static str, usize>) -> String {
    if errors.is_empty() {
        return "0".to_owned();
    }
    let total: usize = errors.values().sum();
    let kinds: Vec<String> = errors.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!("{total} ({})", kinds.join(", "))
}

async fn run(args: Args) -> dal::Result<bool> {
    let url = std::env::var("DAL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let n = args.connections;
    let config = DbConfig::from_url(&url)?.pool_options(
        PoolOptions::default()
            .max_connections(n)
            .min_connections(n)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .breaker(None),
    );
    let db = Database::connect(config).await?;
    db.pool().warm_up().await?;
    // Every connection runs the query once before measuring (prepares the statement).
    let warm: Vec<_> = (0..n)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.query(QUERY).execute().await })
        })
        .collect();
    for task in warm {
        task.await
            .map_err(|e| dal::Error::new(ErrorKind::Other, format!("warm-up task: {e}")))??;
    }

    let theoretical = f64::from(n) / QUERY_SECS;
    let status = db.pool().status();
    println!(
        "capacity of {} over {n} connections (open: {}), {QUERY} per query, \
         acquire timeout {} ms, {} s per step",
        db.config(),
        status.size,
        ACQUIRE_TIMEOUT.as_millis(),
        args.step_secs,
    );
    println!("theoretical: {n} / {QUERY_SECS} s = {theoretical:.0} q/s");
    println!();
    println!(
        "{:>8} | {:>9} | {:>6} | {:<28} | {:>7} | {:>7} | signal",
        "offered", "achieved", "% th.", "errors", "p50", "p99"
    );
    println!("{}", "-".repeat(94));

    let scale = f64::from(n) / 20.0;
    let mut results = Vec::new();
    for rate in STEPS_FOR_20.map(|r| r * scale) {
        let r = run_step(&db, rate, args.step_secs).await;
        println!(
            "{:>8.0} | {:>9.1} | {:>5.1}% | {:<28} | {:>7} | {:>7} | {}",
            r.offered,
            r.achieved,
            100.0 * r.achieved / theoretical,
            error_summary(&r.errors),
            ms(r.p50),
            ms(r.p99),
            r.signal,
        );
        results.push(r);
    }
    println!();

    let best = results
        .iter()
        .filter(|r| r.signal == ScalingSignal::Normal)
        .max_by(|a, b| a.achieved.total_cmp(&b.achieved));
    let reached = match best {
        Some(best) => {
            let share = best.achieved / theoretical;
            let reached = share >= 0.95;
            println!(
                "best achieved while the signal was normal: {:.1} q/s at {:.0} q/s offered, \
                 {:.1}% of the theoretical {theoretical:.0}: {} 95%",
                best.achieved,
                best.offered,
                100.0 * share,
                if reached { "reached" } else { "did not reach" },
            );
            reached
        }
        None => {
            println!("no step ended with the signal normal");
            false
        }
    };
    if let Some(last) = results.last() {
        println!("signal after the last step: {} ({})", last.signal, last.signal.advice());
    }
    dal::pool::PoolManager::global().close_all(Duration::from_secs(5)).await;
    Ok(reached)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capacity: {} error: {e}", e.kind());
            eprintln!("is PostgreSQL running? set DAL_TEST_PG_URL to point at it");
            ExitCode::FAILURE
        }
    }
}
