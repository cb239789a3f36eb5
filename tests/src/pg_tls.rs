//! A PostgreSQL server that speaks TLS, for the TLS tests: its own data folder and
//! [`TestCa`] in a fresh temp folder, a free port on 127.0.0.1, and `hostssl` rules only, so
//! every TCP connection must be encrypted.
//!
//! ```no_run
//! use tests::{PG_CERT_USER, PgTlsServer};
//!
//! let Some(server) = PgTlsServer::start_or_skip() else {
//!     return; // no PostgreSQL binaries or openssl here (and servers not required)
//! };
//! let url = format!(
//!     "{}?sslmode=verify-full&sslrootcert={}",
//!     server.url(PG_CERT_USER, "test"),
//!     server.ca().ca_cert().display(),
//! );
//! ```
//!
//! Users and how `pg_hba.conf` lets them in over TCP (127.0.0.1 only, TLS only):
//!
//! | user | authentication |
//! |---|---|
//! | [`PG_CERT_USER`] (`dal_cert_user`, superuser) | a client certificate of the CA with CN `dal_cert_user` (`clientcert=verify-full`) |
//! | [`PG_PASSWORD_USER`] (`dal_pw_user`, owns `test`) | [`PG_PASSWORD`] (`scram-sha-256`) |
//! | anyone else (e.g. `postgres`, superuser) | trust |
//!
//! Without TLS the server refuses with `no pg_hba.conf entry for host …, no encryption`.
//! Over the unix socket (in the data folder) everyone is trusted; [`PgTlsServer::psql_admin`]
//! uses it. Binaries as for [`crate::PgCluster`]; when root, the server runs as `postgres`.

use std::path::{Path, PathBuf};

use crate::cluster::{
    Server, cluster_cleanup_script, conf_quote, init_data_dir, pg_bindir, psql_command,
    start_new_server,
};
use crate::process::{Watchdog, fresh_dir, run, server_user_checked, skip, write};
use crate::tls_certs::{PG_CERT_USER, TestCa, openssl_program};

/// The PostgreSQL user that logs in with a password (over TLS only).
pub const PG_PASSWORD_USER: &str = "dal_pw_user";

/// The password of [`PG_PASSWORD_USER`].
pub const PG_PASSWORD: &str = "dal-pw-user-secret";

/// The database made for the tests, owned by [`PG_PASSWORD_USER`].
pub const PG_TLS_DATABASE: &str = "test";

/// Only encrypted connections over TCP; the certificate user needs a certificate whose CN is
/// its name, the password user its password.
const PG_HBA: &str = "local all all trust\n\
    hostssl all dal_cert_user 127.0.0.1/32 trust clientcert=verify-full\n\
    hostssl all dal_pw_user 127.0.0.1/32 scram-sha-256\n\
    hostssl all all 127.0.0.1/32 trust\n";

/// A PostgreSQL server on 127.0.0.1 that takes TLS connections only, with a certificate of
/// its own [`TestCa`] for `localhost`.
///
/// Dropping it stops the server (`-m immediate`) and removes its folder, certificates
/// included.
#[derive(Debug)]
pub struct PgTlsServer {
    bin: PathBuf,
    root: PathBuf,
    server: Server,
    ca: TestCa,
    /// Dropped after `Drop::drop` has cleaned up, which ends the watchdog.
    _watchdog: Watchdog,
}

impl PgTlsServer {
    /// Makes the certificates, initialises a data folder, starts the server with TLS on and
    /// creates the users and the `test` database; returns once it accepts connections. The
    /// error says which step failed, with the command's output or the server's log.
    pub fn start() -> Result<PgTlsServer, String> {
        let bin = pg_bindir()?;
        openssl_program()?;
        let user = server_user_checked()?;
        let root = fresh_dir("pgtls")?;
        let watchdog = match Watchdog::spawn(&cluster_cleanup_script(&bin, &root)) {
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
        let mut made = PgTlsServer {
            server: Server::new(&root, "server".to_owned()),
            bin,
            root,
            ca,
            _watchdog: watchdog,
        };
        init_data_dir(&made.bin, &made.server.dir)?;
        write(&made.server.dir.join("pg_hba.conf"), PG_HBA)?;
        let path = |p: PathBuf| conf_quote(&p.to_string_lossy());
        let tls = format!(
            "ssl = on\n\
             ssl_cert_file = {}\n\
             ssl_key_file = {}\n\
             ssl_ca_file = {}\n\
             password_encryption = 'scram-sha-256'\n",
            path(made.ca.server_cert()),
            path(made.ca.server_key()),
            path(made.ca.ca_cert()),
        );
        start_new_server(&made.bin, &mut made.server, &tls)?;
        made.psql_on(
            "postgres",
            &format!(
                "CREATE ROLE {PG_CERT_USER} LOGIN SUPERUSER; \
                 CREATE ROLE {PG_PASSWORD_USER} LOGIN PASSWORD '{PG_PASSWORD}'"
            ),
        )?;
        // Not in the same call: CREATE DATABASE refuses to run in a transaction block.
        made.psql_on(
            "postgres",
            &format!("CREATE DATABASE {PG_TLS_DATABASE} OWNER {PG_PASSWORD_USER}"),
        )?;
        Ok(made)
    }

    /// [`start`](Self::start), or `None` after announcing `skipping: <reason>` when the
    /// PostgreSQL binaries or openssl (or, as root, the `postgres` user) are missing.
    ///
    /// # Panics
    ///
    /// When they are missing and [`crate::servers_required`] is true, or when the server
    /// does not start although they are there.
    pub fn start_or_skip() -> Option<PgTlsServer> {
        if let Err(why) = pg_bindir().and_then(|_| openssl_program()) {
            skip(&why);
            return None;
        }
        match PgTlsServer::start() {
            Ok(server) => Some(server),
            Err(e) => panic!("cannot start a PostgreSQL server with TLS: {e}"),
        }
    }

    /// The port the server listens on (on 127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// `postgres://<user>@localhost:<port>/<database>`, without password or TLS parameters
    /// (the caller adds them). `localhost` is the name the server certificate holds.
    pub fn url(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@localhost:{}/{database}", self.server.port)
    }

    /// `host=localhost port=<port> user=<user> dbname=<database>`: a libpq connection string
    /// for [`psql`](Self::psql), to which the caller appends `sslmode=…` and the rest.
    pub fn conninfo(&self, user: &str, database: &str) -> String {
        format!("host=localhost port={} user={user} dbname={database}", self.server.port)
    }

    /// The CA that signed the server certificate and the client certificates.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    /// Runs `sql` as superuser `postgres` on database `test` over the unix socket (no TLS,
    /// trusted), and returns psql's unaligned, tuples-only output without the last newline.
    pub fn psql_admin(&self, sql: &str) -> Result<String, String> {
        self.psql_on(PG_TLS_DATABASE, sql)
    }

    /// Runs `sql` with psql as a client connecting with `conninfo` (a libpq connection
    /// string, e.g. [`conninfo`](Self::conninfo) plus `sslmode=verify-full sslrootcert=…`),
    /// with no PG* variable of this process in the way; output as
    /// [`psql_admin`](Self::psql_admin), the error holds psql's message.
    pub fn psql(&self, conninfo: &str, sql: &str) -> Result<String, String> {
        run(psql_command(&self.psql_program(), sql).arg("-d").arg(conninfo))
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    /// The temp folder holding the data folder, the log and the certificates.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// psql as `postgres` on `database` through the unix socket in the data folder.
    fn psql_on(&self, database: &str, sql: &str) -> Result<String, String> {
        run(psql_command(&self.psql_program(), sql)
            .arg("-h")
            .arg(&self.server.dir)
            .arg("-p")
            .arg(self.server.port.to_string())
            .args(["-U", "postgres", "-d", database]))
    }

    fn psql_program(&self) -> PathBuf {
        self.bin.join("psql")
    }
}

impl Drop for PgTlsServer {
    fn drop(&mut self) {
        self.server.stop_immediately(&self.bin);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
