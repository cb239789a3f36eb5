//! [`HealthReport`]: one pool's state in a 0-100 score with plain-language advice.

use super::{Percentiles, ScalingSignal, SlowQuery};
use crate::resilience::BreakerState;

/// A pool's health: a score, the scaling signal, the figures behind them, and what to do.
///
/// The score starts at 100 and loses up to 40 points for the timeout rate (all 40 at 5 %), up
/// to 20 for the error rate (all at 5 %), up to 20 for acquire waits (all when the p99 wait
/// reaches half the acquisition timeout) and up to 20 for utilization above 80 %. An open
/// circuit breaker caps it at 20.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct HealthReport {
    /// The pool's alias, if its configuration has one.
    pub alias: Option<String>,
    /// `postgres`, `mysql` or `sqlite`.
    pub backend: String,
    /// 0 (failing) to 100 (healthy).
    pub score: u8,
    /// The timeout rate's level.
    pub signal: ScalingSignal,
    /// Timeouts (acquire and statement) per operation over the signal window.
    pub timeout_rate: f64,
    /// Failed operations (timeouts aside) per operation over the signal window.
    pub error_rate: f64,
    /// Connections in use per `max_connections`, now.
    pub utilization: f64,
    /// 99th percentile of acquire waits since the pool was created, in milliseconds.
    pub acquire_wait_p99_ms: f64,
    /// Operations in the signal window.
    pub operations: u64,
    /// The circuit breaker's state (`None` when the pool has none).
    pub breaker: Option<String>,
    /// What to do, most important first; empty when nothing needs doing.
    pub recommendations: Vec<String>,
    /// The slowest queries seen, slowest first.
    pub slowest: Vec<SlowQuery>,
}

/// What the report is computed from.
#[derive(Debug)]
pub(crate) struct HealthInputs {
    pub(crate) alias: Option<String>,
    pub(crate) backend: &'static str,
    pub(crate) operations: u64,
    pub(crate) timeout_rate: f64,
    pub(crate) error_rate: f64,
    pub(crate) in_use: u32,
    pub(crate) max: u32,
    pub(crate) acquire_wait: Percentiles,
    pub(crate) acquire_timeout_ms: f64,
    pub(crate) breaker: Option<BreakerState>,
    pub(crate) slowest: Vec<SlowQuery>,
}

fn percent(share: f64) -> String {
    format!("{:.2} %", share * 100.0)
}

pub(crate) fn assess(i: HealthInputs) -> HealthReport {
    let signal = ScalingSignal::from_timeout_rate(i.timeout_rate);
    let utilization = if i.max == 0 { 0.0 } else { f64::from(i.in_use) / f64::from(i.max) };
    let wait_share =
        if i.acquire_timeout_ms > 0.0 { i.acquire_wait.p99_ms / i.acquire_timeout_ms } else { 0.0 };
    let penalty = (i.timeout_rate / 0.05).min(1.0) * 40.0
        + (i.error_rate / 0.05).min(1.0) * 20.0
        + (wait_share * 2.0).min(1.0) * 20.0
        + ((utilization - 0.8) / 0.2).clamp(0.0, 1.0) * 20.0;
    let mut score = (100.0 - penalty).round().clamp(0.0, 100.0) as u8;
    let mut advice = Vec::new();
    if i.breaker == Some(BreakerState::Open) {
        score = score.min(20);
        advice.push(
            "the circuit breaker is open: calls are refused until the server answers again; check that the database is up and reachable"
                .to_owned(),
        );
    }
    if signal != ScalingSignal::Normal {
        advice.push(format!(
            "{} of operations timed out: {}",
            percent(i.timeout_rate),
            signal.advice()
        ));
    }
    if !i.slowest.is_empty() && signal != ScalingSignal::Normal {
        let names: Vec<&str> = i.slowest.iter().take(3).map(|q| q.fingerprint.as_str()).collect();
        advice.push(format!("look at these slow queries first: {}", names.join(" | ")));
    }
    if wait_share >= 0.25 {
        advice.push(format!(
            "acquire waits reach {:.0} ms (p99): raise max_connections (now {}) or hold connections for less time",
            i.acquire_wait.p99_ms, i.max
        ));
    }
    if utilization >= 0.9 {
        advice.push(format!(
            "{} of max_connections ({}) are in use: raise it, or add a replica for reads",
            percent(utilization),
            i.max
        ));
    }
    if i.error_rate >= 0.01 {
        advice.push(format!(
            "{} of operations failed: see the error counts by category in the pool's metrics",
            percent(i.error_rate)
        ));
    }
    HealthReport {
        alias: i.alias,
        backend: i.backend.to_owned(),
        score,
        signal,
        timeout_rate: i.timeout_rate,
        error_rate: i.error_rate,
        utilization,
        acquire_wait_p99_ms: i.acquire_wait.p99_ms,
        operations: i.operations,
        breaker: i.breaker.map(|b| format!("{b:?}").to_lowercase()),
        recommendations: advice,
        slowest: i.slowest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> HealthInputs {
        HealthInputs {
            alias: Some("app".into()),
            backend: "postgres",
            operations: 1000,
            timeout_rate: 0.0,
            error_rate: 0.0,
            in_use: 2,
            max: 10,
            acquire_wait: Percentiles::default(),
            acquire_timeout_ms: 10_000.0,
            breaker: Some(BreakerState::Closed),
            slowest: Vec::new(),
        }
    }

    #[test]
    fn a_quiet_pool_scores_100_with_nothing_to_do() {
        let r = assess(inputs());
        assert_eq!((r.score, r.signal), (100, ScalingSignal::Normal));
        assert!(r.recommendations.is_empty(), "{:?}", r.recommendations);
    }

    #[test]
    fn timeouts_and_a_full_pool_cost_points_and_say_what_to_do() {
        let r = assess(HealthInputs { timeout_rate: 0.1, in_use: 10, ..inputs() });
        assert_eq!(r.signal, ScalingSignal::ScaleHorizontally);
        assert_eq!(r.score, 40);
        assert!(r.recommendations[0].contains("10.00 % of operations timed out"), "{r:?}");
        assert!(r.recommendations.iter().any(|a| a.contains("raise it")), "{r:?}");
    }

    #[test]
    fn an_open_breaker_caps_the_score() {
        let r = assess(HealthInputs { breaker: Some(BreakerState::Open), ..inputs() });
        assert_eq!(r.score, 20);
        assert!(r.recommendations[0].contains("circuit breaker is open"));
    }
}
