//! [`PoolManager`]: the process-wide registry of pools, one per configuration hash.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::{LeakedConnection, Pool, PoolHealth, PoolMetrics, PoolStatus};
use crate::config::{ConfigHash, DbConfig};
use crate::error::Result;

/// Keeps one [`Pool`] per [`ConfigHash`], created on first use.
///
/// Pools hold connections bound to the Tokio runtime that opened them; a process that runs
/// several runtimes one after another (like `#[tokio::test]`s) should give each its own
/// configuration alias.
#[derive(Debug, Default)]
pub struct PoolManager {
    pools: Mutex<HashMap<ConfigHash, Pool>>,
}

impl PoolManager {
    /// The process-wide manager.
    pub fn global() -> &'static PoolManager {
        static GLOBAL: OnceLock<PoolManager> = OnceLock::new();
        GLOBAL.get_or_init(PoolManager::default)
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, HashMap<ConfigHash, Pool>> {
        // The map is only inserted into and removed from; poisoning leaves it consistent.
        self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The pool for `config`, created (without connecting) when there is none, or when the one
    /// registered was closed.
    pub fn pool(&self, config: &DbConfig) -> Result<Pool> {
        let hash = config.hash();
        let mut pools = self.pools();
        if let Some(pool) = pools.get(&hash).filter(|p| !p.is_closed()) {
            return Ok(pool.clone());
        }
        let pool = Pool::new(config.clone())?;
        pools.insert(hash, pool.clone());
        Ok(pool)
    }

    /// The pool registered under `hash`.
    pub fn get(&self, hash: ConfigHash) -> Option<Pool> {
        self.pools().get(&hash).cloned()
    }

    /// Status of every registered pool, ordered by hash.
    pub fn list(&self) -> Vec<PoolStatus> {
        let mut all: Vec<_> = self.pools().values().map(Pool::status).collect();
        all.sort_by_key(|s| s.hash);
        all
    }

    /// Status of one pool.
    pub fn status(&self, hash: ConfigHash) -> Option<PoolStatus> {
        self.get(hash).map(|p| p.status())
    }

    /// Checks every registered pool (a connection and a ping each, in parallel).
    pub async fn health_check_all(&self) -> Vec<PoolHealth> {
        let pools: Vec<Pool> = {
            let mut all: Vec<_> = self.pools().values().cloned().collect();
            all.sort_by_key(Pool::hash);
            all
        };
        let checks = pools.iter().map(|pool| async move {
            let result = pool.health_check().await;
            PoolHealth {
                hash: pool.hash(),
                alias: pool.config().alias_name().map(str::to_owned),
                backend: pool.backend(),
                latency: result.as_ref().ok().copied(),
                error: result.err().map(|e| e.to_string()),
            }
        });
        futures_util::future::join_all(checks).await
    }

    /// Use figures of one pool.
    pub fn metrics(&self, hash: ConfigHash) -> Option<PoolMetrics> {
        self.get(hash).map(|p| p.metrics())
    }

    /// Connections held longer than `threshold` in every pool, by pool.
    pub fn check_for_leaked_connections(
        &self,
        threshold: Duration,
    ) -> Vec<(ConfigHash, Vec<LeakedConnection>)> {
        let pools: Vec<Pool> = self.pools().values().cloned().collect();
        let mut found: Vec<_> = pools
            .iter()
            .map(|p| (p.hash(), p.leaked_connections(threshold)))
            .filter(|(_, leaks)| !leaks.is_empty())
            .collect();
        found.sort_by_key(|(hash, _)| *hash);
        found
    }

    /// Closes and unregisters one pool (see [`Pool::close`]); `None` when there is none.
    pub async fn close_pool(&self, hash: ConfigHash, timeout: Duration) -> Option<bool> {
        let pool = self.pools().remove(&hash)?;
        Some(pool.close(timeout).await)
    }

    /// Closes and unregisters every pool; true when all connections came back in time.
    pub async fn close_all(&self, timeout: Duration) -> bool {
        let pools: Vec<_> = self.pools().drain().map(|(_, p)| p).collect();
        let mut clean = true;
        for pool in pools {
            clean &= pool.close(timeout).await;
        }
        clean
    }
}
