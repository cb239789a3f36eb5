//! Conduit's settings, from the environment: the database (`DB_URL`), the address (`BIND`)
//! and the key that signs tokens (`JWT_SECRET`).

use std::path::PathBuf;

/// The address served when `BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";

/// The key tokens are signed with when `JWT_SECRET` is not set: fine on a laptop, never in
/// production (anyone who reads this file can mint tokens).
const DEV_SECRET: &str = "conduit-dev-secret-change-me";

/// What Conduit runs with. `Debug` leaves the signing key out.
#[derive(Clone)]
pub struct Config {
    /// The database URL (`postgres://…`, `mysql://…`, `sqlite://…`).
    pub db_url: String,
    /// The address to listen on (`host:port`; port 0 picks a free one).
    pub bind: String,
    /// The HS256 key tokens are signed with.
    jwt_secret: Vec<u8>,
    /// Whether the key is the built-in development one.
    pub dev_secret: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("db_url", &"<from DB_URL>")
            .field("bind", &self.bind)
            .field("jwt_secret", &"<redacted>")
            .field("dev_secret", &self.dev_secret)
            .finish()
    }
}

impl Config {
    /// Reads `DB_URL` (default [`default_db_url`]), `BIND` (default [`DEFAULT_BIND`]) and
    /// `JWT_SECRET` (default a development key, reported by [`Config::dev_secret`]).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The same from any lookup (a test's map instead of the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let secret = lookup("JWT_SECRET");
        Config {
            db_url: lookup("DB_URL").unwrap_or_else(default_db_url),
            bind: lookup("BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            dev_secret: secret.is_none(),
            jwt_secret: secret.unwrap_or_else(|| DEV_SECRET.to_owned()).into_bytes(),
        }
    }

    /// A configuration for tests and embedding: `db_url`, `bind`, and `secret` as the key.
    pub fn new(db_url: impl Into<String>, bind: impl Into<String>, secret: &[u8]) -> Self {
        Config {
            db_url: db_url.into(),
            bind: bind.into(),
            jwt_secret: secret.to_vec(),
            dev_secret: false,
        }
    }

    /// The key tokens are signed with.
    pub(crate) fn jwt_secret(&self) -> &[u8] {
        &self.jwt_secret
    }
}

/// The database used when `DB_URL` is not set: `conduit.db` in a `conduit` folder of the
/// system's temporary directory, so `cargo run -p examples --bin conduit` needs no server and
/// keeps its data between runs until the machine clears that directory.
pub fn default_db_url() -> String {
    format!("sqlite://{}", default_db_path().display())
}

fn default_db_path() -> PathBuf {
    std::env::temp_dir().join("conduit").join("conduit.db")
}

/// Creates the folder of the default SQLite file (SQLite creates the file, not its folder).
///
/// # Errors
///
/// When the folder cannot be created.
pub fn prepare_default_db() -> std::io::Result<()> {
    match default_db_path().parent() {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_or_the_url() {
        let config = Config::from_lookup(|name| match name {
            "JWT_SECRET" => Some("s3cret-key".into()),
            "DB_URL" => Some("postgres://app:hunter2@db/conduit".into()),
            _ => None,
        });
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cret-key"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!config.dev_secret);
    }

    #[test]
    fn defaults_are_a_temporary_sqlite_file_and_port_3000() {
        let config = Config::from_lookup(|_| None);
        assert!(config.db_url.starts_with("sqlite://"), "{}", config.db_url);
        assert!(config.db_url.ends_with("conduit.db"), "{}", config.db_url);
        assert_eq!(config.bind, DEFAULT_BIND);
        assert!(config.dev_secret);
    }
}
