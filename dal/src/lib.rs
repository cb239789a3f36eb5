//! `dal`: a database access layer for Rust. Typed entities whose SQL is generated at compile
//! time, over pools that stay up under load, with one API for PostgreSQL, MySQL/MariaDB and
//! SQLite.
//!
//! ```
//! use dal::prelude::*;
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[dal(table = "users")]
//! struct User {
//!     #[dal(id)]
//!     id: Uuid,
//!     name: String,
//!     age: Option<i32>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> dal::Result<()> {
//! let db = Database::connect("sqlite::memory:").await?;
//! db.ensure_schema::<User>().await?;
//! let users = db.repo::<User>();
//!
//! let saved = users.save(&User { id: Uuid::nil(), name: "Ada".into(), age: Some(36) }).await?;
//! assert!(!saved.id.is_nil()); // generated on first save
//! assert_eq!(users.get(saved.id).await?, Some(saved.clone()));
//!
//! users.save(&User { age: Some(37), ..saved.clone() }).await?; // same id: an update
//! assert!(users.delete_permanently(saved.id).await?);
//! # Ok(()) }
//! ```
//!
//! The pieces:
//! - [`DbConfig`] from a URL, from parts or from `DB_*` variables; the password never prints.
//! - [`Database`]: a handle over a pool shared by every handle with the same configuration
//!   ([`PoolManager`]); [`Database::query`] for raw SQL with `?` placeholders on every backend,
//!   [`Database::begin`] for transactions, [`Database::connection`] to hold one connection.
//! - `#[derive(Entity)]` and [`Database::repo`] for typed CRUD.
//! - [`Error`] with an [`ErrorKind`] category and [`Error::is_retryable`].
//! - [`blocking`]: the same operations for code without an async runtime.

pub mod blocking;

pub use dal_macros::{Entity, auto_transaction, sql, sql_as, track_slow};
pub use dal_runtime::{
    Admission, Backend, Backoff, BreakerHealth, BreakerOptions, BreakerReport, BreakerState,
    Change, CircuitBreaker, ClusterConfig, ClusterStatus, Column, ColumnRef, ConfigHash,
    Connection, Database, DbConfig, Dialect, Entity, EntityId, Error, ErrorKind, ExecResult,
    FailureCategory, FieldChange, Filter, Find, FromRow, HealthReport, HistoryEntry, IntoConfig,
    IntoValue, IsolationLevel, Kind, LeakedConnection, Operation, Order, Password, Patch,
    Percentiles, Pool, PoolHealth, PoolManager, PoolMetrics, PoolOptions, PoolStatus,
    PooledConnection, Priority, Query, RateLimit, ReplicaSelection, ReplicaStatus, Repo, Result,
    RetryPolicy, Row, RowIndex, ScalingSignal, ScopeOptions, ServerInfo, ShardKey, ShardedDatabase,
    ShardedEntity, SlowQuery, SqlQuery, StatementCacheStats, Statements, Tls, TlsMode, Transaction,
    TransactionOptions, TypedSqlQuery, Value, in_tokio_runtime, retry, slow_calls,
};

/// Re-exports of the types entities use.
pub mod types {
    pub use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeDelta, Utc};
    pub use serde_json::Value as Json;
    pub use uuid::Uuid;
}

/// Everything most code needs: `use dal::prelude::*;`.
pub mod prelude {
    pub use crate::types::{DateTime, NaiveDate, NaiveDateTime, Utc, Uuid};
    pub use crate::{
        Database, DbConfig, Entity, Error, ErrorKind, Result, Transaction, auto_transaction, sql,
        sql_as, track_slow,
    };
}

/// What generated code reaches the runtime through. Not public API: the names here change
/// whenever the macros need them to.
#[doc(hidden)]
pub mod __private {
    pub use chrono::{DateTime, Utc};
    pub use dal_runtime::__const_concat as const_concat;
    pub use dal_runtime::{
        Column, ColumnRef, DeletedAtField, Dialect, Entity, EntityId, Patch, Result, Row,
        ShardedEntity, Statements, TimestampField, Value, VersionField,
    };
    pub use dal_runtime::{
        Database, DialectSql, IntoValue, IsolationLevel, ScopeOptions, SlowCallGuard, SqlQuery,
        TransactionOptions, run_in_transaction, run_once_in_transaction,
    };
    pub use std::boxed::Box;
    pub use std::option::Option;
    pub use std::result::Result::Ok;
    pub use std::string::String;
    pub use std::time::Duration;
    pub use std::vec;
    pub use std::vec::Vec;
}
