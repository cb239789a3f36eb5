//! Runtime of `dal`: configuration, pools and the pool manager, connections, transactions,
//! raw queries, the entity traits `#[derive(Entity)]` implements, and errors.
//!
//! Users depend on the `dal` facade; this crate holds the logic. One module per concern:
//! `config`, `backend` (everything driver-specific, one file per backend), `pool`, `database`
//! (the handle that routes operations), `cluster` (replicas and failover), `query`, `transaction`, `entity`, `types`, `row`,
//! `error`, and `rt`, the only module that touches the async runtime.

mod backend;
mod cluster;
mod config;
#[doc(hidden)]
pub mod const_concat;
mod database;
mod entity;
mod error;
mod observe;
mod pool;
mod query;
mod resilience;
mod row;
mod rt;
mod shard;
mod transaction;
mod types;

pub use dal_sql::{Dialect, IsolationLevel};

pub use self::backend::{Backend, ExecResult};
pub use self::cluster::{ClusterConfig, ClusterStatus, ReplicaSelection, ReplicaStatus};
pub use self::config::{ConfigHash, DbConfig, Password, Tls, TlsMode};
pub use self::database::{Connection, Database, IntoConfig, ServerInfo};
pub use self::entity::{
    Change, ColumnRef, Comparable, DeletedAtField, Entity, EntityId, FieldChange, Filter, Find,
    HistoryEntry, Op, Operation, Order, Patch, Repo, Statements, TimestampField, VersionField,
};
pub use self::error::{BoxError, Error, ErrorKind, Result};
pub use self::observe::{HealthReport, Percentiles, ScalingSignal, SlowQuery, StatementCacheStats};
pub use self::pool::{
    LeakedConnection, Pool, PoolHealth, PoolManager, PoolMetrics, PoolOptions, PoolStatus,
    PooledConnection, Priority, RateLimit,
};
pub use self::query::{DialectSql, FromRow, Query, SqlQuery, TypedSqlQuery};
pub use self::resilience::{
    Admission, Backoff, BreakerHealth, BreakerOptions, BreakerReport, BreakerState, CircuitBreaker,
    FailureCategory, RetryPolicy, SlowCallGuard, retry, slow_calls,
};
pub use self::row::{Row, RowIndex};
pub use self::rt::in_tokio_runtime;
pub use self::shard::{ShardKey, ShardedDatabase, ShardedEntity};
pub use self::transaction::{
    ScopeOptions, Transaction, TransactionOptions, run as run_in_transaction,
    run_once as run_once_in_transaction,
};
pub use self::types::{Column, IntoValue, Kind, Value};
