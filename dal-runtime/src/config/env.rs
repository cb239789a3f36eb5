//! Building a [`DbConfig`] from `DB_*` variables.

use super::DbConfig;
use super::url::apply_param;
use crate::config::Backend;
use crate::error::{Error, Result};

pub(super) fn parse(lookup: impl Fn(&str) -> Option<String>) -> Result<DbConfig> {
    if let Some(url) = lookup("DB_URL") {
        return DbConfig::from_url(&url);
    }
    let Some(scheme) = lookup("DB_BACKEND") else {
        return Err(Error::config(
            "no database in the environment: set DB_URL, or DB_BACKEND (postgres, mysql or sqlite) with DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD",
        ));
    };
    let mut cfg = DbConfig::new(Backend::from_scheme(&scheme)?);
    if let Some(host) = lookup("DB_HOST") {
        cfg = cfg.host(host);
    }
    if let Some(port) = lookup("DB_PORT") {
        let port = port
            .parse()
            .map_err(|_| Error::config(format!("DB_PORT must be a port number, got `{port}`")))?;
        cfg = cfg.port(port);
    }
    if let Some(name) = lookup("DB_NAME") {
        cfg = cfg.database(name);
    }
    if let Some(user) = lookup("DB_USER") {
        cfg = cfg.user(user);
    }
    if let Some(password) = lookup("DB_PASSWORD") {
        cfg = cfg.password(password);
    }
    for (var, key) in [
        ("DB_ALIAS", "alias"),
        ("DB_ENV", "env"),
        ("DB_MAX_CONNECTIONS", "max_connections"),
        ("DB_ACQUIRE_TIMEOUT", "acquire_timeout"),
    ] {
        if let Some(value) = lookup(var) {
            cfg = apply_param(cfg, key, &value)?;
        }
    }
    Ok(cfg)
}
