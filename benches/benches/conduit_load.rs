//! Conduit under load: the RealWorld backend of `examples` (the release `conduit` binary) on
//! each backend in turn, driven over loopback by simulated users in a closed loop.
//!
//! Per backend: a fresh database (`tests::TestDb`: an SQLite file, a PostgreSQL schema, a
//! MariaDB database), the binary started on a free port over it, [`USERS`] users registered
//! and two articles each written through the API; then every user, logged in, loops for the
//! run's duration over a mix of requests: list articles (a page of 20, 40 %), get an article
//! (30 %), favorite or unfavorite one (15 %), comment on one (15 %). A warm-up of
//! [`WARM_UP`] runs the same loop unmeasured. Every request's latency (until its whole body is
//! read) is kept; a non-2xx answer or a transport failure counts as an error. When the load
//! has stopped, `/metrics` and `/health` give the pool's state: connections in use (0 unless
//! one leaked), acquire and statement timeouts, the acquire wait p99.
//!
//! Environment: `DAL_CONDUIT_BIN` the binary (default `conduit` beside this bench's own
//! directory, i.e. `<target>/release/conduit`, which `benches/run.sh` builds first with
//! `cargo build --release -p examples --bin conduit`), `DAL_CONDUIT_LOAD_SECS` the measured
//! duration (default 30), `DAL_CONDUIT_LOAD_USERS` the simulated users (default 50),
//! `DAL_TEST_PG_URL` / `DAL_TEST_MYSQL_URL` the servers. An unreachable server is skipped.
//!
//! Output, one line per figure:
//! `CONDUIT_RUN|<backend>|users=<n>|secs=<n>|warmup_secs=<n>|articles=<n>|started=<UTC>|load1_before=<x>|load1_after=<x>`,
//! `CONDUIT|<backend>|<all, list, get, favorite or comment>|requests=<n>|errors=<n>|rps=<x>|p50_us=<n>|p99_us=<n>|max_us=<n>`,
//! `CONDUIT_POOL|<backend>|used=<n>|idle=<n>|max=<n>|pending=<n>|acquire_timeouts=<n>|statement_timeouts=<n>|acquire_wait_p99_ms=<x>|shutdown=<…>`,
//! and `CONDUIT_ERROR|<backend>|<op>|<status>|<body>` for the first few errors.
//!
//! ```sh
//! cargo build --release -p examples --bin conduit
//! DAL_CONDUIT_LOAD_SECS=5 cargo bench -p benches --bench conduit_load
//! ```

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dal::Backend;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use tests::TestDb;

/// Simulated users when `DAL_CONDUIT_LOAD_USERS` is not set (the issue's 50).
const USERS: usize = 50;
/// Measured seconds when `DAL_CONDUIT_LOAD_SECS` is not set (the issue's 30).
const SECS: u64 = 30;
/// The unmeasured start of each run: connections opened, statements prepared, caches filled.
const WARM_UP: Duration = Duration::from_secs(2);
/// Articles each user writes while seeding.
const ARTICLES_PER_USER: usize = 2;
/// A page of the article list.
const PAGE: usize = 20;
/// Errors printed per backend (all are counted).
const SHOWN_ERRORS: usize = 5;
/// The wait before reading the pool's gauges after the load: more than two of the pool's
/// 200 ms maintenance ticks, which is when it reports them.
const GAUGE_SETTLE: Duration = Duration::from_millis(500);
/// The key the server signs tokens with.
const SECRET: &str = "conduit-load-secret";

/// The operations of the mix, with their weights out of 100.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Get,
    Favorite,
    Comment,
}

const OPS: [(Op, u64); 4] = [(Op::List, 40), (Op::Get, 30), (Op::Favorite, 15), (Op::Comment, 15)];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::List => "list",
            Op::Get => "get",
            Op::Favorite => "favorite",
            Op::Comment => "comment",
        }
    }

    fn pick(roll: u64) -> Op {
        let mut roll = roll % 100;
        for (op, weight) in OPS {
            if roll < weight {
                return op;
            }
            roll -= weight;
        }
        Op::List
    }
}

/// SplitMix64: a few random numbers per request, reproducible per user, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What one simulated user measured.
#[derive(Default)]
struct Tally {
    /// `(op, latency in µs)` of every measured request.
    samples: Vec<(Op, u32)>,
    /// `(op, status or failure, body)` of every failed measured request.
    errors: Vec<(Op, String, String)>,
}

/// The `conduit` binary, running on a free loopback port.
struct Server {
    child: Child,
    base: String,
    /// What it prints after its address line.
    lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `bin` over `db_url` on port 0 and reads the address it announces.
    fn start(bin: &PathBuf, db_url: &str) -> Result<Server, String> {
        let mut child = Command::new(bin)
            .env("DB_URL", db_url)
            .env("BIND", "127.0.0.1:0")
            .env("JWT_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        // Keeps reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("listening on ") {
                        let base = addr.to_owned();
                        return Ok(Server { child, base, lines });
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(
                        "conduit did not announce its address (its errors are above)".into()
                    );
                }
            }
        }
    }

    /// Stops it with SIGTERM, as an orchestrator would; how it ended (`cleanly` when it
    /// closed its pools within their timeout and exited 0).
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let signalled = Command::new("kill").args(["-TERM", &pid]).status();
        if !signalled.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let status = self.child.wait();
        // Its last line, read until the pipe closes (the reader thread then drops its end).
        let mut closed = None;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            if let Some(how) = line.strip_prefix("stopped; pools closed ") {
                closed = Some(how.replace(' ', "_"));
            }
        }
        match (status, closed) {
            (Ok(s), Some(how)) if s.success() => how,
            (Ok(s), _) => format!("exit_{}", s.code().map_or("signal".into(), |c| c.to_string())),
            (Err(e), _) => format!("wait_failed:{e}"),
        }
    }
}

/// A JSON call as `token`'s user: the status and the body.
async fn call(
    client: &Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, text))
}

/// A seeding call that must succeed: its JSON body.
async fn must(
    client: &Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<Value, String> {
    let (status, text) = call(client, method, url, token, Some(body)).await?;
    if !(200..300).contains(&status) {
        return Err(format!("{url}: {status} {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{url}: {e}: {text}"))
}

/// Registers `users` users and writes [`ARTICLES_PER_USER`] articles for each: their tokens
/// and every slug.
async fn seed(
    client: &Client,
    api: &str,
    users: usize,
) -> Result<(Vec<String>, Vec<String>), String> {
    let run = tests::unique_name("load");
    let mut tokens = Vec::with_capacity(users);
    // A few at a time: each registration hashes a password with argon2 (on purpose slow).
    for chunk in (0..users).collect::<Vec<_>>().chunks(4) {
        let registered = chunk.iter().map(|u| {
            let name = format!("{run}_{u}");
            let body = json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "load test password"}});
            async move { must(client, Method::POST, &format!("{api}/users"), None, &body).await }
        });
        for user in futures_util::future::join_all(registered).await {
            let user = user?;
            tokens.push(user["user"]["token"].as_str().ok_or("no token")?.to_owned());
        }
    }
    let mut slugs = Vec::with_capacity(users * ARTICLES_PER_USER);
    for (u, token) in tokens.iter().enumerate() {
        for a in 0..ARTICLES_PER_USER {
            let body = json!({"article": {
                "title": format!("Load article {u} {a}"),
                "description": "an article of the load run",
                "body": "lorem ipsum dolor sit amet ".repeat(20),
                "tagList": ["dal", "load", format!("tag{}", u % 10)],
            }});
            let url = format!("{api}/articles");
            let article = must(client, Method::POST, &url, Some(token), &body).await?;
            slugs.push(article["article"]["slug"].as_str().ok_or("no slug")?.to_owned());
        }
    }
    Ok((tokens, slugs))
}

/// One simulated user: the mix, in a closed loop, until `end`; requests that start after
/// `measure_from` are measured.
async fn user(
    client: Client,
    api: String,
    token: String,
    slugs: std::sync::Arc<Vec<String>>,
    seed: u64,
    measure_from: Instant,
    end: Instant,
) -> Tally {
    let mut rng = Rng(seed);
    let mut favorited = HashSet::new();
    let mut tally = Tally::default();
    let mut comments = 0u64;
    while Instant::now() < end {
        let op = Op::pick(rng.next());
        let article = rng.below(slugs.len());
        let slug = &slugs[article];
        let (method, url, body) = match op {
            Op::List => {
                let offset = rng.below(slugs.len().div_ceil(PAGE)) * PAGE;
                (Method::GET, format!("{api}/articles?limit={PAGE}&offset={offset}"), None)
            }
            Op::Get => (Method::GET, format!("{api}/articles/{slug}"), None),
            Op::Favorite => {
                // Toggles, so every call changes something: favorite, then unfavorite.
                let method = if favorited.remove(&article) {
                    Method::DELETE
                } else {
                    favorited.insert(article);
                    Method::POST
                };
                (method, format!("{api}/articles/{slug}/favorite"), None)
            }
            Op::Comment => {
                comments += 1;
                let body =
                    json!({"comment": {"body": format!("comment {comments} of user {seed}")}});
                (Method::POST, format!("{api}/articles/{slug}/comments"), Some(body))
            }
        };
        let started = Instant::now();
        let answer = call(&client, method, &url, Some(&token), body.as_ref()).await;
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        if started < measure_from {
            continue;
        }
        tally.samples.push((op, micros));
        match answer {
            Ok((status, _)) if (200..300).contains(&status) => {}
            Ok((status, text)) => tally.errors.push((op, status.to_string(), text)),
            Err(e) => tally.errors.push((op, "failed".to_owned(), e)),
        }
    }
    tally
}

/// The `q` quantile of sorted `v` (nearest rank).
fn quantile(v: &[u32], q: f64) -> u32 {
    if v.is_empty() {
        return 0;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// The sum over every label set of the Prometheus samples named `name` whose labels contain
/// `with` (a `key="value"` pair, or empty).
fn metric(text: &str, name: &str, with: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let (metric_name, labels) = series.split_once('{').unwrap_or((series, ""));
        if metric_name == name && labels.contains(with) {
            *found.get_or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
        }
    }
    found
}

/// The one-minute load average (Linux), to say how busy the machine was.
fn load1() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where the `conduit` binary is: `DAL_CONDUIT_BIN`, else beside this bench's directory (a
/// bench runs from `<target>/release/deps/`, cargo puts binaries in `<target>/release/`).
fn conduit_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("DAL_CONDUIT_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this bench: {e}"))?;
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|release| release.join("conduit"))
        .ok_or("this bench is not in a cargo target directory")?;
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is not built: run `cargo build --release -p examples --bin conduit` with the same \
             CARGO_TARGET_DIR first, or set DAL_CONDUIT_BIN",
            bin.display()
        ))
    }
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// The whole run on `backend`.
async fn run(backend: Backend, name: &str, bin: &PathBuf, users: usize, secs: u64) {
    let Some(db) = TestDb::open(backend, "conduit_load").await else {
        println!("SKIPPED|conduit {name}|its server is not reachable");
        return;
    };
    let server = match Server::start(bin, db.url()) {
        Ok(server) => server,
        Err(e) => {
            println!("SKIPPED|conduit {name}|{e}");
            return;
        }
    };
    let api = format!("{}/api", server.base);
    let client = Client::builder()
        .pool_max_idle_per_host(users)
        .tcp_nodelay(true)
        .build()
        .expect("an HTTP client");
    let (tokens, slugs) = match seed(&client, &api, users).await {
        Ok(seeded) => seeded,
        Err(e) => {
            println!("SKIPPED|conduit {name}|seeding failed: {e}");
            server.stop();
            return;
        }
    };
    let started = dal::types::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let load_before = load1();
    let slugs = std::sync::Arc::new(slugs);
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + Duration::from_secs(secs);
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(u, token)| {
            let (client, api, slugs) = (client.clone(), api.clone(), slugs.clone());
            tokio::spawn(user(client, api, token, slugs, u as u64 + 1, measure_from, end))
        })
        .collect();
    let mut tallies = Vec::with_capacity(tasks.len());
    for task in tasks {
        tallies.push(task.await.expect("a simulated user does not panic"));
    }
    let load_after = load1();
    println!(
        "CONDUIT_RUN|{name}|users={users}|secs={secs}|warmup_secs={}|articles={}|started={started}|load1_before={load_before}|load1_after={load_after}",
        WARM_UP.as_secs(),
        slugs.len()
    );

    for (op, status, body) in tallies.iter().flat_map(|t| &t.errors).take(SHOWN_ERRORS) {
        let body: String = body.chars().take(200).collect();
        println!("CONDUIT_ERROR|{name}|{}|{status}|{}", op.name(), body.replace(['\n', '|'], " "));
    }
    let ops = [None, Some(Op::List), Some(Op::Get), Some(Op::Favorite), Some(Op::Comment)];
    for op in ops {
        let wanted = |o: &Op| op.is_none_or(|op| op == *o);
        let mut latencies: Vec<u32> = tallies
            .iter()
            .flat_map(|t| &t.samples)
            .filter(|(o, _)| wanted(o))
            .map(|&(_, us)| us)
            .collect();
        latencies.sort_unstable();
        let errors = tallies.iter().flat_map(|t| &t.errors).filter(|(o, ..)| wanted(o)).count();
        println!(
            "CONDUIT|{name}|{}|requests={}|errors={errors}|rps={:.1}|p50_us={}|p99_us={}|max_us={}",
            op.map_or("all", Op::name),
            latencies.len(),
            latencies.len() as f64 / secs as f64,
            quantile(&latencies, 0.50),
            quantile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0),
        );
    }

    // The pool once the load has stopped. Every response has been read, so no handler holds a
    // connection; but the pool reports its connection gauges from its maintenance task (every
    // 200 ms), so the first read after the load can still show the last tick's busy pool.
    tokio::time::sleep(GAUGE_SETTLE).await;
    let text =
        match call(&client, Method::GET, &format!("{}/metrics", server.base), None, None).await {
            Ok((200, text)) => text,
            _ => String::new(),
        };
    let health = call(&client, Method::GET, &format!("{}/health", server.base), None, None).await;
    let wait_p99 = health
        .ok()
        .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
        .and_then(|h| h["acquire_wait_p99_ms"].as_f64());
    let show = |v: Option<f64>| v.map_or("unknown".to_owned(), |v| format!("{v}"));
    drop(client);
    let shutdown = server.stop();
    println!(
        "CONDUIT_POOL|{name}|used={}|idle={}|max={}|pending={}|acquire_timeouts={}|statement_timeouts={}|acquire_wait_p99_ms={}|shutdown={shutdown}",
        show(metric(&text, "db_client_connection_count", "db_client_connection_state=\"used\"")),
        show(metric(&text, "db_client_connection_count", "db_client_connection_state=\"idle\"")),
        show(metric(&text, "db_client_connection_max", "")),
        show(metric(&text, "db_client_connection_pending_requests", "")),
        show(metric(&text, "db_client_connection_timeouts", "")),
        show(metric(&text, "db_client_operation_timeouts", "")),
        show(wait_p99),
    );
    drop(db);
}

fn main() {
    // `cargo bench -- <filter>`: run only when the filter names this bench.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"CONDUIT_load".contains(f)) {
        return;
    }
    let bin = match conduit_bin() {
        Ok(bin) => bin,
        Err(e) => {
            println!("SKIPPED|conduit|{e}");
            return;
        }
    };
    let users = env_number("DAL_CONDUIT_LOAD_USERS", USERS).max(1);
    let secs = env_number("DAL_CONDUIT_LOAD_SECS", SECS).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    for (backend, name) in
        [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres"), (Backend::MySql, "mariadb")]
    {
        rt.block_on(run(backend, name, &bin, users, secs));
    }
}
