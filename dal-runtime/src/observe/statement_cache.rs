//! Counting the driver's prepared-statement cache. sqlx keeps a per-connection LRU of
//! prepared statements keyed by SQL text but does not say whether a statement was found in
//! it; this mirror has the same capacity and the same policy (a hit refreshes, a new entry
//! evicts the least recently used when full, only statements that ran are kept), so its
//! counts are the driver cache's.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Hits, misses and evictions of the statement caches of a pool's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct StatementCacheStats {
    /// Statements found prepared.
    pub hits: u64,
    /// Statements prepared anew.
    pub misses: u64,
    /// Prepared statements closed to make room.
    pub evictions: u64,
}

impl StatementCacheStats {
    /// Hits per lookup (0 when nothing was looked up).
    pub fn hit_ratio(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 { 0.0 } else { self.hits as f64 / lookups as f64 }
    }
}

/// The pool-wide counters.
#[derive(Debug, Default)]
pub(crate) struct CacheCounters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

impl CacheCounters {
    pub(crate) fn stats(&self) -> StatementCacheStats {
        StatementCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }
}

/// One connection's mirror: hashes of the statements its driver holds prepared, most
/// recently used last.
#[derive(Debug, Default)]
pub(crate) struct StatementCacheMirror {
    held: VecDeque<u64>,
}

/// What a lookup found, to be confirmed once the statement ran.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup {
    Hit,
    Miss(u64),
}

fn key(sql: &str) -> u64 {
    // A fixed hasher: equal text, equal key, within the process.
    std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one(sql)
}

impl StatementCacheMirror {
    /// Looks `sql` up (a hit refreshes it) and counts the outcome.
    pub(crate) fn lookup(&mut self, sql: &str, counters: &CacheCounters) -> Lookup {
        let k = key(sql);
        if let Some(i) = self.held.iter().position(|h| *h == k) {
            self.held.remove(i);
            self.held.push_back(k);
            counters.hits.fetch_add(1, Ordering::Relaxed);
            Lookup::Hit
        } else {
            counters.misses.fetch_add(1, Ordering::Relaxed);
            Lookup::Miss(k)
        }
    }

    /// After a missed statement ran: the driver now holds it, evicting as it must.
    pub(crate) fn prepared(&mut self, lookup: Lookup, capacity: usize, counters: &CacheCounters) {
        let Lookup::Miss(k) = lookup else { return };
        if capacity == 0 {
            return;
        }
        if self.held.len() >= capacity {
            self.held.pop_front();
            counters.evictions.fetch_add(1, Ordering::Relaxed);
        }
        self.held.push_back(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_sequence_gives_known_counts() {
        let counters = CacheCounters::default();
        let mut mirror = StatementCacheMirror::default();
        for sql in ["a", "b", "a", "c", "d", "a", "b"] {
            let l = mirror.lookup(sql, &counters);
            mirror.prepared(l, 3, &counters);
        }
        // a miss, b miss, a hit, c miss, d miss (evicts b), a hit, b miss (evicts c).
        let s = counters.stats();
        assert_eq!((s.hits, s.misses, s.evictions), (2, 5, 2));
        assert!((s.hit_ratio() - 2.0 / 7.0).abs() < 1e-9);
    }
}
