//! Runtime of `dal`: configuration, pools and the pool manager, connections, transactions,
//! raw queries, the entity traits `#[derive(Entity)]` implements, and errors.
//!
//! Users depend on the `dal` facade; this crate holds the logic. One module per concern:
//! `config`, `backend` (everything driver-specific, one file per backend), `pool`, `database`
//! (the handle that routes operations), `cluster` (replicas and failover), `query`, `transaction`, `entity`, `types`, `row`,
//! `error`, and `rt`, the only module that touches the async runtime.

mod cluster;
mod config;
#[doc(hidden)]
pub mod const_concat;
mod database;
mod driver;
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
    Change, ColumnRef, Comparable, DeletedAtField, Entity, EntityId, FieldChange, Filter, Find,
    HistoryEntry, Op, Operation, Order, Patch, Repo, Statements, TimestampField, VersionField,
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
pub use self::rt::in_tokio_runtime;
pub use self::shard::{ShardKey, ShardedDatabase, ShardedEntity};
pub use self::transaction::{
    ScopeOptions, Transaction, TransactionOptions, run as run_in_transaction,
    run_once as run_once_in_transaction,
};
pub use self::types::{Column, FromRow, IntoValue, Kind, Value};
pub use self::types::{Row, RowIndex};
