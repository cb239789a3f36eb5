//! [`Tls`]: how a connection to PostgreSQL or MySQL/MariaDB is encrypted, one typed value
//! behind libpq's options (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) and MySQL's
//! (`ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key`).
//!
//! Certificate and key files are named by path only: their contents are read when a pool is
//! made, checked, and handed to the driver as the same path, so no `Debug`, error or log line
//! can ever show a key.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Backend;
use crate::error::{Error, Result};

/// How hard a connection insists on TLS, with libpq's names (MySQL's in brackets).
///
/// The default is [`TlsMode::Prefer`], as in libpq: encrypt when the server offers it,
/// without checking its certificate, and fall back to plaintext when it does not (a pool that
/// ends up in plaintext to a host that is not loopback logs a warning once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TlsMode {
    /// Never encrypt (`DISABLED`).
    Disable,
    /// Encrypt when the server offers it; the certificate is not checked (`PREFERRED`).
    #[default]
    Prefer,
    /// Always encrypt; fail when the server does not offer TLS. The certificate is not
    /// checked, so this protects against eavesdropping, not against impersonation
    /// (`REQUIRED`).
    Require,
    /// Always encrypt and check that the certificate chains to a trusted root (the
    /// configured root certificate, or the Mozilla roots built in), whatever host name it
    /// names (`VERIFY_CA`).
    VerifyCa,
    /// Always encrypt, check the chain, and check that the certificate names the host dialed
    /// (`VERIFY_IDENTITY`). Never falls back to plaintext. The mode for production.
    VerifyFull,
}

impl TlsMode {
    /// Parses libpq's spelling (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`) or
    /// MySQL's (`DISABLED`, `PREFERRED`, `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY`), in any
    /// case. libpq's `allow` is taken as `prefer`, which is at least as safe.
    pub fn parse(value: &str) -> Option<TlsMode> {
        Some(match value.to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" => TlsMode::Disable,
            "allow" | "prefer" | "preferred" => TlsMode::Prefer,
            "require" | "required" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" | "verify-identity" => TlsMode::VerifyFull,
            _ => return None,
        })
    }

    /// libpq's name of the mode.
    pub const fn libpq_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }

    /// MySQL's name of the mode.
    pub const fn mysql_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "DISABLED",
            TlsMode::Prefer => "PREFERRED",
            TlsMode::Require => "REQUIRED",
            TlsMode::VerifyCa => "VERIFY_CA",
            TlsMode::VerifyFull => "VERIFY_IDENTITY",
        }
    }

    /// Whether a connection in this mode is encrypted whenever it opens at all (every mode
    /// but `Disable` and `Prefer`).
    pub const fn always_encrypts(self) -> bool {
        matches!(self, TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull)
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.libpq_name())
    }
}

/// TLS settings of a connection: the mode, the root certificate to trust, and the client
/// certificate with its key for servers that ask for one.
///
/// ```
/// use dal_runtime::{Backend, DbConfig, Tls, TlsMode};
/// let tls = Tls::verify_full().root_cert("/etc/ssl/db-ca.pem");
/// let cfg = DbConfig::new(Backend::Postgres).host("db.internal").tls(tls.clone());
/// assert_eq!(cfg.tls_options(), &tls);
/// // The same from a URL, with libpq's names (MySQL's names work the same way):
/// let url = DbConfig::from_url(
///     "postgres://app@db.internal/shop?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem",
/// )?;
/// assert_eq!(url.tls_options().mode(), TlsMode::VerifyFull);
/// # Ok::<(), dal_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Tls {
    mode: TlsMode,
    root_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
}

impl Tls {
    /// TLS in `mode`, with no certificate files.
    pub fn new(mode: TlsMode) -> Self {
        Tls { mode, ..Tls::default() }
    }

    /// [`TlsMode::Disable`].
    pub fn disable() -> Self {
        Tls::new(TlsMode::Disable)
    }

    /// [`TlsMode::Prefer`], the default.
    pub fn prefer() -> Self {
        Tls::new(TlsMode::Prefer)
    }

    /// [`TlsMode::Require`].
    pub fn require() -> Self {
        Tls::new(TlsMode::Require)
    }

    /// [`TlsMode::VerifyCa`].
    pub fn verify_ca() -> Self {
        Tls::new(TlsMode::VerifyCa)
    }

    /// [`TlsMode::VerifyFull`].
    pub fn verify_full() -> Self {
        Tls::new(TlsMode::VerifyFull)
    }

    /// Trusts the certificates in the PEM file at `path` (libpq `sslrootcert`, MySQL
    /// `ssl-ca`), in addition to the Mozilla roots built in.
    pub fn root_cert(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_cert = Some(path.into());
        self
    }

    /// Presents the client certificate in the PEM file `cert` (libpq `sslcert`, MySQL
    /// `ssl-cert`) with its private key in `key` (libpq `sslkey`, MySQL `ssl-key`).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some(cert.into());
        self.client_key = Some(key.into());
        self
    }

    /// The mode.
    pub fn mode(&self) -> TlsMode {
        self.mode
    }

    /// The root certificate file, when set.
    pub fn root_cert_path(&self) -> Option<&Path> {
        self.root_cert.as_deref()
    }

    /// The client certificate file, when set.
    pub fn client_cert_path(&self) -> Option<&Path> {
        self.client_cert.as_deref()
    }

    /// The client key file, when set.
    pub fn client_key_path(&self) -> Option<&Path> {
        self.client_key.as_deref()
    }

    pub(crate) fn set_root_cert(&mut self, path: PathBuf) {
        self.root_cert = Some(path);
    }

    pub(crate) fn set_client_cert(&mut self, path: PathBuf) {
        self.client_cert = Some(path);
    }

    pub(crate) fn set_client_key(&mut self, path: PathBuf) {
        self.client_key = Some(path);
    }

    pub(crate) fn set_mode(&mut self, mode: TlsMode) {
        self.mode = mode;
    }

    /// Checks the settings for `backend` before any connection is tried: TLS is refused on
    /// SQLite, a certificate needs its key, and each file must exist, be readable and hold a
    /// PEM block of the right kind. Errors name the option (in the backend's own spelling)
    /// and the path, never the file's contents.
    pub(crate) fn check(&self, backend: Backend) -> Result<()> {
        if backend == Backend::Sqlite {
            if *self != Tls::default() {
                return Err(Error::config(
                    "TLS options are for PostgreSQL and MySQL/MariaDB; SQLite is a local file",
                ));
            }
            return Ok(());
        }
        let names = OptionNames::of(backend);
        match (&self.client_cert, &self.client_key) {
            (Some(_), None) => {
                return Err(Error::config(format!(
                    "`{}` is set without `{}`: a client certificate needs its private key",
                    names.cert, names.key
                )));
            }
            (None, Some(_)) => {
                return Err(Error::config(format!(
                    "`{}` is set without `{}`: a private key needs its client certificate",
                    names.key, names.cert
                )));
            }
            _ => {}
        }
        if let Some(path) = &self.root_cert {
            check_pem(names.root, path, PemKind::Certificate)?;
        }
        if let Some(path) = &self.client_cert {
            check_pem(names.cert, path, PemKind::Certificate)?;
        }
        if let Some(path) = &self.client_key {
            check_pem(names.key, path, PemKind::PrivateKey)?;
        }
        Ok(())
    }

    /// Whether anything is set beyond the default (`prefer`, no files).
    pub(crate) fn is_default(&self) -> bool {
        *self == Tls::default()
    }
}

/// The option names of one backend, for error messages.
struct OptionNames {
    root: &'static str,
    cert: &'static str,
    key: &'static str,
}

impl OptionNames {
    fn of(backend: Backend) -> Self {
        match backend {
            Backend::MySql => OptionNames { root: "ssl-ca", cert: "ssl-cert", key: "ssl-key" },
            _ => OptionNames { root: "sslrootcert", cert: "sslcert", key: "sslkey" },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PemKind {
    Certificate,
    PrivateKey,
}

/// Reads the file and checks it holds a PEM block of `kind`. The contents go nowhere: the
/// driver reads the file again by path.
fn check_pem(option: &str, path: &Path, kind: PemKind) -> Result<()> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::config(format!("`{option}`: cannot read {shown}: {}", io_reason(&e)))
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .collect();
    let found = labels.iter().any(|label| match kind {
        PemKind::Certificate => *label == "CERTIFICATE",
        PemKind::PrivateKey => label.ends_with("PRIVATE KEY") && !label.contains("ENCRYPTED"),
    });
    if found {
        return Ok(());
    }
    let want = match kind {
        PemKind::Certificate => "a PEM certificate (-----BEGIN CERTIFICATE-----)",
        PemKind::PrivateKey => "an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)",
    };
    let why = if labels.iter().any(|l| l.contains("ENCRYPTED")) {
        "it holds an encrypted key, which dal cannot unlock; decrypt it (openssl pkey -in … -out …)"
            .to_owned()
    } else if labels.is_empty() {
        "it holds no PEM block".to_owned()
    } else {
        format!("it holds {}", labels.join(", "))
    };
    Err(Error::config(format!("`{option}`: {shown} is not {want}: {why}")))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}
