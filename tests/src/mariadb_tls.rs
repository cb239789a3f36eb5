//! A MariaDB server that speaks TLS, for the TLS tests: a `mariadbd` of its own (not the
//! machine's service) with its data folder and [`TestCa`] in a fresh temp folder, a free port
//! on 127.0.0.1 and a unix socket in that folder.
//!
//! ```no_run
//! use tests::{MARIADB_SSL_USER, MariaDbTlsServer};
//!
//! let Some(server) = MariaDbTlsServer::start_or_skip() else {
//!     return; // no MariaDB or openssl here (and servers not required)
//! };
//! let url = format!(
//!     "{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
//!     server.url(MARIADB_SSL_USER, "test"),
//!     server.ca().ca_cert().display(),
//! );
//! ```
//!
//! Users (every one with every privilege, from any host):
//!
//! | user | authentication |
//! |---|---|
//! | `root` (from 127.0.0.1, and over the socket) | none, TLS or not |
//! | [`MARIADB_SSL_USER`] (`dal_ssl`) | none, but `REQUIRE SSL` |
//! | [`MARIADB_X509_USER`] (`dal_x509`) | `REQUIRE X509`: a client certificate of the CA |
//! | [`MARIADB_PASSWORD_USER`] (`dal_pw`) | [`MARIADB_PASSWORD`], TLS or not |
//!
//! The session status variable `Ssl_cipher` is empty on a plaintext session and names the
//! cipher on an encrypted one. The server runs with `--no-defaults` (no my.cnf of the machine),
//! utf8mb4, no binary log and small InnoDB buffers, so it starts in about a second and a half.
//!
//! Programs: `mariadbd`, `mariadb-install-db` and `mariadb` on the `PATH`, else in `/usr/sbin`
//! or `/usr/bin` (`DAL_TEST_MARIADB_BINDIR` names a folder holding all three instead).
//! `mariadbd` refuses to run as root, so when the tests run as root it runs as `mysql`.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::process::{
    READY_TIMEOUT, ServerUser, Watchdog, account_checked, command_as, find_program, free_port,
    fresh_dir_for, kill_running_script, remove_dir_script, run, run_tracked, sh_quote, skip,
    stop_child, tail,
};
use crate::tls_certs::{MARIADB_X509_USER, TestCa, openssl_program};

/// The MariaDB user that needs TLS but no password or certificate (`REQUIRE SSL`).
pub const MARIADB_SSL_USER: &str = "dal_ssl";

/// The MariaDB user that logs in with a password (TLS or not).
pub const MARIADB_PASSWORD_USER: &str = "dal_pw";

/// The password of [`MARIADB_PASSWORD_USER`].
pub const MARIADB_PASSWORD: &str = "dal-pw-secret";

/// The database made for the tests.
pub const MARIADB_TLS_DATABASE: &str = "test";

/// How many ports are tried when the one picked was taken by someone else in the meantime.
const PORT_ATTEMPTS: usize = 3;

/// How long `mariadbd` may take to shut down on SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Server options shared by `mariadb-install-db` (which passes them on to the bootstrap
/// server) and the server itself: small, unsynced and quick to start.
const SERVER_ARGS: [&str; 12] = [
    "--skip-name-resolve",
    "--skip-log-bin",
    "--performance-schema=OFF",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=4M",
    "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-buffer-pool-dump-at-shutdown=OFF",
    "--innodb-buffer-pool-load-at-startup=OFF",
];

/// A `mariadbd` on 127.0.0.1 with TLS on, a certificate of its own [`TestCa`] for
/// `localhost`, and users that need TLS, a client certificate or a password.
///
/// Dropping it stops the server (SIGTERM, SIGKILL after 10 s) and removes its folder,
/// certificates included.
#[derive(Debug)]
pub struct MariaDbTlsServer {
    programs: Programs,
    root: PathBuf,
    port: u16,
    child: Option<Child>,
    ca: TestCa,
    /// Dropped after `Drop::drop` has cleaned up, which ends the watchdog.
    _watchdog: Watchdog,
}

impl MariaDbTlsServer {
    /// Makes the certificates, initialises a data folder (`mariadb-install-db`), starts
    /// `mariadbd` with TLS on, and creates the users and the `test` database; returns once
    /// it accepts connections. The error says which step failed, with the command's output
    /// or the server's error log.
    pub fn start() -> Result<MariaDbTlsServer, String> {
        let programs = mariadb_programs()?;
        openssl_program()?;
        let user = mysql_user_checked()?;
        let root = fresh_dir_for("mariadbtls", user.as_ref())?;
        let watchdog = match Watchdog::spawn(&cleanup_script(&root)) {
            Ok(watchdog) => watchdog,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        let ca = match TestCa::create_in(root.join("tls"), user.as_ref()) {
            Ok(ca) => ca,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        // From here on an early return drops `made`, which cleans up what exists so far.
        let mut made =
            MariaDbTlsServer { programs, root, port: 0, child: None, ca, _watchdog: watchdog };
        run_tracked(
            command_as(&made.programs.install_db, user.as_ref())
                .arg("--no-defaults")
                .arg(format!("--datadir={}", made.data_dir().display()))
                .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
                .args(SERVER_ARGS),
            &made.root.join("install-db.running"),
        )?;
        made.launch(user.as_ref())?;
        made.admin_sql_on(
            None,
            &format!(
                "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; \
                 GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; \
                 CREATE USER '{MARIADB_SSL_USER}'@'%' REQUIRE SSL; \
                 CREATE USER '{MARIADB_X509_USER}'@'%' REQUIRE X509; \
                 CREATE USER '{MARIADB_PASSWORD_USER}'@'%' IDENTIFIED BY '{MARIADB_PASSWORD}'; \
                 GRANT ALL ON *.* TO '{MARIADB_SSL_USER}'@'%', '{MARIADB_X509_USER}'@'%', \
                   '{MARIADB_PASSWORD_USER}'@'%'; \
                 CREATE DATABASE `{MARIADB_TLS_DATABASE}`"
            ),
        )?;
        Ok(made)
    }

    /// [`start`](Self::start), or `None` after announcing `skipping: <reason>` when the
    /// MariaDB programs or openssl (or, as root, the `mysql` user) are missing.
    ///
    /// # Panics
    ///
    /// When they are missing and [`crate::servers_required`] is true, or when the server
    /// does not start although they are there.
    pub fn start_or_skip() -> Option<MariaDbTlsServer> {
        let present = mariadb_programs()
            .and_then(|_| openssl_program())
            .and_then(|_| mysql_user_checked().map(drop));
        if let Err(why) = present {
            skip(&why);
            return None;
        }
        match MariaDbTlsServer::start() {
            Ok(server) => Some(server),
            Err(e) => panic!("cannot start a MariaDB server with TLS: {e}"),
        }
    }

    /// The port the server listens on (on 127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mysql://<user>@localhost:<port>/<database>`, without password or TLS parameters (the
    /// caller adds them). `localhost` is the name the server certificate holds.
    pub fn url(&self, user: &str, database: &str) -> String {
        format!("mysql://{user}@localhost:{}/{database}", self.port)
    }

    /// The CA that signed the server certificate and the client certificates.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    /// Runs `sql` (one or more statements) as `root` on database `test` over the unix socket,
    /// and returns the `mariadb` client's batch output without column names (tabs between
    /// columns, a line per row) and without the last newline.
    pub fn admin_sql(&self, sql: &str) -> Result<String, String> {
        self.admin_sql_on(Some(MARIADB_TLS_DATABASE), sql)
    }

    /// Runs `sql` with the `mariadb` client over TCP to this server's port, with `args` in
    /// between (`-h localhost`, `-u <user>`, `--ssl-ca=…`, `--ssl-verify-server-cert`,
    /// `--skip-ssl`, …); no option file or `MYSQL_*` variable of this process is read.
    /// Output as [`admin_sql`](Self::admin_sql); the error holds the client's message.
    pub fn mariadb<I, S>(&self, args: I, sql: &str) -> Result<String, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.client();
        cmd.args(["--protocol=TCP", "--connect-timeout=5"])
            .arg(format!("--port={}", self.port))
            .args(args)
            .arg("-e")
            .arg(sql);
        run(&mut cmd)
    }

    /// The server's error log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.error_log()).unwrap_or_default()
    }

    /// The temp folder holding the data folder, the socket, the logs and the certificates.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket(&self) -> PathBuf {
        self.root.join("mariadbd.sock")
    }

    fn error_log(&self) -> PathBuf {
        self.root.join("error.log")
    }

    /// The `mariadb` client reading no option file, in batch mode without column names.
    fn client(&self) -> Command {
        let mut cmd = Command::new(&self.programs.client);
        cmd.args(["--no-defaults", "--batch", "--skip-column-names"]);
        for var in ["MYSQL_PWD", "MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT"] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// `sql` as root over the socket, on `database` (`None`: none).
    fn admin_sql_on(&self, database: Option<&str>, sql: &str) -> Result<String, String> {
        let mut cmd = self.client();
        cmd.arg(format!("--socket={}", self.socket().display())).args(["-u", "root"]);
        if let Some(database) = database {
            cmd.arg(format!("--database={database}"));
        }
        run(cmd.arg("-e").arg(sql))
    }

    /// Starts `mariadbd` on a free port and waits until it answers on its socket, trying
    /// another port when the one picked was taken meanwhile.
    fn launch(&mut self, user: Option<&ServerUser>) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            // What a failed attempt left would make this one's failure look the same.
            let _ = std::fs::remove_file(self.error_log());
            let child = self.spawn_server(user)?;
            self.child = Some(child);
            match self.wait_until_ready() {
                Ok(()) => return Ok(()),
                Err(e) => {
                    if let Some(mut child) = self.child.take() {
                        stop_child(&mut child, STOP_TIMEOUT);
                    }
                    let log = self.log();
                    let message = format!("{e}\n--- mariadbd log ---\n{}", tail(&log, 3000));
                    if !log.contains("Address already in use") {
                        return Err(message);
                    }
                    last = message;
                }
            }
        }
        Err(format!("no free port for mariadbd after {PORT_ATTEMPTS} tries: {last}"))
    }

    fn spawn_server(&self, user: Option<&ServerUser>) -> Result<Child, String> {
        let stderr_path = self.root.join("stderr.log");
        let stderr = File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let file = |option: &str, path: PathBuf| format!("--{option}={}", path.display());
        command_as(&self.programs.server, user)
            .arg("--no-defaults")
            .arg(file("datadir", self.data_dir()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(file("socket", self.socket()))
            .arg(file("pid-file", self.root.join("mariadbd.pid")))
            .arg(file("log-error", self.error_log()))
            .arg(file("tmpdir", self.root.clone()))
            .arg(file("ssl-ca", self.ca.ca_cert()))
            .arg(file("ssl-cert", self.ca.server_cert()))
            .arg(file("ssl-key", self.ca.server_key()))
            .args(SERVER_ARGS)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.programs.server.display()))
    }

    /// Polls the server over its socket until it answers; an error as soon as it exits.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(format!("mariadbd exited during start-up ({status})"));
            }
            match self.admin_sql_on(None, "SELECT 1") {
                Ok(_) => return Ok(()),
                Err(e) if started.elapsed() >= READY_TIMEOUT => {
                    return Err(format!(
                        "mariadbd did not accept connections within {READY_TIMEOUT:?}: {e}"
                    ));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }
}

impl Drop for MariaDbTlsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child, STOP_TIMEOUT);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// What the watchdog runs once the test process is gone: ends a `mariadb-install-db` still
/// running, SIGTERM to the server in the pid file and SIGKILL when it is still there 10 s
/// later, then the folder goes.
fn cleanup_script(root: &Path) -> String {
    let pid = sh_quote(&root.join("mariadbd.pid").to_string_lossy());
    format!(
        "{}if [ -f {pid} ]; then \
           p=\"$(cat {pid})\"; kill -TERM \"$p\"; \
           for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 \"$p\" 2>/dev/null || break; sleep 1; done; \
           kill -KILL \"$p\" 2>/dev/null; \
         fi; {}",
        kill_running_script(root),
        remove_dir_script(root),
    )
}

/// The MariaDB programs a server needs.
#[derive(Debug, Clone)]
struct Programs {
    server: PathBuf,
    install_db: PathBuf,
    client: PathBuf,
}

/// The MariaDB programs (see the module docs for where they are looked for).
fn mariadb_programs() -> Result<Programs, String> {
    static PROGRAMS: OnceLock<Result<Programs, String>> = OnceLock::new();
    PROGRAMS
        .get_or_init(|| {
            if let Some(dir) = std::env::var_os("DAL_TEST_MARIADB_BINDIR") {
                let dir = PathBuf::from(dir);
                let programs = Programs {
                    server: dir.join("mariadbd"),
                    install_db: dir.join("mariadb-install-db"),
                    client: dir.join("mariadb"),
                };
                return if [&programs.server, &programs.install_db, &programs.client]
                    .iter()
                    .all(|p| p.is_file())
                {
                    Ok(programs)
                } else {
                    Err(format!(
                        "DAL_TEST_MARIADB_BINDIR={} lacks one of mariadbd, mariadb-install-db, \
                         mariadb",
                        dir.display()
                    ))
                };
            }
            let find = |name: &str, fallback: &str| {
                find_program(name, &[fallback])
                    .ok_or_else(|| format!("no {name} found on the PATH or in {fallback}"))
            };
            Ok(Programs {
                server: find("mariadbd", "/usr/sbin/mariadbd")?,
                install_db: find("mariadb-install-db", "/usr/bin/mariadb-install-db")?,
                client: find("mariadb", "/usr/bin/mariadb")?,
            })
        })
        .clone()
}

/// `Some(mysql)` when this process runs as root (`mariadbd` refuses root), `None` otherwise;
/// an error when root but there is no `mysql` user.
fn mysql_user_checked() -> Result<Option<ServerUser>, String> {
    static USER: OnceLock<Result<Option<ServerUser>, String>> = OnceLock::new();
    USER.get_or_init(|| account_checked("mysql", "MariaDB")).clone()
}
