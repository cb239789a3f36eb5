//! [`ShardedDatabase`]: several databases holding disjoint parts of the same tables, and the
//! rule that says which one holds a key. Work for one key goes to its shard; a query that
//! needs every shard runs only when asked ([`ShardedDatabase::fan_out`]) and its results are
//! merged in the requested order; a transaction never spans shards.
//!
//! ```
//! # async fn demo() -> dal_runtime::Result<()> {
//! use dal_runtime::{Database, ShardedDatabase};
//! let shards = vec![
//!     Database::connect("sqlite::memory:").await?,
//!     Database::connect("sqlite::memory:").await?,
//! ];
//! let sharded = ShardedDatabase::hashed(shards)?;
//! let db = sharded.shard(&"tenant-42")?; // the same shard for this key, in every process
//! db.query("SELECT 1").fetch_all().await?;
//! assert!(sharded.begin().await.is_err()); // no transaction across shards
//! # Ok(()) }
//! ```

mod entities;
mod key;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::future::Future;

pub use self::entities::ShardedEntity;
pub use self::key::ShardKey;
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};

/// How keys map to shards.
#[derive(Debug, Clone)]
enum Rule {
    /// A stable hash of the key (FNV-1a, 64 bits) modulo the number of shards.
    Hash,
    /// An explicit map from key to shard index; keys not in it are refused.
    Map(HashMap<Vec<u8>, usize>),
}

/// Databases that each hold part of the data, and the rule that routes a key to one of them.
///
/// `Debug` shows the rule and each shard's handle (see [`Database`]'s: no password).
#[derive(Clone)]
pub struct ShardedDatabase {
    shards: Vec<Database>,
    rule: Rule,
}

impl std::fmt::Debug for ShardedDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardedDatabase")
            .field("rule", &self.rule)
            .field("shards", &self.shards)
            .finish()
    }
}

impl ShardedDatabase {
    /// Shards chosen by a stable hash of the key: the same key gives the same shard in every
    /// process and release, as long as the list of shards stays the same.
    pub fn hashed(shards: Vec<Database>) -> Result<Self> {
        Self::checked(shards, Rule::Hash)
    }

    /// Shards chosen by an explicit map from key to the index of a shard in `shards`; a key
    /// missing from the map is refused with a usage error.
    pub fn mapped<K: ShardKey>(
        shards: Vec<Database>,
        map: impl IntoIterator<Item = (K, usize)>,
    ) -> Result<Self> {
        let mut routes = HashMap::new();
        for (key, index) in map {
            if index >= shards.len() {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "the shard map sends {key:?} to shard {index}, but there are {} shards (0 to {})",
                        shards.len(),
                        shards.len().saturating_sub(1)
                    ),
                ));
            }
            routes.insert(key.shard_bytes(), index);
        }
        Self::checked(shards, Rule::Map(routes))
    }

    fn checked(shards: Vec<Database>, rule: Rule) -> Result<Self> {
        if shards.is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                "a sharded database needs at least one shard",
            ));
        }
        Ok(ShardedDatabase { shards, rule })
    }

    /// Every shard, in order.
    pub fn shards(&self) -> &[Database] {
        &self.shards
    }

    /// The index of the shard that holds `key`.
    pub fn shard_index<K: ShardKey + ?Sized>(&self, key: &K) -> Result<usize> {
        let bytes = key.shard_bytes();
        match &self.rule {
            Rule::Hash => Ok((fnv1a(&bytes) % self.shards.len() as u64) as usize),
            Rule::Map(routes) => routes.get(&bytes).copied().ok_or_else(|| {
                Error::new(
                    ErrorKind::Usage,
                    format!("no shard is mapped for the key {key:?}: add it to the shard map"),
                )
            }),
        }
    }

    /// The database that holds `key`: get, save and find for that key run there.
    pub fn shard<K: ShardKey + ?Sized>(&self, key: &K) -> Result<&Database> {
        Ok(&self.shards[self.shard_index(key)?])
    }

    /// Runs `query` on every shard at once and merges the results in the order `compare`
    /// gives (each shard's results must already be in that order, e.g. from the same
    /// `order_by`), keeping the first `limit` when given. The caller asks for this
    /// explicitly: a query without a key touches every shard.
    pub async fn fan_out<T, F, Fut>(
        &self,
        query: F,
        compare: impl Fn(&T, &T) -> Ordering,
        limit: Option<usize>,
    ) -> Result<Vec<T>>
    where
        F: Fn(Database) -> Fut,
        Fut: Future<Output = Result<Vec<T>>>,
    {
        let runs = self.shards.iter().map(|db| query(db.clone()));
        let parts = futures_util::future::try_join_all(runs).await?;
        Ok(merge(parts, &compare, limit))
    }

    /// Always an error: a transaction cannot span shards. Begin it on the shard of the key it
    /// works on: `sharded.shard(&key)?.begin()`.
    pub async fn begin(&self) -> Result<crate::transaction::Transaction> {
        Err(Error::new(
            ErrorKind::Usage,
            "a transaction cannot span shards: begin it on the shard of its key, with sharded.shard(&key)?.begin()",
        ))
    }
}

/// K-way merge of sorted parts.
fn merge<T>(
    parts: Vec<Vec<T>>,
    compare: &impl Fn(&T, &T) -> Ordering,
    limit: Option<usize>,
) -> Vec<T> {
    let total: usize = parts.iter().map(Vec::len).sum();
    let want = limit.map_or(total, |l| l.min(total));
    let mut heads: Vec<std::collections::VecDeque<T>> = parts.into_iter().map(Into::into).collect();
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let mut best: Option<usize> = None;
        for (i, head) in heads.iter().enumerate() {
            let Some(candidate) = head.front() else { continue };
            let better = match best.and_then(|b| heads[b].front()) {
                None => true,
                Some(current) => compare(candidate, current) == Ordering::Less,
            };
            if better {
                best = Some(i);
            }
        }
        match best.and_then(|b| heads[b].pop_front()) {
            Some(next) => out.push(next),
            None => break,
        }
    }
    out
}

/// FNV-1a, 64 bits: small, stable across processes and releases (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_order_and_the_limit() {
        let parts = vec![vec![1, 4, 7], vec![2, 5, 8], vec![], vec![3, 6, 9]];
        assert_eq!(
            merge(parts.clone(), &|a: &i32, b: &i32| a.cmp(b), None),
            (1..=9).collect::<Vec<_>>()
        );
        assert_eq!(merge(parts, &|a: &i32, b: &i32| a.cmp(b), Some(4)), vec![1, 2, 3, 4]);
    }

    #[test]
    fn the_hash_is_stable() {
        // Pinned: changing it would move every key to another shard.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
