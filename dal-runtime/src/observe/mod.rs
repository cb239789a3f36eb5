//! Observability of pools: instruments in the `metrics` facade, latency histograms,
//! the slowest queries, the statement cache's counts, the timeout-rate scaling signal, the
//! health report, and the demand trend behind warm-up.

mod health;
mod histogram;
mod meters;
mod pool_observer;
mod signal;
mod slow;
mod span_fields;
mod statement_cache;
mod trend;

pub use self::health::HealthReport;
pub(crate) use self::health::{HealthInputs, assess};
pub(crate) use self::histogram::Histogram;
pub use self::histogram::Percentiles;
pub(crate) use self::meters::Meters;
pub(crate) use self::pool_observer::PoolObserver;
pub use self::signal::ScalingSignal;
pub(crate) use self::signal::{RateWindow, Tally};
pub use self::slow::SlowQuery;
pub(crate) use self::slow::SlowestQueries;
pub(crate) use self::span_fields::{RowCount, operation_and_table};
pub use self::statement_cache::StatementCacheStats;
pub(crate) use self::statement_cache::{CacheCounters, Lookup, StatementCacheMirror};
pub(crate) use self::trend::DemandTrend;
