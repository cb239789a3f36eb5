//! Test harness: isolated databases per test on each backend, and the macro that instantiates
//! the behaviour suite once per backend.
//!
//! Isolation: PostgreSQL tests get a schema of their own (through `search_path`), MariaDB tests
//! a database of their own, SQLite tests a file of their own; all are dropped when the test
//! ends, so tests run in parallel and entity table names stay constants. Tests through
//! PgBouncer (transaction pooling, where no session setting survives) get a PostgreSQL
//! database of their own, reached through one PgBouncer shared by the test process.
//!
//! TLS: [`PgTlsServer`] and [`MariaDbTlsServer`] are servers of their own, started by the tests
//! on free loopback ports with certificates of a throw-away [`TestCa`]; [`shared_pg_tls`] and
//! [`shared_mariadb_tls`] share one of each per test process.
//!
//! Servers: `DAL_TEST_PG_URL` and `DAL_TEST_MYSQL_URL` override the defaults
//! (`postgres://postgres@127.0.0.1:5432/test`, `mysql://root@127.0.0.1:3306/test`). When a
//! server cannot be reached its suite is skipped with a printed reason, unless
//! `DAL_REQUIRE_SERVERS` is set to anything but empty, `0`, `false`, `no` or `off` (CI sets
//! it to 1), which makes that a failure.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use dal::pool::Pool;
use dal::{Backend, Database, DbConfig, ErrorKind};
use dal_rusqlite::RusqliteDriver;

pub mod cluster;
pub mod mariadb_tls;
pub mod pg_tls;
pub mod pgbouncer;
pub mod process;
pub mod proxy;
pub mod recording_driver;
pub mod tls_certs;
pub use cluster::{ClusterOptions, PgCluster};
pub use mariadb_tls::{
    MARIADB_PASSWORD, MARIADB_PASSWORD_USER, MARIADB_SSL_USER, MARIADB_TLS_DATABASE,
    MariaDbTlsServer,
};
pub use pg_tls::{PG_PASSWORD, PG_PASSWORD_USER, PG_TLS_DATABASE, PgTlsServer};
pub use pgbouncer::PgBouncer;
pub use proxy::FaultProxy;
pub use recording_driver::{RECORDED_TABLE, RecordingDriver, StatementLog};
pub use tls_certs::{CLIENT_USERS, MARIADB_X509_USER, PG_CERT_USER, TestCa};

/// Default PostgreSQL server of the test machines.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Default MariaDB server of the test machines.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// The server URL for `backend` (from the environment or the default); `None` for SQLite.
pub fn server_url(backend: Backend) -> Option<String> {
    let (var, default) = match backend {
        Backend::Postgres => ("DAL_TEST_PG_URL", DEFAULT_PG_URL),
        Backend::MySql => ("DAL_TEST_MYSQL_URL", DEFAULT_MYSQL_URL),
        Backend::Sqlite => return None,
    };
    Some(std::env::var(var).unwrap_or_else(|_| default.to_owned()))
}

/// Whether unreachable servers must fail the tests instead of skipping them: `DAL_REQUIRE_SERVERS`
/// set to anything but empty, `0`, `false`, `no` or `off` (in any case).
pub fn servers_required() -> bool {
    requires_servers(std::env::var("DAL_REQUIRE_SERVERS").ok().as_deref())
}

/// How a value of `DAL_REQUIRE_SERVERS` reads: every non-empty value other than `0`, `false`,
/// `no` and `off` (in any case, around white space) requires the servers, so `yes`, `TRUE` or
/// `2` do not silently turn the failure back into a skip.
pub fn requires_servers(value: Option<&str>) -> bool {
    value.map(str::trim).is_some_and(|v| {
        !v.is_empty() && !["0", "false", "no", "off"].iter().any(|off| v.eq_ignore_ascii_case(off))
    })
}

/// The value of `DAL_REQUIRE_SERVERS` as a skip or failure message quotes it, so a run says
/// which value it saw.
pub fn required_by() -> String {
    match std::env::var("DAL_REQUIRE_SERVERS") {
        Ok(v) => format!("DAL_REQUIRE_SERVERS={v:?}"),
        Err(_) => "DAL_REQUIRE_SERVERS unset".to_owned(),
    }
}

#[cfg(test)]
mod require_servers {
    use super::requires_servers;

    #[test]
    fn any_value_but_an_off_word_requires_the_servers() {
        for on in ["1", "true", "TRUE", "yes", "2", " on "] {
            assert!(requires_servers(Some(on)), "{on:?}");
        }
        for off in [
            None,
            Some(""),
            Some(" "),
            Some("0"),
            Some("false"),
            Some("False"),
            Some("no"),
            Some("OFF"),
        ] {
            assert!(!requires_servers(off), "{off:?}");
        }
    }
}

/// Writes straight to the process's stderr, past the test harness's output capture, so a
/// skip reason shows in the output of a passing run.
pub fn announce(message: &str) {
    let _ = std::io::stderr().write_all(format!("{message}\n").as_bytes());
}

/// How long the harness's own connections (set-up, clean-up, the tests' databases) may take to
/// open: only a deadline that turns a hang into a failure. A loaded machine (a parallel suite
/// beside a release build) has taken over 5 s to open one PostgreSQL session.
const SETUP_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// A short unique SQL identifier starting with `prefix`.
pub fn unique_name(prefix: &str) -> String {
    let id = dal::types::Uuid::new_v4().simple().to_string();
    let mut base: String =
        prefix.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    base.truncate(40);
    format!("{base}_{}", &id[..12])
}

/// Waits (at most 10 s) until every connection of `db`'s pool is back and idle, and returns
/// the status then. Waiting matters: rollbacks after a panic or a cancellation run on tasks of
/// their own, and `PoolManager::health_check_all` in a parallel test may briefly borrow a
/// connection of any registered pool.
pub async fn until_all_idle(db: &Database) -> dal::pool::PoolStatus {
    let started = std::time::Instant::now();
    loop {
        let s = db.pool().status();
        if s.in_use == 0 && s.idle == s.size {
            return s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the pool never settled: {s:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// PostgreSQL sessions of `application_name` left `idle in transaction` (what a leaked
/// transaction looks like on the server), counted through `db`.
pub async fn idle_in_transaction(db: &Database, application_name: &str) -> i64 {
    db.query(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE application_name = ? AND state LIKE 'idle in transaction%'",
    )
    .bind(application_name)
    .fetch_one()
    .await
    .expect("pg_stat_activity")
    .get(0)
    .expect("count")
}

/// Where a test runs: a backend directly, or PostgreSQL through PgBouncer in transaction
/// pooling mode with dal's `transaction_pooler` mode on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// PostgreSQL, directly.
    Postgres,
    /// MariaDB, directly.
    MySql,
    /// SQLite, a file.
    Sqlite,
    /// SQLite, a file, through the rusqlite driver (`dal-rusqlite`) instead of the built-in one.
    Rusqlite,
    /// PostgreSQL through PgBouncer (`pool_mode = transaction`).
    PgBouncer,
    /// The TLS PostgreSQL server of [`shared_pg_tls`], with `sslmode=verify-full`.
    PostgresTls,
    /// The TLS MariaDB server of [`shared_mariadb_tls`], with `ssl-mode=VERIFY_IDENTITY`.
    MySqlTls,
}

impl From<Backend> for Target {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => Target::Postgres,
            Backend::MySql => Target::MySql,
            Backend::Sqlite => Target::Sqlite,
        }
    }
}

impl Target {
    /// The backend the test talks to in the end.
    pub fn backend(self) -> Backend {
        match self {
            Target::Postgres | Target::PgBouncer | Target::PostgresTls => Backend::Postgres,
            Target::MySql | Target::MySqlTls => Backend::MySql,
            Target::Sqlite | Target::Rusqlite => Backend::Sqlite,
        }
    }
}

/// The PgBouncer (transaction pooling) in front of the PostgreSQL test server, started the
/// first time a test asks and shared by the tests of this process; `None` (after printing
/// why) when PgBouncer is not installed and servers are not required.
pub fn shared_pgbouncer() -> Option<&'static PgBouncer> {
    static BOUNCER: std::sync::OnceLock<Option<PgBouncer>> = std::sync::OnceLock::new();
    BOUNCER
        .get_or_init(|| {
            let url = server_url(Backend::Postgres).expect("network backend");
            let upstream = DbConfig::from_url(&url).expect("the PostgreSQL test URL parses");
            let host = upstream.host_name().unwrap_or("127.0.0.1").to_owned();
            PgBouncer::start_or_skip(&host, upstream.port_number().unwrap_or(5432), "transaction")
        })
        .as_ref()
}

/// The PostgreSQL server with TLS ([`PgTlsServer`]), started the first time a test asks and
/// shared by the tests of this process (its watchdog stops it once the process is gone);
/// `None` (after printing why) when the PostgreSQL binaries or openssl are missing and
/// servers are not required.
///
/// # Panics
///
/// When they are missing and servers are required, or when it does not start although they
/// are there (a later call tries again).
pub fn shared_pg_tls() -> Option<&'static PgTlsServer> {
    static SERVER: std::sync::OnceLock<Option<PgTlsServer>> = std::sync::OnceLock::new();
    SERVER.get_or_init(PgTlsServer::start_or_skip).as_ref()
}

/// The MariaDB server with TLS ([`MariaDbTlsServer`]), started the first time a test asks
/// and shared by the tests of this process (its watchdog stops it once the process is gone);
/// `None` (after printing why) when the MariaDB programs or openssl are missing and servers
/// are not required.
///
/// # Panics
///
/// When they are missing and servers are required, or when it does not start although they
/// are there (a later call tries again).
pub fn shared_mariadb_tls() -> Option<&'static MariaDbTlsServer> {
    static SERVER: std::sync::OnceLock<Option<MariaDbTlsServer>> = std::sync::OnceLock::new();
    SERVER.get_or_init(MariaDbTlsServer::start_or_skip).as_ref()
}

/// A database for one test, isolated from every other test, dropped at the end.
pub struct TestDb {
    db: Database,
    target: Target,
    url: String,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Schema { admin: DbConfig, name: String },
    PgDatabase { admin: DbConfig, name: String },
    Database { admin: DbConfig, name: String },
    File(PathBuf),
}

impl std::ops::Deref for TestDb {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl TestDb {
    /// Opens a fresh isolated database on `target` (a [`Backend`] or [`Target::PgBouncer`])
    /// for the test `test`; `None` (after printing why) when the server is unreachable and
    /// servers are not required.
    pub async fn open(target: impl Into<Target>, test: &str) -> Option<TestDb> {
        let target = target.into();
        let backend = target.backend();
        let name = unique_name(&format!("dal_{test}"));
        let made = match target {
            Target::Sqlite | Target::Rusqlite => Ok(Self::sqlite(&name, target)),
            Target::Postgres | Target::MySql => {
                let url = server_url(backend).expect("network backend");
                Self::server(backend, &url, &name).await
            }
            Target::PgBouncer => Self::through_pgbouncer(shared_pgbouncer()?, &name).await,
            Target::PostgresTls => {
                let server = shared_pg_tls()?;
                let ca = server.ca().ca_cert();
                let url = format!(
                    "{}?sslmode=verify-full&sslrootcert={}",
                    server.url("postgres", PG_TLS_DATABASE),
                    ca.display()
                );
                Self::server(backend, &url, &name).await
            }
            Target::MySqlTls => {
                let server = shared_mariadb_tls()?;
                let ca = server.ca().ca_cert();
                let url = format!(
                    "{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
                    server.url(MARIADB_SSL_USER, MARIADB_TLS_DATABASE),
                    ca.display()
                );
                Self::server(backend, &url, &name).await
            }
        };
        match made {
            Ok(mut t) => {
                t.target = target;
                Some(t)
            }
            Err(e) if matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout) => {
                let why = format!("skipping the {backend} suite: {e}");
                if servers_required() {
                    panic!("{why} ({} makes this a failure)", required_by());
                }
                announce_once(
                    backend,
                    &format!("{why} ({}; set it to 1 to fail instead)", required_by()),
                );
                None
            }
            Err(e) => panic!("cannot set up a {backend} test database: {e}"),
        }
    }

    fn sqlite(name: &str, target: Target) -> TestDb {
        let dir = std::env::temp_dir().join("dal-tests");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.db"));
        let config = DbConfig::new(Backend::Sqlite)
            .database(path.to_string_lossy())
            .alias(name)
            .acquire_timeout(Duration::from_secs(30));
        let db = if target == Target::Rusqlite {
            let pool = Pool::with_driver(config, RusqliteDriver::new());
            Database::from_pool(pool.expect("sqlite config is valid"))
        } else {
            Database::connect_lazy(config).expect("sqlite config is valid")
        };
        let url = format!("sqlite://{}", path.display());
        TestDb { db, target, url, cleanup: Some(Cleanup::File(path)) }
    }

    async fn server(backend: Backend, url: &str, name: &str) -> dal::Result<TestDb> {
        let admin = DbConfig::from_url(url)?
            .alias(format!("{name}_admin"))
            .max_connections(1)
            .connect_timeout(SETUP_CONNECT_TIMEOUT);
        // A private pool (not in the registry): it lives only for the set-up.
        let admin_db = Database::from_pool(Pool::new(admin.clone())?);
        let (config, isolated, cleanup) = match backend {
            Backend::Postgres => {
                admin_db.query(&format!("CREATE SCHEMA \"{name}\"")).execute().await?;
                let config = DbConfig::from_url(url)?.option("search_path", name);
                let isolated = with_param(url, "search_path", name);
                (config, isolated, Cleanup::Schema { admin: admin.clone(), name: name.to_owned() })
            }
            _ => {
                admin_db.query(&format!("CREATE DATABASE `{name}`")).execute().await?;
                let config = DbConfig::from_url(url)?.database(name);
                let isolated = with_database(url, name)?;
                (
                    config,
                    isolated,
                    Cleanup::Database { admin: admin.clone(), name: name.to_owned() },
                )
            }
        };
        admin_db.pool().close(Duration::from_secs(1)).await;
        let config = config
            .alias(name)
            .acquire_timeout(Duration::from_secs(30))
            .connect_timeout(SETUP_CONNECT_TIMEOUT);
        let db = Database::connect(config).await?;
        Ok(TestDb { db, target: backend.into(), url: isolated, cleanup: Some(cleanup) })
    }

    /// A PostgreSQL database of its own, created on the server directly and reached through
    /// `bouncer`, with dal's transaction-pooler mode on.
    async fn through_pgbouncer(bouncer: &PgBouncer, name: &str) -> dal::Result<TestDb> {
        let url = server_url(Backend::Postgres).expect("network backend");
        let admin = DbConfig::from_url(&url)?
            .alias(format!("{name}_admin"))
            .max_connections(1)
            .connect_timeout(SETUP_CONNECT_TIMEOUT);
        let admin_db = Database::from_pool(Pool::new(admin.clone())?);
        admin_db.query(&format!("CREATE DATABASE \"{name}\"")).execute().await?;
        admin_db.pool().close(Duration::from_secs(1)).await;
        let url = with_param(&bouncer.url(name), "transaction_pooler", "true");
        let config = DbConfig::from_url(&bouncer.url(name))?;
        let options = config.pool().clone().transaction_pooler(true);
        let config =
            config.pool_options(options).alias(name).acquire_timeout(Duration::from_secs(30));
        let cleanup = Cleanup::PgDatabase { admin, name: name.to_owned() };
        // Made before the first connection, so a failure still drops the database.
        let made = TestDb {
            db: Database::connect_lazy(config)?,
            target: Target::PgBouncer,
            url,
            cleanup: Some(cleanup),
        };
        made.db.pool().health_check().await?;
        Ok(made)
    }

    /// This test's database configuration under a fresh alias: connecting with it makes a
    /// new pool on the same isolated database. Such pools are closed with the test's own when
    /// it ends (their aliases start with its alias), so no test leaves server sessions behind
    /// for the rest of the suite.
    pub fn fresh_config(&self) -> DbConfig {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.db.config().clone().alias(format!("{}{n}", self.fresh_prefix()))
    }

    /// The alias prefix of the pools [`fresh_config`](Self::fresh_config) makes.
    fn fresh_prefix(&self) -> String {
        format!("{}/pool", self.db.config().alias_name().unwrap_or("dal"))
    }

    /// A new pool for `config` (usually [`fresh_config`](Self::fresh_config) with changes)
    /// through this test's driver: `Database::connect` on the built-in drivers, a private
    /// pool on the rusqlite driver (third-party drivers have no registry entry).
    pub async fn connect(&self, config: DbConfig) -> dal::Result<Database> {
        match self.target {
            Target::Rusqlite => {
                let db = Database::from_pool(Pool::with_driver(config, RusqliteDriver::new())?);
                db.pool().health_check().await?;
                db.pool().warm_up().await?;
                Ok(db)
            }
            _ => Database::connect(config).await,
        }
    }

    /// A URL of this test's isolated database, for a program that connects by itself (a
    /// server binary under test): the schema (PostgreSQL, as `search_path`), the database
    /// (MariaDB) or the file (SQLite) this handle uses. It holds the server URL's password,
    /// if that has one: hand it to the program, do not print it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where this test runs.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The number of rows in `table` (a name the test itself chose).
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.db
            .query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one()
            .await
            .expect("count runs")
            .get(0)
            .expect("count is an integer")
    }

    /// The handle (also reachable through `Deref`).
    pub fn db(&self) -> &Database {
        &self.db
    }
}

/// `url` with `key=value` added to its query.
fn with_param(url: &str, key: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{key}={value}")
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> dal::Result<String> {
    let mut parsed = url::Url::parse(url).map_err(|e| {
        dal::Error::new(ErrorKind::Config, format!("the test server URL does not parse: {e}"))
    })?;
    parsed.set_path(name);
    Ok(parsed.into())
}

fn announce_once(backend: Backend, message: &str) {
    static SHOWN: Mutex<Vec<Backend>> = Mutex::new(Vec::new());
    let mut shown = SHOWN.lock().unwrap_or_else(|p| p.into_inner());
    if !shown.contains(&backend) {
        shown.push(backend);
        announce(message);
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else {
            return;
        };
        let pool = self.db.pool().clone();
        let prefix = self.fresh_prefix();
        let fresh: Vec<_> = dal::pool::PoolManager::global()
            .list()
            .into_iter()
            .filter(|s| s.alias.as_deref().is_some_and(|a| a.starts_with(&prefix)))
            .map(|s| s.hash)
            .collect();
        // Cleanup needs async I/O and Drop cannot await: run it on a runtime of its own.
        let worker = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let Ok(rt) = rt else { return };
            rt.block_on(async move {
                for hash in fresh {
                    dal::pool::PoolManager::global().close_pool(hash, Duration::from_secs(5)).await;
                }
                pool.close(Duration::from_secs(5)).await;
                match cleanup {
                    Cleanup::File(path) => {
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                    }
                    Cleanup::Schema { admin, name } => {
                        drop_with(admin, format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await
                    }
                    Cleanup::PgDatabase { admin, name } => {
                        // FORCE ends PgBouncer's server connections to it.
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        drop_with(admin, sql).await
                    }
                    Cleanup::Database { admin, name } => {
                        drop_with(admin, format!("DROP DATABASE IF EXISTS `{name}`")).await
                    }
                }
            });
        });
        let _ = worker.join();
    }
}

async fn drop_with(admin: DbConfig, sql: String) {
    if let Ok(pool) = Pool::new(admin) {
        let db = Database::from_pool(pool);
        let _ = db.query(&sql).execute().await;
        db.pool().close(Duration::from_secs(1)).await;
    }
}

/// Instantiates the behaviour suite once per backend: `behaviour_suite!(a, b, c)` makes
/// `postgres::a`, `mysql::a`, `sqlite::a`, … each calling `crate::suite::a(&TestDb)`;
/// `behaviour_suite!(pgbouncer: a, b)` makes `pgbouncer::a`, … run through PgBouncer in
/// transaction pooling mode; `behaviour_suite!(tls: a, b)` makes `postgres_tls::a` and
/// `mysql_tls::a`, … run on the TLS servers with full verification;
/// `behaviour_suite!(rusqlite: a, b)` makes `rusqlite::a`, … run on SQLite through the
/// rusqlite driver (`dal-rusqlite`).
///
/// A test that applies only to server backends (a session to end, an activity view to read)
/// or only to SQLite is listed after the common ones, as `a, b; servers: c; sqlite: d`: `c` is
/// made only in the server modules (postgres, mysql, pgbouncer, the TLS ones) and `d` only in
/// the SQLite ones, so no test passes on a backend where it checks nothing.
#[macro_export]
#[allow(
    clippy::crate_in_macro_def,
    reason = "the suite functions live in the test binary that invokes the macro"
)]
macro_rules! behaviour_suite {
    (pgbouncer: $($test:ident),* $(,)? $(; servers: $($srv:ident),* $(,)?)? $(; sqlite: $($lite:ident),* $(,)?)?) => {
        $crate::behaviour_suite!(@target pgbouncer, PgBouncer, [$($test),*] [$($($srv),*)?]);
    };
    (tls: $($test:ident),* $(,)? $(; servers: $($srv:ident),* $(,)?)? $(; sqlite: $($lite:ident),* $(,)?)?) => {
        $crate::behaviour_suite!(@target postgres_tls, PostgresTls, [$($test),*] [$($($srv),*)?]);
        $crate::behaviour_suite!(@target mysql_tls, MySqlTls, [$($test),*] [$($($srv),*)?]);
    };
    (rusqlite: $($test:ident),* $(,)? $(; servers: $($srv:ident),* $(,)?)? $(; sqlite: $($lite:ident),* $(,)?)?) => {
        $crate::behaviour_suite!(@target rusqlite, Rusqlite, [$($test),*] [$($($lite),*)?]);
    };
    (@target $module:ident, $variant:ident, [$($test:ident),*] [$($only:ident),*]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = $crate::TestDb::open($crate::Target::$variant, stringify!($test)).await
                    else {
                        return;
                    };
                    crate::suite::$test(&db).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $only() {
                    let Some(db) = $crate::TestDb::open($crate::Target::$variant, stringify!($only)).await
                    else {
                        return;
                    };
                    crate::suite::$only(&db).await;
                }
            )*
        }
    };
    ($($test:ident),* $(,)? $(; servers: $($srv:ident),* $(,)?)? $(; sqlite: $($lite:ident),* $(,)?)?) => {
        $crate::behaviour_suite!(@target postgres, Postgres, [$($test),*] [$($($srv),*)?]);
        $crate::behaviour_suite!(@target mysql, MySql, [$($test),*] [$($($srv),*)?]);
        $crate::behaviour_suite!(@target sqlite, Sqlite, [$($test),*] [$($($lite),*)?]);
    };
}
