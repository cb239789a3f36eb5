//! A throw-away certificate authority for the TLS tests, made with the `openssl` command in
//! a temp folder (no network, no crate): a CA, a server certificate it signed for `localhost`
//! only, client certificates for the users that log in with one, and an unrelated CA that
//! signed none of them.
//!
//! ```no_run
//! use tests::{PG_CERT_USER, TestCa};
//!
//! let ca = TestCa::create().expect("openssl makes the certificates");
//! let conninfo = format!(
//!     "host=localhost sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
//!     ca.ca_cert().display(),
//!     ca.client_cert(PG_CERT_USER).display(),
//!     ca.client_key(PG_CERT_USER).display(),
//! );
//! ```
//!
//! Keys are EC P-256 in unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), mode 0600; certificates
//! are PEM, mode 0644, valid for ten years. The server certificate's only name is the
//! subjectAltName `DNS:localhost` (its CN is not a host name), so `verify-full` to `localhost`
//! passes and to `127.0.0.1` fails hostname verification. Program: `DAL_TEST_OPENSSL`, else
//! `openssl` on the `PATH`, else `/usr/bin/openssl`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::process::{ServerUser, chown, find_program, fresh_dir_for, make_dir_for, run, write};

/// The PostgreSQL user that logs in with a client certificate (`clientcert=verify-full`:
/// the certificate's CN must be the user name).
pub const PG_CERT_USER: &str = "dal_cert_user";

/// The MariaDB user that logs in with a client certificate (`REQUIRE X509`).
pub const MARIADB_X509_USER: &str = "dal_x509";

/// The users a [`TestCa`] has a client certificate for (CN = the user name).
pub const CLIENT_USERS: [&str; 2] = [PG_CERT_USER, MARIADB_X509_USER];

/// How long every certificate is valid, from its making.
const DAYS: &str = "3650";

/// A CA, a server certificate and client certificates, as files in a folder of their own,
/// which dropping the value removes.
#[derive(Debug)]
pub struct TestCa {
    dir: PathBuf,
}

impl TestCa {
    /// Makes every certificate in a fresh temp folder, all files owned by this process (a
    /// server running as another user may not read the server key: the servers of this
    /// crate make their own). The error holds openssl's message.
    pub fn create() -> Result<TestCa, String> {
        let dir = fresh_dir_for("tls", None)?;
        TestCa::generate(dir, None)
    }

    /// Makes every certificate in `dir` (created here, owned by `server`), with the server
    /// key owned by `server` (`None`: this process) and readable by nobody else, which
    /// PostgreSQL insists on; certificates are world-readable, client keys stay this
    /// process's.
    pub(crate) fn create_in(dir: PathBuf, server: Option<&ServerUser>) -> Result<TestCa, String> {
        make_dir_for(&dir, server)?;
        TestCa::generate(dir, server)
    }

    fn generate(dir: PathBuf, server: Option<&ServerUser>) -> Result<TestCa, String> {
        // Made first, so an error below removes the folder.
        let ca = TestCa { dir };
        let openssl = openssl_program()?;
        ca.make_ca(&openssl, "ca", "dal test CA")?;
        ca.make_ca(&openssl, "wrong-ca", "dal unrelated CA")?;
        // The CN is no host name: the subjectAltName is the only name that can match.
        let server_ext = "subjectAltName = DNS:localhost\n\
             basicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature, keyEncipherment\n\
             extendedKeyUsage = serverAuth\n";
        ca.make_signed(&openssl, "server", "dal test server", server_ext)?;
        if let Some(user) = server {
            chown(&ca.server_key(), user)?;
        }
        let client_ext = "basicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature\n\
             extendedKeyUsage = clientAuth\n";
        for user in CLIENT_USERS {
            ca.make_signed(&openssl, &format!("client-{user}"), user, client_ext)?;
        }
        Ok(ca)
    }

    /// The folder holding every file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate that signed the server and client certificates (what a client
    /// passes as `sslrootcert` / `ssl-ca`, and the servers trust for client certificates).
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The certificate of a second CA that signed nothing the servers use: verifying the
    /// server with it must fail.
    pub fn wrong_ca_cert(&self) -> PathBuf {
        self.dir.join("wrong-ca.crt")
    }

    /// The server certificate (subjectAltName `DNS:localhost` only), signed by the CA.
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }

    /// The server's private key.
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The client certificate of `user` (CN = `user`), signed by the CA.
    ///
    /// # Panics
    ///
    /// When `user` is not one of [`CLIENT_USERS`].
    pub fn client_cert(&self, user: &str) -> PathBuf {
        self.dir.join(format!("{}.crt", client_stem(user)))
    }

    /// The private key of `user`'s client certificate (mode 0600, owned by this process).
    ///
    /// # Panics
    ///
    /// When `user` is not one of [`CLIENT_USERS`].
    pub fn client_key(&self, user: &str) -> PathBuf {
        self.dir.join(format!("{}.key", client_stem(user)))
    }

    /// A self-signed CA: `<stem>.key` and `<stem>.crt`.
    fn make_ca(&self, openssl: &Path, stem: &str, cn: &str) -> Result<(), String> {
        let (key, cert) =
            (self.dir.join(format!("{stem}.key")), self.dir.join(format!("{stem}.crt")));
        run(Command::new(openssl)
            .args(["req", "-x509", "-new", "-nodes", "-days", DAYS])
            .args(new_key_args())
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args(["-subj", &format!("/CN={cn}")])
            .args(["-addext", "basicConstraints = critical, CA:TRUE"])
            .args(["-addext", "keyUsage = critical, keyCertSign, cRLSign"]))?;
        restrict(&key, 0o600)?;
        restrict(&cert, 0o644)
    }

    /// A key and a certificate for `cn` signed by the CA, with the extensions `ext`:
    /// `<stem>.key` and `<stem>.crt`.
    fn make_signed(&self, openssl: &Path, stem: &str, cn: &str, ext: &str) -> Result<(), String> {
        let file = |suffix: &str| self.dir.join(format!("{stem}.{suffix}"));
        let (key, csr, ext_file, cert) = (file("key"), file("csr"), file("ext"), file("crt"));
        run(Command::new(openssl)
            .args(["req", "-new", "-nodes"])
            .args(new_key_args())
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr)
            .args(["-subj", &format!("/CN={cn}")]))?;
        write(&ext_file, ext)?;
        run(Command::new(openssl)
            .args(["x509", "-req", "-days", DAYS, "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(self.ca_cert())
            .arg("-CAkey")
            .arg(self.dir.join("ca.key"))
            .arg("-CAserial")
            .arg(self.dir.join("ca.srl"))
            .arg("-CAcreateserial")
            .arg("-extfile")
            .arg(&ext_file)
            .arg("-out")
            .arg(&cert))?;
        let _ = std::fs::remove_file(&csr);
        let _ = std::fs::remove_file(&ext_file);
        restrict(&key, 0o600)?;
        restrict(&cert, 0o644)
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `client-<user>`, the file stem of `user`'s client certificate and key.
fn client_stem(user: &str) -> String {
    assert!(
        CLIENT_USERS.contains(&user),
        "no client certificate for {user:?}: a TestCa has them for {CLIENT_USERS:?}"
    );
    format!("client-{user}")
}

/// `openssl req` arguments for a new unencrypted EC P-256 key (written as PKCS#8).
fn new_key_args() -> [&'static str; 4] {
    ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
}

fn restrict(path: &Path, mode: u32) -> Result<(), String> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))
}

/// The openssl program (see the module docs for where it looks).
pub(crate) fn openssl_program() -> Result<PathBuf, String> {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            if let Some(program) = std::env::var_os("DAL_TEST_OPENSSL") {
                let program = PathBuf::from(program);
                return if program.is_file() {
                    Ok(program)
                } else {
                    Err(format!("DAL_TEST_OPENSSL={} is not a file", program.display()))
                };
            }
            find_program("openssl", &["/usr/bin/openssl"]).ok_or_else(|| {
                "no openssl found through DAL_TEST_OPENSSL, PATH or /usr/bin".to_owned()
            })
        })
        .clone()
}
