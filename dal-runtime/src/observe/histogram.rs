//! [`Histogram`]: a lock-free latency histogram with about 19 % resolution, for the pool's
//! acquire-wait and query-duration percentiles.
//!
//! Values are microseconds. Values under 4 have a bucket each; above, bucket `4(e - 1) + s`
//! holds values whose highest set bit is `e` and whose next two bits are `s`, so each power of two splits into four buckets; recording is two
//! atomic adds and no allocation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Powers of two covered: up to 2^42 µs, about 50 days.
const EXPONENTS: usize = 43;
const BUCKETS: usize = EXPONENTS * 4;

/// Counts of durations in exponential buckets.
#[derive(Debug)]
pub(crate) struct Histogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum_us: AtomicU64,
    max_us: AtomicU64,
}

/// Percentiles of a histogram, in milliseconds (upper bounds of their buckets).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest value recorded (exact).
    pub max_ms: f64,
}

fn bucket_of(us: u64) -> usize {
    if us < 4 {
        return us as usize;
    }
    let e = 63 - us.leading_zeros() as usize; // at least 2
    let s = ((us >> (e - 2)) & 3) as usize;
    ((e - 1) * 4 + s).min(BUCKETS - 1)
}

/// The largest value that falls in bucket `i` (the last one takes everything beyond).
fn upper_bound_us(i: usize) -> u64 {
    if i >= BUCKETS - 1 {
        return u64::MAX;
    }
    if i < 4 {
        return i as u64;
    }
    let (e, s) = (i / 4 + 1, (i % 4) as u64);
    ((4 + s + 1) << (e - 2)) - 1
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub(crate) fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    pub(crate) fn percentiles(&self) -> Percentiles {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let count: u64 = counts.iter().sum();
        if count == 0 {
            return Percentiles::default();
        }
        let max_us = self.max_us.load(Ordering::Relaxed);
        let at = |q: f64| {
            let rank = ((count as f64 * q).ceil() as u64).max(1);
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return upper_bound_us(i).min(max_us);
                }
            }
            max_us
        };
        let ms = |us: u64| us as f64 / 1000.0;
        Percentiles {
            count,
            mean_ms: self.sum_us.load(Ordering::Relaxed) as f64 / count as f64 / 1000.0,
            p50_ms: ms(at(0.5)),
            p90_ms: ms(at(0.9)),
            p99_ms: ms(at(0.99)),
            max_ms: ms(max_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lands_in_a_bucket_that_bounds_it() {
        for us in (0..5000).chain([1 << 20, (1 << 20) + 12345, u64::MAX / 2]) {
            let i = bucket_of(us);
            assert!(us <= upper_bound_us(i), "{us} above its bucket {i}");
            if i > 0 && i < BUCKETS - 1 {
                assert!(us > upper_bound_us(i - 1), "{us} fits the bucket below {i}");
            }
        }
    }

    #[test]
    fn percentiles_are_within_a_bucket_of_the_truth() {
        let h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let p = h.percentiles();
        assert_eq!(p.count, 100);
        assert_eq!(p.max_ms, 100.0);
        for (got, want) in [(p.p50_ms, 50.0), (p.p90_ms, 90.0), (p.p99_ms, 99.0)] {
            assert!(got >= want && got <= want * 1.25, "{got} for {want}");
        }
        assert!((p.mean_ms - 50.5).abs() < 0.01, "{}", p.mean_ms);
    }

    #[test]
    fn an_empty_histogram_reports_zeros() {
        assert_eq!(Histogram::default().percentiles(), Percentiles::default());
    }
}
