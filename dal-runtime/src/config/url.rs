//! Parsing a database URL into a [`DbConfig`].
//!
//! Errors name the part that is wrong, never the URL itself: it may hold a password.

use std::time::Duration;

use super::{DbConfig, TlsMode};
use crate::config::Backend;
use crate::error::{Error, Result};

pub(super) fn parse(input: &str) -> Result<DbConfig> {
    let Some((scheme, _)) = input.split_once(':') else {
        return Err(Error::config(
            "invalid database URL: no scheme; expected e.g. postgres://…, mysql://… or sqlite:…",
        ));
    };
    let backend = Backend::from_scheme(scheme)?;
    if backend == Backend::Sqlite {
        return parse_sqlite(&input[scheme.len() + 1..]);
    }
    let url = ::url::Url::parse(input)
        .map_err(|e| Error::config(format!("invalid {backend} URL: {e}")).with_source(e))?;
    let mut cfg = DbConfig::new(backend);
    match url.host_str() {
        Some(host) if !host.is_empty() => cfg = cfg.host(host.trim_matches(['[', ']'])),
        _ => return Err(Error::config(format!("invalid {backend} URL: no host"))),
    }
    if let Some(port) = url.port() {
        cfg = cfg.port(port);
    }
    if !url.username().is_empty() {
        cfg = cfg.user(decode(url.username(), "user name")?);
    }
    if let Some(password) = url.password() {
        cfg = cfg.password(decode(password, "password")?);
    }
    let path = url.path().trim_start_matches('/');
    if !path.is_empty() {
        cfg = cfg.database(decode(path, "database name")?);
    }
    for (key, value) in url.query_pairs() {
        cfg = apply_param(cfg, &key, &value)?;
    }
    Ok(cfg)
}

/// `sqlite::memory:`, `sqlite://path`, `sqlite:path`, each with optional `?params`.
fn parse_sqlite(rest: &str) -> Result<DbConfig> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.strip_prefix("//").unwrap_or(path);
    if path.is_empty() {
        return Err(Error::config(
            "invalid sqlite URL: no database; use sqlite::memory: or sqlite://path/to/file.db",
        ));
    }
    let mut cfg = DbConfig::new(Backend::Sqlite).database(decode(path, "database path")?);
    for (key, value) in ::url::form_urlencoded::parse(query.as_bytes()) {
        cfg = apply_param(cfg, &key, &value)?;
    }
    Ok(cfg)
}

fn decode(part: &str, what: &str) -> Result<String> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| Error::config(format!("invalid database URL: the {what} is not valid UTF-8")))
}

/// Applies one `key=value` setting: pool options, alias, env, or else a driver option.
pub(super) fn apply_param(cfg: DbConfig, key: &str, value: &str) -> Result<DbConfig> {
    let pool = cfg.pool.clone();
    Ok(match key {
        "alias" => cfg.alias(value),
        // libpq takes these as parameters too; never kept as a (printable) driver option.
        "password" => cfg.password(value),
        "user" => cfg.user(value),
        "env" => cfg.env(value),
        "max_connections" => cfg.pool_options(pool.max_connections(parse_u32(key, value)?)),
        "min_connections" => cfg.pool_options(pool.min_connections(parse_u32(key, value)?)),
        "acquire_timeout" => cfg.pool_options(pool.acquire_timeout(parse_duration(key, value)?)),
        "connect_timeout" => cfg.pool_options(pool.connect_timeout(parse_duration(key, value)?)),
        "idle_timeout" => cfg.pool_options(pool.idle_timeout(Some(parse_duration(key, value)?))),
        "max_lifetime" => cfg.pool_options(pool.max_lifetime(Some(parse_duration(key, value)?))),
        "statement_cache_capacity" => {
            cfg.pool_options(pool.statement_cache_capacity(parse_u32(key, value)? as usize))
        }
        "transaction_pooler" => cfg.pool_options(pool.transaction_pooler(parse_bool(key, value)?)),
        "server_side_stop" => cfg.pool_options(pool.server_side_stop(parse_bool(key, value)?)),
        "sslmode" | "ssl-mode" | "ssl_mode" => {
            let mode = TlsMode::parse(value).ok_or_else(|| {
                Error::config(format!(
                    "`{key}` must be disable, prefer, require, verify-ca or verify-full (or MySQL's DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY), got `{value}`"
                ))
            })?;
            let mut cfg = cfg;
            cfg.tls_mut().set_mode(mode);
            cfg
        }
        "sslrootcert" | "ssl-ca" | "ssl_ca" => {
            let mut cfg = cfg;
            cfg.tls_mut().set_root_cert(value.into());
            cfg
        }
        "sslcert" | "ssl-cert" | "ssl_cert" => {
            let mut cfg = cfg;
            cfg.tls_mut().set_client_cert(value.into());
            cfg
        }
        "sslkey" | "ssl-key" | "ssl_key" => {
            let mut cfg = cfg;
            cfg.tls_mut().set_client_key(value.into());
            cfg
        }
        _ => cfg.option(key, value),
    })
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err(Error::config(format!("`{key}` must be true or false, got `{value}`"))),
    }
}

fn parse_u32(key: &str, value: &str) -> Result<u32> {
    value
        .parse()
        .map_err(|_| Error::config(format!("`{key}` must be a whole number, got `{value}`")))
}

/// `250ms`, `10s`, `2m`, `1h`, or a plain number of seconds.
pub fn parse_duration(key: &str, value: &str) -> Result<Duration> {
    let bad = || {
        Error::config(format!(
            "`{key}` must be a duration such as 500ms, 10s, 2m or 1h, got `{value}`"
        ))
    };
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().map_err(|_| bad())?;
    Ok(match &value[digits.len()..] {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    })
}
