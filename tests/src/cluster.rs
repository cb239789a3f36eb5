//! Real PostgreSQL clusters for the integration tests: a primary and streaming replicas, each
//! a server process of its own on a free loopback port with its data in a fresh temp folder,
//! stopped, started and promoted on demand. Also the PostgreSQL pieces that
//! [`crate::pgbouncer`] and [`crate::pg_tls`] share (finding the binaries, `initdb`, starting
//! a server on a free port, `psql`); the process plumbing is in [`crate::process`].
//!
//! ```no_run
//! use tests::{ClusterOptions, PgCluster};
//!
//! let Some(cluster) = PgCluster::start_or_skip(ClusterOptions { replicas: 1, synchronous: false })
//! else {
//!     return; // no PostgreSQL binaries here (and servers not required)
//! };
//! cluster.psql(cluster.primary_port(), "CREATE TABLE t (id int)").expect("create");
//! cluster.wait_until_replica_caught_up(0).expect("caught up");
//! cluster.stop_primary().expect("stop");
//! cluster.promote_replica(0).expect("promote");
//! // ... connect to cluster.replica_url(0), which now takes writes ...
//! ```
//!
//! Every call blocks (it runs `initdb`, `pg_ctl`, `pg_basebackup` and `psql` as child
//! processes) and waits at most [`READY_TIMEOUT`] for what it waits for; async tests call it
//! directly for short steps or through `tokio::task::spawn_blocking`.
//!
//! Clean-up: dropping a [`PgCluster`] stops its servers and removes its folder. A test process
//! that is killed or aborts never runs `Drop`, so each cluster also has a watchdog shell
//! process that does the same once the test process is gone.
//!
//! Binaries: `DAL_TEST_PG_BINDIR`, else `pg_config --bindir`, else the newest
//! `/usr/lib/postgresql/*/bin`, else the `PATH` (the first of these holding `initdb`,
//! `pg_ctl`, `pg_basebackup`, `postgres` and `psql`). PostgreSQL refuses to run as root, so
//! when the tests run as root the servers run as the `postgres` user.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::process::READY_TIMEOUT;
use crate::process::{
    Watchdog, free_port, fresh_dir, kill_running_script, remove_dir_script, run, run_tracked,
    server_command, server_user, server_user_checked, sh_quote, skip, tail, wait_until, write,
};

/// How many ports are tried when the one picked was taken by someone else in the meantime.
const PORT_ATTEMPTS: usize = 3;

/// The PostgreSQL programs a cluster needs, all of which must be in one folder.
const PG_PROGRAMS: [&str; 5] = ["initdb", "pg_ctl", "pg_basebackup", "postgres", "psql"];

/// libpq's environment variables that would change where or how `psql` connects.
const PG_CONNECT_VARS: [&str; 12] = [
    "PGOPTIONS",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGREQUIRESSL",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLCRL",
    "PGGSSENCMODE",
];

/// The shape of a [`PgCluster`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClusterOptions {
    /// Streaming replicas made from the primary (0: a primary alone).
    pub replicas: usize,
    /// Synchronous replication: the primary acknowledges a commit only once a replica has
    /// flushed it (`synchronous_standby_names = '*'`), so a promoted replica has every row the
    /// primary ever acknowledged. Writes on the primary hang while no replica streams.
    pub synchronous: bool,
}

/// One PostgreSQL server: a data folder under a root folder, its log, and its port.
#[derive(Debug)]
pub(crate) struct Server {
    /// `primary` or `replica<i>`; also the folder name and, prefixed with `dal_`, the
    /// server's `cluster_name` (which a replica reports as its `application_name`).
    name: String,
    pub(crate) dir: PathBuf,
    pub(crate) log: PathBuf,
    pub(crate) port: u16,
    /// Started and not stopped since, as far as the calls made know; decides whether a
    /// replica is waited for to stream. (`Drop` and the watchdog go by `postmaster.pid`
    /// instead: a server may be up although the call that started it failed.)
    running: AtomicBool,
    /// Promoted out of recovery: it no longer streams from the primary.
    promoted: AtomicBool,
}

impl Server {
    /// A server named `name` with its data folder `root/name` (not made yet) and its log
    /// `root/name.log`; port 0 until it starts.
    pub(crate) fn new(root: &Path, name: String) -> Server {
        Server {
            dir: root.join(&name),
            log: root.join(format!("{name}.log")),
            name,
            port: 0,
            running: AtomicBool::new(false),
            promoted: AtomicBool::new(false),
        }
    }

    fn application_name(&self) -> String {
        format!("dal_{}", self.name)
    }

    /// `pg_ctl stop -m immediate` (for data that is thrown away) when its folder has a
    /// `postmaster.pid`: a server may be up although the call that started it failed.
    pub(crate) fn stop_immediately(&self, bin: &Path) {
        if self.dir.join("postmaster.pid").exists() {
            let _ = run(server_command(&bin.join("pg_ctl"))
                .args(["stop", "-w", "-s", "-m", "immediate", "-t"])
                .arg(timeout_arg())
                .arg("-D")
                .arg(&self.dir));
        }
    }
}

/// A PostgreSQL primary and its streaming replicas, each a real server on a loopback port,
/// with trust authentication for user `postgres`, replication included.
///
/// Dropping it stops every server (`-m immediate`) and removes its temp folder.
/// Every method takes `&self`, so an `Arc<PgCluster>` can be shared with blocking tasks.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    root: PathBuf,
    primary: Server,
    replicas: Vec<Server>,
    /// Dropped after `Drop::drop` has cleaned up, which ends the watchdog.
    _watchdog: Watchdog,
}

impl PgCluster {
    /// Starts a primary and `options.replicas` replicas made from it with `pg_basebackup -R`,
    /// and returns once every server accepts connections and every replica streams. The error
    /// says which command failed, with its output.
    pub fn start(options: ClusterOptions) -> Result<PgCluster, String> {
        let bin = pg_bindir()?;
        let root = fresh_dir("pgcluster")?;
        let watchdog = match Watchdog::spawn(&cluster_cleanup_script(&bin, &root)) {
            Ok(watchdog) => watchdog,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        // From here on an early return drops `cluster`, which cleans up what exists so far.
        let mut cluster = PgCluster {
            bin,
            primary: Server::new(&root, "primary".to_owned()),
            replicas: Vec::with_capacity(options.replicas),
            root,
            _watchdog: watchdog,
        };
        cluster.init_primary(options.synchronous)?;
        for i in 0..options.replicas {
            cluster.add_replica(i)?;
        }
        let expected = options.replicas.to_string();
        let primary = cluster.primary.port;
        wait_until("every replica to stream", || {
            let n = cluster.psql(
                primary,
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
            )?;
            Ok(n == expected)
        })?;
        Ok(cluster)
    }

    /// [`start`](Self::start), or `None` after announcing `skipping: <reason>` when the
    /// PostgreSQL binaries (or, as root, the `postgres` user) are missing.
    ///
    /// # Panics
    ///
    /// When they are missing and [`crate::servers_required`] is true, or when the cluster does not
    /// start although the binaries are there.
    pub fn start_or_skip(options: ClusterOptions) -> Option<PgCluster> {
        if let Err(why) = pg_bindir() {
            skip(&why);
            return None;
        }
        match PgCluster::start(options) {
            Ok(cluster) => Some(cluster),
            Err(e) => panic!("cannot start a PostgreSQL cluster: {e}"),
        }
    }

    /// The temp folder holding every server's data folder and log; removed on drop.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The number of replicas.
    pub fn replica_count(&self) -> usize {
        self.replicas.len()
    }

    /// The primary's port on 127.0.0.1.
    pub fn primary_port(&self) -> u16 {
        self.primary.port
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres` for the primary.
    pub fn primary_url(&self) -> String {
        url(self.primary.port, "postgres")
    }

    /// Replica `i`'s port on 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When there is no replica `i`.
    pub fn replica_port(&self, i: usize) -> u16 {
        self.replica_at(i).port
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres` for replica `i`.
    ///
    /// # Panics
    ///
    /// When there is no replica `i`.
    pub fn replica_url(&self, i: usize) -> String {
        url(self.replica_at(i).port, "postgres")
    }

    /// The primary's server log (for failure messages).
    pub fn primary_log(&self) -> String {
        std::fs::read_to_string(&self.primary.log).unwrap_or_default()
    }

    /// Replica `i`'s server log (for failure messages); empty when there is no replica `i`.
    pub fn replica_log(&self, i: usize) -> String {
        self.replicas.get(i).and_then(|r| std::fs::read_to_string(&r.log).ok()).unwrap_or_default()
    }

    /// Runs `sql` (one or more statements, in one implicit transaction) with `psql` on
    /// database `postgres` of the server on `port`, and returns its unaligned, tuples-only
    /// output without the last newline (`|` between columns, a line per row); the error holds
    /// psql's message (e.g. `cannot execute INSERT in a read-only transaction`).
    pub fn psql(&self, port: u16, sql: &str) -> Result<String, String> {
        psql(&self.bin.join("psql"), port, "postgres", sql)
    }

    /// Stops the primary (`pg_ctl stop -m fast`: sessions are cut, then a shutdown
    /// checkpoint, which the replicas receive before it exits).
    pub fn stop_primary(&self) -> Result<(), String> {
        self.stop(&self.primary, "fast")
    }

    /// Starts the primary again (on the same port) and waits until it accepts connections.
    /// After a promotion this makes a second primary that has diverged from the promoted one
    /// (nothing rewinds it): tests of fencing may want exactly that.
    pub fn start_primary(&self) -> Result<(), String> {
        self.start_server(&self.primary)
    }

    /// Stops replica `i` (`pg_ctl stop -m fast`).
    pub fn stop_replica(&self, i: usize) -> Result<(), String> {
        self.stop(self.replica(i)?, "fast")
    }

    /// Starts replica `i` again (on the same port) and waits until it accepts connections and,
    /// unless it was promoted or the primary is stopped, streams from the primary again.
    pub fn start_replica(&self, i: usize) -> Result<(), String> {
        let replica = self.replica(i)?;
        self.start_server(replica)?;
        self.wait_until_streaming(replica)
    }

    /// Promotes replica `i` to a primary (`pg_ctl promote`) and waits until it leaves recovery
    /// and takes writes. It stays on its port; the other replicas keep following the old
    /// primary. A replica of a synchronous cluster becomes an asynchronous primary (nothing
    /// would acknowledge its commits otherwise).
    pub fn promote_replica(&self, i: usize) -> Result<(), String> {
        let replica = self.replica(i)?;
        run(self
            .server_command("pg_ctl")
            .args(["promote", "-w", "-t"])
            .arg(timeout_arg())
            .arg("-D")
            .arg(&replica.dir))?;
        wait_until(&format!("{} to leave recovery", replica.name), || {
            Ok(self.psql(replica.port, "SELECT pg_is_in_recovery()")? == "f")
        })?;
        replica.promoted.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Waits until replica `i` has replayed everything the primary had written when this was
    /// called (its `pg_last_wal_replay_lsn()` reaches the primary's `pg_current_wal_lsn()`).
    pub fn wait_until_replica_caught_up(&self, i: usize) -> Result<(), String> {
        let replica = self.replica(i)?;
        let target = self.psql(self.primary.port, "SELECT pg_current_wal_lsn()")?;
        if !target.chars().all(|c| c.is_ascii_hexdigit() || c == '/') {
            return Err(format!("unexpected pg_current_wal_lsn() output: {target:?}"));
        }
        let check = format!("SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn");
        wait_until(&format!("{} to replay up to {target}", replica.name), || {
            Ok(self.psql(replica.port, &check)? == "t")
        })
    }

    fn replica(&self, i: usize) -> Result<&Server, String> {
        self.replicas
            .get(i)
            .ok_or_else(|| format!("no replica {i}: the cluster has {}", self.replicas.len()))
    }

    fn replica_at(&self, i: usize) -> &Server {
        match self.replica(i) {
            Ok(replica) => replica,
            Err(e) => panic!("{e}"),
        }
    }

    /// A PostgreSQL program of the cluster's installation, run as the server user.
    fn server_command(&self, program: &str) -> Command {
        server_command(&self.bin.join(program))
    }

    fn init_primary(&mut self, synchronous: bool) -> Result<(), String> {
        init_data_dir(&self.bin, &self.primary.dir)?;
        let extra = if synchronous {
            // Only on the primary: a promoted replica must not wait for standbys it lacks.
            "synchronous_standby_names = '*'\nsynchronous_commit = on\n"
        } else {
            ""
        };
        start_new_server(&self.bin, &mut self.primary, extra)
    }

    fn add_replica(&mut self, i: usize) -> Result<(), String> {
        let mut replica = Server::new(&self.root, format!("replica{i}"));
        let conninfo = format!(
            "host=127.0.0.1 port={} user=postgres application_name={}",
            self.primary.port,
            replica.application_name()
        );
        run_tracked(
            self.server_command("pg_basebackup")
                .args(["-R", "--checkpoint=fast", "-X", "stream", "--no-sync", "-d"])
                .arg(&conninfo)
                .arg("-D")
                .arg(&replica.dir),
            &replica.dir.with_extension("basebackup.running"),
        )?;
        // Pushed before it starts so that a failure below still stops and removes it.
        let started = start_new_server(&self.bin, &mut replica, "");
        self.replicas.push(replica);
        started?;
        let replica = &self.replicas[i];
        wait_until(&format!("{} to be in recovery", replica.name), || {
            Ok(self.psql(replica.port, "SELECT pg_is_in_recovery()")? == "t")
        })?;
        self.wait_until_streaming(replica)
    }

    fn start_server(&self, server: &Server) -> Result<(), String> {
        start_server(&self.bin, server)
    }

    fn stop(&self, server: &Server, mode: &str) -> Result<(), String> {
        run(self
            .server_command("pg_ctl")
            .args(["stop", "-w", "-s", "-m", mode, "-t"])
            .arg(timeout_arg())
            .arg("-D")
            .arg(&server.dir))?;
        server.running.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Waits until the primary lists `replica` as streaming; returns at once when that cannot
    /// happen (the replica was promoted or the primary is stopped).
    fn wait_until_streaming(&self, replica: &Server) -> Result<(), String> {
        if replica.promoted.load(Ordering::SeqCst) || !self.primary.running.load(Ordering::SeqCst) {
            return Ok(());
        }
        let check = format!(
            "SELECT count(*) FROM pg_stat_replication \
             WHERE application_name = '{}' AND state = 'streaming'",
            replica.application_name()
        );
        wait_until(&format!("{} to stream from the primary", replica.name), || {
            Ok(self.psql(self.primary.port, &check)? == "1")
        })
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Replicas first, so they do not log the primary going away.
        for server in self.replicas.iter().chain([&self.primary]) {
            server.stop_immediately(&self.bin);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `initdb` into `dir`, then the settings and trust rules every server of a cluster shares.
pub(crate) fn init_data_dir(bin: &Path, dir: &Path) -> Result<(), String> {
    run_tracked(
        server_command(&bin.join("initdb"))
            .args(["--no-sync", "--no-instructions", "-A", "trust", "-U", "postgres"])
            .args(["-E", "UTF8", "--locale=C", "-D"])
            .arg(dir),
        &dir.with_extension("initdb.running"),
    )?;
    // Settings every server shares (replicas copy this file with the data); what differs
    // per server is in `dal_server.conf`, which each one gets a copy of its own.
    let shared = "\n# dal test cluster\n\
        listen_addresses = '127.0.0.1'\n\
        fsync = off\n\
        full_page_writes = off\n\
        shared_buffers = 16MB\n\
        max_connections = 60\n\
        wal_level = replica\n\
        max_wal_senders = 10\n\
        wal_keep_size = 64MB\n\
        hot_standby = on\n\
        logging_collector = off\n\
        include_if_exists = 'dal_server.conf'\n";
    append(&dir.join("postgresql.conf"), shared)?;
    write(
        &dir.join("pg_hba.conf"),
        "local all all trust\n\
         local replication all trust\n\
         host all all 127.0.0.1/32 trust\n\
         host replication all 127.0.0.1/32 trust\n",
    )
}

/// Writes `dal_server.conf` with a fresh port (and `extra`) and starts the server, trying
/// another port when the one picked was taken meanwhile.
pub(crate) fn start_new_server(bin: &Path, server: &mut Server, extra: &str) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..PORT_ATTEMPTS {
        server.port = free_port()?;
        let conf = format!(
            "port = {}\nunix_socket_directories = {}\ncluster_name = {}\n{extra}",
            server.port,
            conf_quote(&server.dir.to_string_lossy()),
            conf_quote(&server.application_name()),
        );
        write(&server.dir.join("dal_server.conf"), &conf)?;
        match start_server(bin, server) {
            Ok(()) => return Ok(()),
            Err(e) => {
                let log = std::fs::read_to_string(&server.log).unwrap_or_default();
                if !log.contains("could not bind") && !log.contains("already in use") {
                    return Err(e);
                }
                last = e;
            }
        }
    }
    Err(format!("no free port for {} after {PORT_ATTEMPTS} tries: {last}", server.name))
}

/// `pg_ctl start`, waiting until the server accepts connections (a replica: read-only ones).
fn start_server(bin: &Path, server: &Server) -> Result<(), String> {
    let started = run(server_command(&bin.join("pg_ctl"))
        .args(["start", "-w", "-s", "-t"])
        .arg(timeout_arg())
        .arg("-D")
        .arg(&server.dir)
        .arg("-l")
        .arg(&server.log));
    if let Err(e) = started {
        let log = std::fs::read_to_string(&server.log).unwrap_or_default();
        return Err(format!("{e}\n--- {} log ---\n{}", server.name, tail(&log, 2000)));
    }
    server.running.store(true, Ordering::SeqCst);
    Ok(())
}

/// What the watchdog of a cluster runs once the test process is gone: stops every server
/// whose folder still has a `postmaster.pid`, then removes the cluster's folder.
pub(crate) fn cluster_cleanup_script(bin: &Path, root: &Path) -> String {
    let mut pg_ctl = String::new();
    if let Some(user) = server_user() {
        let _ = write!(pg_ctl, "runuser -u {} -- ", sh_quote(&user.name));
    }
    pg_ctl.push_str(&sh_quote(&bin.join("pg_ctl").to_string_lossy()));
    let quoted = sh_quote(&root.to_string_lossy());
    format!(
        "{}for d in {quoted}/*/; do \
           if [ -f \"$d/postmaster.pid\" ]; then {pg_ctl} stop -w -s -m immediate -D \"$d\"; fi; \
         done; {}",
        kill_running_script(root),
        remove_dir_script(root),
    )
}

fn url(port: u16, database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{database}")
}

fn timeout_arg() -> String {
    READY_TIMEOUT.as_secs().to_string()
}

/// A value quoted for postgresql.conf.
pub(crate) fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot append to {}: {e}", path.display()))
}

/// Runs `psql` (`psql_program`) on `database` of the server on 127.0.0.1:`port` as user
/// `postgres`, without reading any psqlrc and stopping at the first error.
pub(crate) fn psql(
    psql_program: &Path,
    port: u16,
    database: &str,
    sql: &str,
) -> Result<String, String> {
    let mut cmd = psql_command(psql_program, sql);
    cmd.args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
        .arg(port.to_string())
        .arg("-d")
        .arg(database);
    run(&mut cmd)
}

/// `psql` (`psql_program`) ready to run `sql` once it is told where to connect (`-h`, `-p`,
/// `-U`, `-d`, or a connection string as `-d`): no psqlrc, stop at the first error, unaligned
/// tuples only, a 5 s connect timeout, and none of the environment variables that would
/// change how it connects or authenticates (`PGSSLMODE`, `PGPASSWORD`, …).
pub(crate) fn psql_command(psql_program: &Path, sql: &str) -> Command {
    let mut cmd = Command::new(psql_program);
    cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(sql)
        // A stopped server must fail the call fast, not after the default of forever.
        .env("PGCONNECT_TIMEOUT", "5");
    for var in PG_CONNECT_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// The folder holding the PostgreSQL programs (see the module docs for where it looks).
pub(crate) fn pg_bindir() -> Result<PathBuf, String> {
    static BINDIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINDIR
        .get_or_init(|| {
            server_user_checked()?;
            let complete = |dir: &Path| PG_PROGRAMS.iter().all(|p| dir.join(p).is_file());
            if let Some(dir) = std::env::var_os("DAL_TEST_PG_BINDIR") {
                let dir = PathBuf::from(dir);
                return if complete(&dir) {
                    Ok(dir)
                } else {
                    Err(format!(
                        "DAL_TEST_PG_BINDIR={} lacks one of {}",
                        dir.display(),
                        PG_PROGRAMS.join(", ")
                    ))
                };
            }
            let mut candidates = Vec::new();
            if let Ok(dir) = run(Command::new("pg_config").arg("--bindir")) {
                candidates.push(PathBuf::from(dir.trim()));
            }
            candidates.extend(debian_bindirs());
            if let Some(path) = std::env::var_os("PATH") {
                candidates.extend(std::env::split_paths(&path));
            }
            candidates.into_iter().find(|d| complete(d)).ok_or_else(|| {
                format!(
                    "no PostgreSQL server binaries ({}) found through DAL_TEST_PG_BINDIR, \
                     pg_config, /usr/lib/postgresql/*/bin or PATH",
                    PG_PROGRAMS.join(", ")
                )
            })
        })
        .clone()
}

/// `/usr/lib/postgresql/<version>/bin`, newest version first.
fn debian_bindirs() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") else { return Vec::new() };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            Some((version?, e.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}
