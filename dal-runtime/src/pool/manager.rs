//! [`PoolManager`]: the process-wide registry of pools, one per configuration identity.
//!
//! A pool belongs to one identity: the whole configuration, password included. Pools are
//! filed under the configuration hash (which leaves the password out, so it can be shown) and
//! a hit compares the whole configuration, so a wrong or rotated password never gets a pool
//! that another password authenticated.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::{LeakedConnection, Pool, PoolHealth, PoolMetrics, PoolStatus};
use crate::config::BreakerOptions;
use crate::config::{ConfigHash, DbConfig};
use crate::error::Result;
use crate::resilience::CircuitBreaker;

/// Keeps one [`Pool`] per configuration identity (the whole [`DbConfig`], password
/// included), created on first use, and lists them by [`ConfigHash`].
///
/// Configurations that differ only in the password share a hash; the calls that take a hash
/// then act on each pool under it (`close_pool`) or on the newest one (`get`, `status`).
///
/// A pool whose password was rotated away stays open (its sessions were authenticated) until
/// it is closed: `close_pool(hash)` closes every pool under the hash, `Pool::close` one. The
/// manager does not close it when a new password arrives, since a wrong password would then
/// close the pool that works.
///
/// Pools hold connections bound to the Tokio runtime that opened them; a process that runs
/// several runtimes one after another (like `#[tokio::test]`s) should give each its own
/// configuration alias.
///
/// `Debug` lists the pools in hash order (each as [`Pool`] prints: no password) and the names of
/// the shared breakers.
#[derive(Default)]
pub struct PoolManager {
    /// Open pools by hash, oldest first; closed ones are dropped whenever the map is read.
    pools: Mutex<HashMap<ConfigHash, Vec<Pool>>>,
    breakers: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
}

impl std::fmt::Debug for PoolManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("PoolManager");
        // Never waits: a registry busy on another thread is left out.
        let pools = self.pools.try_lock().ok();
        let breakers = self.breakers.try_lock().ok();
        if let Some(pools) = &pools {
            let mut sorted: Vec<&Pool> = pools.values().flatten().collect();
            sorted.sort_by_key(|p| p.hash());
            d.field("pools", &sorted);
        }
        if let Some(breakers) = &breakers {
            let mut names: Vec<&String> = breakers.keys().collect();
            names.sort();
            d.field("breakers", &names);
        }
        if pools.is_some() && breakers.is_some() { d.finish() } else { d.finish_non_exhaustive() }
    }
}

impl PoolManager {
    /// The process-wide manager.
    pub fn global() -> &'static PoolManager {
        static GLOBAL: OnceLock<PoolManager> = OnceLock::new();
        GLOBAL.get_or_init(PoolManager::default)
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, HashMap<ConfigHash, Vec<Pool>>> {
        // The map is only inserted into and removed from; poisoning leaves it consistent.
        let mut pools = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        pools.retain(|_, list| {
            list.retain(|p| !p.is_closed());
            !list.is_empty()
        });
        pools
    }

    /// Every registered open pool, ordered by hash (oldest first within one hash).
    fn all(&self) -> Vec<Pool> {
        let pools = self.pools();
        let mut hashes: Vec<&ConfigHash> = pools.keys().collect();
        hashes.sort();
        hashes.into_iter().flat_map(|h| pools[h].iter().cloned()).collect()
    }

    /// The pool for `config`, created (without connecting) when no open pool has exactly
    /// this configuration, password included.
    pub fn pool(&self, config: &DbConfig) -> Result<Pool> {
        let hash = config.hash();
        let mut pools = self.pools();
        let list = pools.entry(hash).or_default();
        if let Some(pool) = list.iter().find(|p| p.config() == config) {
            return Ok(pool.clone());
        }
        let pool = Pool::new(config.clone())?;
        list.push(pool.clone());
        Ok(pool)
    }

    /// The newest open pool registered under `hash`.
    pub fn get(&self, hash: ConfigHash) -> Option<Pool> {
        self.pools().get(&hash).and_then(|list| list.last().cloned())
    }

    /// Status of every registered pool, ordered by hash.
    pub fn list(&self) -> Vec<PoolStatus> {
        self.all().iter().map(Pool::status).collect()
    }

    /// Status of one pool.
    pub fn status(&self, hash: ConfigHash) -> Option<PoolStatus> {
        self.get(hash).map(|p| p.status())
    }

    /// Checks every registered pool (a connection and a ping each, in parallel).
    pub async fn health_check_all(&self) -> Vec<PoolHealth> {
        let pools = self.all();
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
        self.all()
            .iter()
            .map(|p| (p.hash(), p.leaked_connections(threshold)))
            .filter(|(_, leaks)| !leaks.is_empty())
            .collect()
    }

    /// The health report of every registered pool (see [`Pool::health_report`]), by
    /// configuration hash.
    pub fn health_reports(&self) -> Vec<crate::observe::HealthReport> {
        self.all().iter().map(Pool::health_report).collect()
    }

    /// Closes and unregisters the pools under `hash` (see [`Pool::close`]), all at once; `None`
    /// when there is none, else whether every connection came back in time.
    pub async fn close_pool(&self, hash: ConfigHash, timeout: Duration) -> Option<bool> {
        let pools = self.pools().remove(&hash)?;
        let closing = pools.iter().map(|pool| pool.close(timeout));
        Some(futures_util::future::join_all(closing).await.into_iter().all(|clean| clean))
    }

    /// Closes and unregisters every pool, all at once (so the whole takes at most about
    /// `timeout`); true when all connections came back in time. Work still running past it
    /// is stopped on the server and its transactions roll back (see [`Pool::close`]).
    pub async fn close_all(&self, timeout: Duration) -> bool {
        let pools: Vec<_> = self.pools().drain().flat_map(|(_, list)| list).collect();
        let closing = pools.iter().map(|pool| pool.close(timeout));
        futures_util::future::join_all(closing).await.into_iter().all(|clean| clean)
    }

    /// Waits for `stop`, then [`close_all`](Self::close_all). For a shutdown trigger of your
    /// own (a channel, an admin endpoint); see [`close_all_on_signal`](Self::close_all_on_signal)
    /// for the usual one.
    pub async fn close_all_when(&self, stop: impl Future<Output = ()>, timeout: Duration) -> bool {
        stop.await;
        tracing::info!("shutting down: closing every pool");
        self.close_all(timeout).await
    }

    /// Waits for ctrl-c or SIGTERM, then closes every pool, letting in-flight work finish for
    /// up to `timeout`. Spawn it at start-up:
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use std::time::Duration;
    /// use dal_runtime::PoolManager;
    /// let shutdown = tokio::spawn(async {
    ///     PoolManager::global().close_all_on_signal(Duration::from_secs(10)).await
    /// });
    /// // ... serve ...
    /// let _all_finished_in_time = shutdown.await;
    /// # }
    /// ```
    pub async fn close_all_on_signal(&self, timeout: Duration) -> bool {
        self.close_all_when(crate::rt::shutdown_signal(), timeout).await
    }

    /// The circuit breaker named `name`, created with `options` on first use; later calls
    /// with the same name share it (and ignore `options`). For guarding calls that are not
    /// pool operations; each pool has its own breaker already.
    pub fn breaker(&self, name: &str, options: BreakerOptions) -> Arc<CircuitBreaker> {
        let mut breakers = self.breakers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(
            breakers
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(CircuitBreaker::new(name, options))),
        )
    }
}
