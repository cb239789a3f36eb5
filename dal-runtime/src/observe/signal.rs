//! The scaling signal: the share of operations that timed out over a sliding window, mapped
//! to the four levels of advice the seed documents give.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the recent timeout rate says about capacity.
///
/// | timeout rate | level |
/// |---|---|
/// | under 0.1 % | [`Normal`](Self::Normal) |
/// | 0.1 % to 1 % | [`ReviewSlowQueries`](Self::ReviewSlowQueries) |
/// | 1 % to 5 % | [`ScaleVertically`](Self::ScaleVertically) |
/// | over 5 % | [`ScaleHorizontally`](Self::ScaleHorizontally) |
///
/// ```
/// use dal_runtime::ScalingSignal;
/// assert_eq!(ScalingSignal::from_timeout_rate(0.0005), ScalingSignal::Normal);
/// assert_eq!(ScalingSignal::from_timeout_rate(0.02), ScalingSignal::ScaleVertically);
/// assert_eq!(ScalingSignal::ScaleHorizontally.to_string(), "scale_horizontally");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingSignal {
    /// Under 0.1 % of operations time out.
    Normal,
    /// 0.1 % to 1 %: some queries are too slow; look at them first.
    ReviewSlowQueries,
    /// 1 % to 5 %: the pool or the server is too small.
    ScaleVertically,
    /// Over 5 %: one server is not enough.
    ScaleHorizontally,
}

impl ScalingSignal {
    /// The level for a timeout rate (a share, `0.01` is 1 %).
    pub fn from_timeout_rate(rate: f64) -> Self {
        if rate < 0.001 {
            ScalingSignal::Normal
        } else if rate < 0.01 {
            ScalingSignal::ReviewSlowQueries
        } else if rate <= 0.05 {
            ScalingSignal::ScaleVertically
        } else {
            ScalingSignal::ScaleHorizontally
        }
    }

    /// The name used in reports and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScalingSignal::Normal => "normal",
            ScalingSignal::ReviewSlowQueries => "review_slow_queries",
            ScalingSignal::ScaleVertically => "scale_vertically",
            ScalingSignal::ScaleHorizontally => "scale_horizontally",
        }
    }

    /// What to do at this level, in a sentence.
    pub const fn advice(self) -> &'static str {
        match self {
            ScalingSignal::Normal => "timeouts are rare: no action needed",
            ScalingSignal::ReviewSlowQueries => {
                "some operations time out: review the slowest queries (indexes, plans, smaller transactions)"
            }
            ScalingSignal::ScaleVertically => {
                "many operations time out: raise max_connections if the server has headroom, or give the server more CPU and I/O"
            }
            ScalingSignal::ScaleHorizontally => {
                "a large share of operations time out: add read replicas, a pooler or shards to spread the load"
            }
        }
    }
}

impl std::fmt::Display for ScalingSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operations, timeouts and errors in one second of the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) operations: u64,
    pub(crate) timeouts: u64,
    pub(crate) errors: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.operations += other.operations;
        self.timeouts += other.timeouts;
        self.errors += other.errors;
    }

    /// Timeouts per operation (0 when nothing ran).
    pub(crate) fn timeout_rate(&self) -> f64 {
        ratio(self.timeouts, self.operations)
    }

    /// Failed operations (timeouts aside) per operation.
    pub(crate) fn error_rate(&self) -> f64 {
        ratio(self.errors, self.operations)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Per-second tallies over a sliding window.
#[derive(Debug)]
pub(crate) struct RateWindow {
    window: Duration,
    started: Instant,
    /// (second since `started`, its tally), oldest first.
    seconds: Mutex<VecDeque<(u64, Tally)>>,
}

impl RateWindow {
    pub(crate) fn new(window: Duration) -> Self {
        RateWindow {
            window: window.max(Duration::from_secs(1)),
            started: Instant::now(),
            seconds: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn record(&self, at: Instant, tally: Tally) {
        let second = at.saturating_duration_since(self.started).as_secs();
        let mut seconds = self.seconds.lock().unwrap_or_else(|p| p.into_inner());
        match seconds.back_mut() {
            Some((s, t)) if *s == second => t.add(tally),
            // A late record of an earlier second joins the newest one: close enough, and the
            // deque stays ordered.
            Some((s, t)) if *s > second => t.add(tally),
            _ => seconds.push_back((second, tally)),
        }
        let oldest = second.saturating_sub(self.window.as_secs());
        while seconds.front().is_some_and(|(s, _)| *s < oldest) {
            seconds.pop_front();
        }
    }

    /// The sum over the window ending at `now`.
    pub(crate) fn total(&self, now: Instant) -> Tally {
        let second = now.saturating_duration_since(self.started).as_secs();
        let oldest = second.saturating_sub(self.window.as_secs());
        let seconds = self.seconds.lock().unwrap_or_else(|p| p.into_inner());
        let mut total = Tally::default();
        for (_, t) in seconds.iter().filter(|(s, _)| *s >= oldest) {
            total.add(*t);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_levels_follow_the_table() {
        let cases = [
            (0.0, ScalingSignal::Normal),
            (0.00099, ScalingSignal::Normal),
            (0.001, ScalingSignal::ReviewSlowQueries),
            (0.0099, ScalingSignal::ReviewSlowQueries),
            (0.01, ScalingSignal::ScaleVertically),
            (0.05, ScalingSignal::ScaleVertically),
            (0.0501, ScalingSignal::ScaleHorizontally),
            (1.0, ScalingSignal::ScaleHorizontally),
        ];
        for (rate, level) in cases {
            assert_eq!(ScalingSignal::from_timeout_rate(rate), level, "{rate}");
        }
    }

    #[test]
    fn old_seconds_leave_the_window() {
        let w = RateWindow::new(Duration::from_secs(10));
        let t0 = w.started;
        w.record(t0, Tally { operations: 100, timeouts: 10, errors: 0 });
        w.record(t0 + Duration::from_secs(5), Tally { operations: 100, timeouts: 0, errors: 1 });
        let both = w.total(t0 + Duration::from_secs(6));
        assert_eq!(both, Tally { operations: 200, timeouts: 10, errors: 1 });
        assert!((both.timeout_rate() - 0.05).abs() < 1e-9);
        let later = w.total(t0 + Duration::from_secs(12));
        assert_eq!(later, Tally { operations: 100, timeouts: 0, errors: 1 });
        assert_eq!(w.total(t0 + Duration::from_secs(30)), Tally::default());
    }
}
