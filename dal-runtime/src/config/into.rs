//! [`IntoConfig`]: what `Database::connect` and friends accept as a configuration.

use super::DbConfig;
use crate::error::Result;

/// Anything that names a database: a URL (`&str`, `String`) or a [`DbConfig`].
pub trait IntoConfig {
    /// Parses or clones into a [`DbConfig`].
    fn into_config(self) -> Result<DbConfig>;
}

impl IntoConfig for &str {
    fn into_config(self) -> Result<DbConfig> {
        DbConfig::from_url(self)
    }
}

impl IntoConfig for String {
    fn into_config(self) -> Result<DbConfig> {
        DbConfig::from_url(&self)
    }
}

impl IntoConfig for DbConfig {
    fn into_config(self) -> Result<DbConfig> {
        Ok(self)
    }
}

impl IntoConfig for &DbConfig {
    fn into_config(self) -> Result<DbConfig> {
        Ok(self.clone())
    }
}
