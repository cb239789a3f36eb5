//! Runtime of `dal`: configuration, connection pools and the pool manager, the `Database`
//! handle with its raw queries and transactions, resilience (retries, circuit breakers,
//! timeouts that stop the statement on the server), observability, clusters and shards, the
//! entity traits `#[derive(Entity)]` implements, and the one error type.
//!
//! Users depend on the `dal` facade, which re-exports what is public here grouped by concern
//! (`dal::pool`, `dal::resilience`, `dal::observe`, `dal::cluster`, …); this crate holds the
//! logic and exports it flat. One module per concern, each opening with a line that says what
//! it owns, in layers; each imports only the layers below it (within a layer, one way only;
//! `database`, `query` and `transaction` are the one circle):
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | 0 | `error`, `rt` | the error type; the only calls into the async runtime |
//! | 1 | `config` | `DbConfig`, `Backend`, `Tls`, `PoolOptions`, `IntoConfig` |
//! | 2 | `types` | `Value`, `Column`, `Row`, `FromRow` |
//! | 3 | `driver` | the drivers: connect options, binding, error classification |
//! | 4 | `resilience`, `observe` | retries, breakers; metrics, spans, slow queries |
//! | 5 | `pool` | the lease: acquire, permits, return on drop, close |
//! | 6 | `exec` | one statement's pipeline: deadline, server stop, span, cache, outcome |
//! | 7 | `database`, `query`, `transaction`, `cluster` | the handle users hold |
//! | 8 | `entity`, `shard` | what `#[derive(Entity)]` implements; routing by shard key |

mod cluster;
mod config;
#[doc(hidden)]
pub mod const_concat;
mod database;
pub mod driver;
mod entity;
mod error;
mod exec;
mod observe;
mod pool;
mod query;
mod resilience;
mod rt;
mod shard;
mod transaction;
mod types;

pub use dal_sql::{Dialect, IsolationLevel};

pub use self::cluster::{ClusterConfig, ClusterStatus, ReplicaSelection, ReplicaStatus};
pub use self::config::{
    Backend, BreakerOptions, ConfigHash, DbConfig, IntoConfig, Password, PoolOptions, RateLimit,
    Tls, TlsMode,
};
pub use self::database::{Connection, Database, ServerInfo};
pub use self::driver::ExecResult;
pub use self::entity::{
    BelongsTo, Change, ColumnRef, Comparable, DeletedAtField, Entity, EntityId, FieldChange,
    Filter, Find, FindWith, ForeignKey, HasMany, HasOne, HistoryEntry, Level, Link, Load, Nested,
    Op, Operation, Order, Patch, Repo, Statements, TableIndex, TimestampField, VersionField,
    foreign_key,
};
pub use self::error::{BoxError, Error, ErrorKind, Result};
pub use self::observe::{HealthReport, Percentiles, ScalingSignal, SlowQuery, StatementCacheStats};
pub use self::pool::{
    LeakedConnection, Pool, PoolHealth, PoolManager, PoolMetrics, PoolStatus, PooledConnection,
    Priority,
};
pub use self::query::{DialectSql, Query, SqlQuery, TypedSqlQuery};
pub use self::resilience::{
    Admission, Backoff, BreakerHealth, BreakerReport, BreakerState, CircuitBreaker,
    FailureCategory, RetryPolicy, SlowCallGuard, retry, slow_calls,
};
pub use self::rt::JoinHandle;
pub use self::rt::in_tokio_runtime;
pub use self::shard::{ShardKey, ShardedDatabase, ShardedEntity};
pub use self::transaction::{
    Propagation, ScopeOptions, ThreadGuard, ThreadScope, Transaction, TransactionOptions,
    body_handle, in_thread_scope, run as run_in_transaction, run_once as run_once_in_transaction,
    spawn_in_transaction, transaction_scope,
};
pub use self::types::{
    BoolDefault, Column, FloatDefault, FromRow, IntegerDefault, IntoValue, Kind, MaxLength,
    NowDefault, TextDefault, Value, integer_default_fits,
};
pub use self::types::{DecimalColumn, Json, takes_precision};
pub use self::types::{Row, RowIndex};
