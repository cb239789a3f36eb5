//! A real PgBouncer for the integration tests, in front of any PostgreSQL server: its own
//! temp folder (ini, auth file, log, pid file), a free loopback port, trust authentication
//! for user `postgres`, and every database of the upstream reachable under its own name.
//!
//! ```no_run
//! use tests::PgBouncer;
//!
//! let Some(bouncer) = PgBouncer::start_or_skip("127.0.0.1", 5432, "transaction") else {
//!     return; // no pgbouncer here (and servers not required)
//! };
//! let url = bouncer.url("test"); // postgres://postgres@127.0.0.1:<port>/test
//! // ... connect a pool to `url` with statement_cache_capacity(0) ...
//! ```
//!
//! Binary: `DAL_TEST_PGBOUNCER`, else `pgbouncer` on the `PATH`, else `/usr/sbin/pgbouncer`
//! (where Debian's package puts it). It refuses to run as root, so when the tests run as root
//! it runs as the `postgres` user, like the servers of [`crate::PgCluster`]. Put it in front
//! of a cluster's primary with `PgBouncer::start("127.0.0.1", cluster.primary_port(), mode)`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::cluster::{pg_bindir, psql};
use crate::process::{
    READY_TIMEOUT, Watchdog, find_program, free_port, fresh_dir, server_command,
    server_user_checked, sh_quote, skip, stop_child, write,
};

/// How many ports are tried when the one picked was taken by someone else in the meantime.
const PORT_ATTEMPTS: usize = 3;

/// How long a stopped PgBouncer may take to exit on SIGTERM before it is killed. 1.18 exits
/// at once; from 1.23 on SIGTERM waits for the clients to leave, which a test's pool may not
/// have done yet.
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// A PgBouncer process listening on 127.0.0.1, in front of one upstream server.
///
/// Dropping it stops PgBouncer (SIGTERM, which in 1.18 closes every connection at once) and
/// removes its folder.
#[derive(Debug)]
pub struct PgBouncer {
    dir: PathBuf,
    port: u16,
    psql: PathBuf,
    child: Child,
    /// Dropped after `Drop::drop` has cleaned up, which ends the watchdog.
    _watchdog: Watchdog,
}

impl PgBouncer {
    /// Starts PgBouncer in `pool_mode` (`"session"`, `"transaction"` or `"statement"`) in
    /// front of the server at `upstream_host:upstream_port` and returns once it accepts
    /// connections (its admin console answers: being up does not depend on the upstream). The
    /// error says which step failed, with PgBouncer's log.
    pub fn start(
        upstream_host: &str,
        upstream_port: u16,
        pool_mode: &str,
    ) -> Result<PgBouncer, String> {
        PgBouncer::start_with_pool_size(upstream_host, upstream_port, pool_mode, 20)
    }

    /// [`start`](Self::start) with `pool_size` server connections per database and user
    /// (`default_pool_size`; 1 makes every client share one server session).
    pub fn start_with_pool_size(
        upstream_host: &str,
        upstream_port: u16,
        pool_mode: &str,
        pool_size: u32,
    ) -> Result<PgBouncer, String> {
        if !matches!(pool_mode, "session" | "transaction" | "statement") {
            return Err(format!(
                "unknown pool_mode {pool_mode:?}: session, transaction or statement"
            ));
        }
        // The host goes into a libpq-style connection string of the ini file.
        if upstream_host.is_empty()
            || !upstream_host.chars().all(|c| c.is_ascii_alphanumeric() || ".-_:/".contains(c))
        {
            return Err(format!("unusable upstream host {upstream_host:?}"));
        }
        let program = pgbouncer_program()?;
        let psql = psql_program()?;
        let dir = fresh_dir("pgbouncer")?;
        let watchdog = match Watchdog::spawn(&cleanup_script(&dir)) {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let started = free_port().and_then(|port| {
                let upstream = (upstream_host, upstream_port);
                let child = launch(&program, &dir, port, upstream, pool_mode, pool_size)?;
                Ok((port, child))
            });
            let (port, mut child) = match started {
                Ok(started) => started,
                Err(e) => {
                    last = e;
                    break;
                }
            };
            match wait_until_ready(&mut child, &psql, port) {
                Ok(()) => return Ok(PgBouncer { dir, port, psql, child, _watchdog: watchdog }),
                Err(e) => {
                    stop_child(&mut child, STOP_TIMEOUT);
                    last = e;
                }
            }
            // A port taken since it was picked: try another; anything else is final.
            if !read_log(&dir).contains("already in use") {
                break;
            }
        }
        let log = read_log(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        Err(format!("{last}\n--- pgbouncer log ---\n{log}"))
    }

    /// [`start`](Self::start), or `None` after announcing `skipping: <reason>` when pgbouncer
    /// or psql (or, as root, the `postgres` user) is missing.
    ///
    /// # Panics
    ///
    /// When they are missing and [`crate::servers_required`] is true, or when PgBouncer does
    /// not start although they are there.
    pub fn start_or_skip(
        upstream_host: &str,
        upstream_port: u16,
        pool_mode: &str,
    ) -> Option<PgBouncer> {
        if let Err(why) = pgbouncer_program().and_then(|_| psql_program()) {
            skip(&why);
            return None;
        }
        match PgBouncer::start(upstream_host, upstream_port, pool_mode) {
            Ok(bouncer) => Some(bouncer),
            Err(e) => panic!("cannot start PgBouncer: {e}"),
        }
    }

    /// The port PgBouncer listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`: `database` on the upstream, through
    /// PgBouncer (`pgbouncer` is its admin console).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `sql` with psql on `database` through PgBouncer; output and error as
    /// [`crate::PgCluster::psql`].
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        psql(&self.psql, self.port, database, sql)
    }

    /// PgBouncer's log so far (for failure messages), what it wrote to stderr included.
    pub fn log(&self) -> String {
        read_log(&self.dir)
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        stop_child(&mut self.child, STOP_TIMEOUT);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls PgBouncer's admin console until it answers (being up does not depend on the
/// upstream); an error as soon as the process exits.
fn wait_until_ready(child: &mut Child, psql_program: &Path, port: u16) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("pgbouncer exited during start-up ({status})"));
        }
        match psql(psql_program, port, "pgbouncer", "SHOW VERSION") {
            Ok(_) => return Ok(()),
            Err(e) if started.elapsed() >= READY_TIMEOUT => {
                return Err(format!(
                    "pgbouncer did not accept connections within {READY_TIMEOUT:?}: {e}"
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Writes the ini and auth files for `port` and spawns PgBouncer on them (as the server
/// user when root), its stderr to a file and its other streams on /dev/null.
fn launch(
    program: &Path,
    dir: &Path,
    port: u16,
    (upstream_host, upstream_port): (&str, u16),
    pool_mode: &str,
    pool_size: u32,
) -> Result<Child, String> {
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    // PgBouncer 1.18 wants the user in `auth_file` even under `auth_type = trust`.
    write(&dir.join("users.txt"), "\"postgres\" \"\"\n")?;
    let ini = format!(
        "[databases]\n\
         ; every database of the upstream, under its own name\n\
         * = host={upstream_host} port={upstream_port}\n\
         [pgbouncer]\n\
         listen_addr = 127.0.0.1\n\
         listen_port = {port}\n\
         unix_socket_dir =\n\
         auth_type = trust\n\
         auth_file = {users}\n\
         admin_users = postgres\n\
         pool_mode = {pool_mode}\n\
         max_client_conn = 1000\n\
         default_pool_size = {pool_size}\n\
         ; idle server connections go soon: every test has a database of its own, and the\n\
         ; upstream's connection slots are shared by the whole parallel suite\n\
         server_idle_timeout = 1\n\
         ; sqlx sends it at connect, and PgBouncer refuses parameters it does not know\n\
         ignore_startup_parameters = extra_float_digits\n\
         logfile = {log}\n\
         pidfile = {pid}\n",
        users = path("users.txt"),
        log = path("pgbouncer.log"),
        pid = path("pgbouncer.pid"),
    );
    let ini_path = dir.join("pgbouncer.ini");
    write(&ini_path, &ini)?;
    // What an attempt on a taken port left: its pid file would stop the next attempt, and
    // its log would make the next one's failure look like a taken port as well.
    let _ = std::fs::remove_file(dir.join("pgbouncer.pid"));
    let _ = std::fs::remove_file(dir.join("pgbouncer.log"));
    let stderr_path = dir.join("stderr.log");
    let stderr = File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
    server_command(program)
        .arg(&ini_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))
}

/// What the watchdog runs once the test process is gone: SIGTERM to the pid in the pid
/// file, then the folder goes.
fn cleanup_script(dir: &Path) -> String {
    let pid = sh_quote(&dir.join("pgbouncer.pid").to_string_lossy());
    let dir = sh_quote(&dir.to_string_lossy());
    format!("if [ -f {pid} ]; then kill -TERM \"$(cat {pid})\"; sleep 1; fi; rm -rf {dir}")
}

fn read_log(dir: &Path) -> String {
    let mut log = std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default();
    let stderr = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
    if !stderr.trim().is_empty() {
        log.push_str("--- stderr ---\n");
        log.push_str(&stderr);
    }
    log
}

/// The pgbouncer program (see the module docs for where it looks).
fn pgbouncer_program() -> Result<PathBuf, String> {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            server_user_checked()?;
            if let Some(program) = std::env::var_os("DAL_TEST_PGBOUNCER") {
                let program = PathBuf::from(program);
                return if program.is_file() {
                    Ok(program)
                } else {
                    Err(format!("DAL_TEST_PGBOUNCER={} is not a file", program.display()))
                };
            }
            find_program("pgbouncer", &["/usr/sbin/pgbouncer"]).ok_or_else(|| {
                "no pgbouncer found through DAL_TEST_PGBOUNCER, PATH or /usr/sbin".to_owned()
            })
        })
        .clone()
}

/// psql: the one of the PostgreSQL installation the clusters use, else any on the PATH.
fn psql_program() -> Result<PathBuf, String> {
    if let Ok(bin) = pg_bindir() {
        return Ok(bin.join("psql"));
    }
    find_program("psql", &[]).ok_or_else(|| "no psql found on the PATH".to_owned())
}
