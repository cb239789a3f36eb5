//! Database configuration: from a URL, from parts, or from `DB_*` environment variables.
//!
//! The password is held in a [`Password`] that prints as `***`; [`DbConfig::hash`] leaves it
//! out, so two handles that differ only in the password share a pool and no hash, log line or
//! metric label can leak it.

mod backend;
mod env;
mod hash;
mod into;
mod pool_options;
mod tls;
mod url;

use std::collections::BTreeMap;
use std::fmt;

pub use self::backend::Backend;
pub use self::hash::ConfigHash;
pub use self::into::IntoConfig;
pub use self::pool_options::{BreakerOptions, PoolOptions, RateLimit};
pub use self::tls::{Tls, TlsMode};
pub use self::url::parse_duration;
use crate::error::Result;

/// A password that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The secret itself, for handing to the driver.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where and how to connect: backend, endpoint, credentials, names and pool options.
///
/// ```
/// use dal_runtime::{Backend, DbConfig};
/// let a = DbConfig::from_url("postgres://app:s3cret@db.internal:5432/shop?max_connections=20")?;
/// let b = DbConfig::new(Backend::Postgres)
///     .host("db.internal").port(5432).database("shop").user("app").password("other")
///     .max_connections(20);
/// assert_eq!(a.hash(), b.hash()); // the hash leaves the password out…
/// assert_ne!(a, b); // …but it is part of the identity: these two never share a pool
/// assert!(!format!("{a:?} {a}").contains("s3cret"));
/// # Ok::<(), dal_runtime::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DbConfig {
    backend: Backend,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    user: Option<String>,
    password: Option<Password>,
    alias: Option<String>,
    env: Option<String>,
    options: BTreeMap<String, String>,
    tls: Tls,
    pool: PoolOptions,
}

impl DbConfig {
    /// An empty configuration for `backend`; set parts with the builder methods.
    pub fn new(backend: Backend) -> Self {
        DbConfig {
            backend,
            host: None,
            port: None,
            database: None,
            user: None,
            password: None,
            alias: None,
            env: None,
            options: BTreeMap::new(),
            tls: Tls::default(),
            pool: PoolOptions::default(),
        }
    }

    /// Parses a URL: `postgres://user:pass@host:port/db?opt=v`, `mysql://…` (or `mariadb://…`),
    /// `sqlite::memory:`, `sqlite://path/to/file.db` or `sqlite:file.db`.
    ///
    /// Query parameters set pool options (`max_connections`, `min_connections`,
    /// `acquire_timeout`, `connect_timeout`, `idle_timeout`, `max_lifetime`; durations as `10s`,
    /// `500ms`, `2m` or plain seconds; `statement_cache_capacity`; `transaction_pooler=true`
    /// for PostgreSQL behind PgBouncer in transaction mode; `server_side_stop=false`), TLS
    /// (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, or MySQL's `ssl-mode`, `ssl-ca`,
    /// `ssl-cert`, `ssl-key`; see [`DbConfig::tls`]), `alias` and `env`; any other parameter
    /// is a driver option (see [`DbConfig::option`]).
    pub fn from_url(url: &str) -> Result<Self> {
        url::parse(url)
    }

    /// Reads `DB_URL`, or else the parts `DB_BACKEND`, `DB_HOST`, `DB_PORT`, `DB_NAME`,
    /// `DB_USER`, `DB_PASSWORD`, `DB_ALIAS`, `DB_ENV`, `DB_MAX_CONNECTIONS`,
    /// `DB_ACQUIRE_TIMEOUT` from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`DbConfig::from_env`], reading variables through `lookup` (for tests and for
    /// configuration systems that are not the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        env::parse(lookup)
    }

    /// Sets the host name or address.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the TCP port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the database name (for SQLite: the file path, or `:memory:`).
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Sets the user name.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Sets the password; it never appears in `Debug`, `Display`, errors or the hash.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Password::new(password));
        self
    }

    /// Names this database for humans (logs, metrics, the pool list). Part of the hash, so two
    /// aliases of one server get two pools.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }

    /// Names the deployment environment (e.g. `prod`). Part of the hash.
    pub fn env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// Sets a driver option, applied on every new connection. Each backend takes its own
    /// list, and refuses any other key with a [`crate::ErrorKind::Config`] error that names it:
    ///
    /// | backend | options |
    /// |---|---|
    /// | PostgreSQL | `application_name`, `search_path`, server settings as `options[name]` (see [`DbConfig::server_setting`]) or libpq's `options` (`-c name=value …`) |
    /// | MySQL/MariaDB | `sql_mode` (default `TRADITIONAL,PIPES_AS_CONCAT`: strict, and `\|\|` concatenates as elsewhere), `time_zone` (default `+00:00`), `charset` (default `utf8mb4`), `collation` |
    /// | SQLite | `mode` (`ro`, `rw`, `rwc`, `memory`), `busy_timeout` (a duration, default 5 s), `synchronous` (`off`, `normal`, `full`, `extra`), `journal_mode` (default `wal` for files), `cache_size` (pages, or negative KiB) |
    ///
    /// TLS has options of its own (see [`DbConfig::tls`]).
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Sets a PostgreSQL server setting sent at connect (`SET name = value` for the whole
    /// session), e.g. `server_setting("statement_timeout", "5s")`; in a URL,
    /// `?options[statement_timeout]=5s`. The name must be a setting name (letters, digits,
    /// `_` and `.`).
    pub fn server_setting(self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.option(format!("options[{}]", name.as_ref()), value)
    }

    /// Sets how connections are encrypted (default [`Tls::prefer`]). In a URL, with libpq's
    /// names `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, or MySQL's `ssl-mode`, `ssl-ca`,
    /// `ssl-cert`, `ssl-key` (either spelling on either server backend).
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = tls;
        self
    }

    /// Replaces the pool options.
    pub fn pool_options(mut self, pool: PoolOptions) -> Self {
        self.pool = pool;
        self
    }

    /// Sets the largest number of connections the pool opens.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.pool = self.pool.max_connections(max);
        self
    }

    /// Sets how long an acquire waits for a free connection.
    pub fn acquire_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.pool = self.pool.acquire_timeout(timeout);
        self
    }

    /// Sets how long opening one connection may take.
    pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.pool = self.pool.connect_timeout(timeout);
        self
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The host, when set.
    pub fn host_name(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The port, or the backend's default port for network backends.
    pub fn port_number(&self) -> Option<u16> {
        self.port.or(self.backend.default_port())
    }

    /// The database name (SQLite: path), when set.
    pub fn database_name(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The user name, when set.
    pub fn user_name(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// Whether a password is set (the password itself is never handed out).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    pub(crate) fn password_secret(&self) -> Option<&str> {
        self.password.as_ref().map(Password::expose)
    }

    /// The alias, when set.
    pub fn alias_name(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// The environment name, when set.
    pub fn env_name(&self) -> Option<&str> {
        self.env.as_deref()
    }

    /// The driver options.
    pub fn options(&self) -> &BTreeMap<String, String> {
        &self.options
    }

    /// The pool options.
    pub fn pool(&self) -> &PoolOptions {
        &self.pool
    }

    /// The TLS settings.
    pub fn tls_options(&self) -> &Tls {
        &self.tls
    }

    pub(crate) fn tls_mut(&mut self) -> &mut Tls {
        &mut self.tls
    }

    /// Whether the host is this machine (a loopback address, `localhost`, or a Unix socket
    /// folder), where plaintext crosses no network.
    pub fn is_loopback(&self) -> bool {
        match self.host.as_deref() {
            None | Some("localhost") => true,
            Some(host) if host.starts_with('/') => true,
            Some(host) => host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
        }
    }

    /// `host:port` for network backends, the path for SQLite: what error messages name.
    pub fn endpoint(&self) -> String {
        match (self.backend, self.port_number()) {
            (Backend::Sqlite, _) | (_, None) => {
                self.database.clone().unwrap_or_else(|| ":memory:".into())
            }
            (_, Some(port)) => {
                format!("{}:{port}", self.host.as_deref().unwrap_or("localhost"))
            }
        }
    }

    /// A stable hash of everything but the password: a short id for logs, metrics and the
    /// pool list. The pool registry finds pools by the whole configuration, password
    /// included, so two configurations that differ only in the password share a hash but
    /// never a pool.
    ///
    /// Stable across processes and releases of the same major version: it is computed with a
    /// fixed algorithm (FNV-1a) over a canonical encoding, not with `std`'s random hasher.
    pub fn hash(&self) -> ConfigHash {
        hash::of(self)
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConfig")
            .field("backend", &self.backend)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("alias", &self.alias)
            .field("env", &self.env)
            .field("options", &self.options)
            .field("tls", &self.tls)
            .field("pool", &self.pool)
            .finish()
    }
}

/// Prints the configuration as a URL without the password.
impl fmt::Display for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.backend.scheme())?;
        if self.backend == Backend::Sqlite {
            return f.write_str(self.database.as_deref().unwrap_or(":memory:"));
        }
        f.write_str("//")?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        write!(f, "{}", self.endpoint())?;
        if let Some(db) = &self.database {
            write!(f, "/{db}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
