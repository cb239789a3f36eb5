//! [`FailureWindow`]: failures counted per category over a sliding window, in fixed memory.
//!
//! The window is a ring of [`BUCKETS`] time buckets, each a twentieth of the window wide,
//! holding a count per category, plus running totals. Recording adds to the newest bucket;
//! moving on empties the buckets that fell out of the window and takes them off the totals.
//! So recording and reading cost the same for ten failures or ten million (moving on after a
//! quiet spell empties at most [`BUCKETS`] buckets), and so does memory.
//!
//! The price is resolution: a failure leaves the window between 19/20 of `window` and
//! `window` after it happened (never later), where a list of failures would drop it exactly
//! at `window`.

use std::time::Duration;

use tokio::time::Instant;

use super::FailureCategory;

/// Time buckets in a window.
const BUCKETS: usize = 20;

/// Failure categories, one count each.
const CATEGORIES: usize = 3;

/// Failure counts per category within a sliding window (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub(super) struct FailureWindow {
    /// Where bucket 0 starts.
    origin: Instant,
    /// Width of a bucket in nanoseconds (at least 1).
    width: u128,
    /// Number (since `origin`) of the newest bucket; bucket `n` lives in slot `n % BUCKETS`.
    newest: u64,
    buckets: [[u64; CATEGORIES]; BUCKETS],
    /// The sum of `buckets`, per category.
    totals: [u64; CATEGORIES],
}

impl FailureWindow {
    /// An empty window of `window`, starting at `now`. A window too long for the clock
    /// (`Duration::MAX`) never lets a failure go.
    pub(super) fn new(window: Duration, now: Instant) -> Self {
        FailureWindow {
            origin: now,
            width: (window.as_nanos() / BUCKETS as u128).max(1),
            newest: 0,
            buckets: [[0; CATEGORIES]; BUCKETS],
            totals: [0; CATEGORIES],
        }
    }

    /// Moves the window on to `now`, emptying the buckets that fell out of it.
    pub(super) fn advance(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.origin).as_nanos() / self.width;
        let bucket = u64::try_from(elapsed).unwrap_or(u64::MAX);
        if bucket <= self.newest {
            return;
        }
        if bucket - self.newest >= BUCKETS as u64 {
            self.clear();
        } else {
            for n in self.newest + 1..=bucket {
                let gone = std::mem::take(&mut self.buckets[slot(n)]);
                for (total, count) in self.totals.iter_mut().zip(gone) {
                    *total = total.saturating_sub(count);
                }
            }
        }
        self.newest = bucket;
    }

    /// Counts a failure of `category` at `now`.
    pub(super) fn record(&mut self, now: Instant, category: FailureCategory) {
        self.advance(now);
        let c = index(category);
        let count = &mut self.buckets[slot(self.newest)][c];
        *count = count.saturating_add(1);
        self.totals[c] = self.totals[c].saturating_add(1);
    }

    /// Failures of `category` in the window (as of the last [`Self::advance`]).
    pub(super) fn count(&self, category: FailureCategory) -> u64 {
        self.totals[index(category)]
    }

    /// Whether the window holds no failure.
    pub(super) fn is_empty(&self) -> bool {
        self.totals.iter().all(|n| *n == 0)
    }

    /// Forgets every failure.
    pub(super) fn clear(&mut self) {
        self.buckets = [[0; CATEGORIES]; BUCKETS];
        self.totals = [0; CATEGORIES];
    }
}

fn slot(bucket: u64) -> usize {
    (bucket % BUCKETS as u64) as usize
}

const fn index(category: FailureCategory) -> usize {
    match category {
        FailureCategory::Connection => 0,
        FailureCategory::Timeout => 1,
        FailureCategory::Transaction => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [FailureCategory; CATEGORIES] =
        [FailureCategory::Connection, FailureCategory::Timeout, FailureCategory::Transaction];

    /// A small deterministic generator: the test needs varied steps, not good randomness.
    fn steps(mut state: u64) -> impl Iterator<Item = u64> {
        std::iter::from_fn(move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Some(state)
        })
    }

    #[test]
    fn counts_agree_with_a_list_of_every_failure() {
        let window = Duration::from_secs(10);
        let start = Instant::now();
        let mut w = FailureWindow::new(window, start);
        let mut all: Vec<(Duration, FailureCategory)> = Vec::new();
        let mut at = Duration::ZERO;
        for r in steps(0x9e37_79b9_7f4a_7c15).take(20_000) {
            // Mostly small steps, now and then a quiet spell longer than the window.
            at += Duration::from_millis(if r % 97 == 0 { 25_000 } else { r % 700 });
            let category = ALL[(r >> 20) as usize % CATEGORIES];
            w.record(start + at, category);
            all.push((at, category));
            all.retain(|(t, _)| at - *t < window);
            for c in ALL {
                let age = |t: Duration| at - t;
                let surely_in = all.iter().filter(|(t, k)| *k == c && age(*t) < window * 19 / 20);
                let maybe_in = all.iter().filter(|(t, k)| *k == c && age(*t) < window);
                let n = w.count(c) as usize;
                assert!(surely_in.count() <= n && n <= maybe_in.count(), "at {at:?}");
            }
        }
    }

    #[test]
    fn a_failure_leaves_in_the_last_twentieth_of_the_window() {
        let start = Instant::now();
        let mut w = FailureWindow::new(Duration::from_secs(20), start);
        w.record(start + Duration::from_millis(500), FailureCategory::Timeout);
        w.advance(start + Duration::from_millis(19_999));
        assert_eq!(w.count(FailureCategory::Timeout), 1, "19.5 s old: still in");
        w.advance(start + Duration::from_secs(20));
        assert_eq!(w.count(FailureCategory::Timeout), 0, "its bucket began 20 s ago");
        assert!(w.is_empty());
    }

    #[test]
    fn odd_windows_neither_panic_nor_misbehave() {
        let start = Instant::now();
        let mut zero = FailureWindow::new(Duration::ZERO, start);
        zero.record(start, FailureCategory::Connection);
        zero.advance(start + Duration::from_micros(1));
        assert!(zero.is_empty(), "a zero window forgets at once");
        let mut endless = FailureWindow::new(Duration::MAX, start);
        endless.record(start, FailureCategory::Connection);
        endless.advance(start + Duration::from_secs(100 * 365 * 86_400));
        assert_eq!(endless.count(FailureCategory::Connection), 1, "an endless window keeps it");
        // Time that seems to run backwards (an earlier `now`) changes nothing.
        endless.advance(start);
        assert_eq!(endless.count(FailureCategory::Connection), 1);
    }
}
