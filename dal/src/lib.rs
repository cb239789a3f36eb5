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
//! What a first program needs is at the root:
//! - [`DbConfig`] from a URL, from parts or from `DB_*` variables ([`Backend`], [`Tls`]); the
//!   password ([`Password`]) never prints.
//! - [`Database`]: a handle over a pool shared by every handle with the same configuration;
//!   [`Database::query`] ([`Query`], [`Row`]) and [`sql!`] for raw SQL with `?` placeholders on
//!   every backend, [`Database::begin`] ([`Transaction`]) and [`auto_transaction`] for
//!   transactions ([`transaction_scope`] with [`ScopeOptions`] and [`Propagation`] is the
//!   same without the attribute; [`spawn_in_transaction`] takes a task along),
//!   [`Database::connection`] ([`Connection`]) to hold one connection.
//! - [`derive@Entity`] and [`Database::repo`] ([`Repo`]) for typed CRUD.
//! - [`Error`] with an [`ErrorKind`] category and [`Error::is_retryable`].
//!
//! The rest is grouped by concern:
//!
//! | module | holds |
//! |---|---|
//! | [`prelude`] | `use dal::prelude::*;` for the common names |
//! | [`entity`] | what entities use beyond [`Repo`]: typed filters and ordering, patches, history |
//! | [`query`] | raw SQL beyond [`Query`]: what [`sql!`] returns, typed rows, dialects |
//! | [`types`] | column types and parameter values (with the chrono, uuid and JSON types) |
//! | [`pool`] | pools, their options, status and metrics, and the pool manager |
//! | [`resilience`] | retries with backoff, circuit breakers, slow-call tracking |
//! | [`observe`] | health reports, scaling signals, slow queries, latency percentiles |
//! | [`cluster`] | read replicas with failover, and sharding |
//! | [`blocking`] | the same operations for code without an async runtime |

pub mod blocking;

pub use dal_macros::{Entity, Value, auto_transaction};
pub use dal_runtime::{
    Backend, ConfigHash, Connection, Database, DbConfig, Error, ErrorKind, IntoConfig,
    IsolationLevel, JoinHandle, Password, Propagation, Query, Repo, Result, Row, ScopeOptions,
    ServerInfo, Tls, TlsMode, Transaction, TransactionOptions, spawn_in_transaction,
    transaction_scope,
};

/// An entity, declared with `#[derive(Entity)]` (the derive's page lists every attribute):
///
/// ```
/// use dal::prelude::*;
///
/// #[derive(Entity, Debug, Clone)]
/// #[dal(table = "notes", soft_delete, history)]
/// struct Note {
///     #[dal(id)]
///     id: i64, // 0 until saved: the database assigns it
///     text: String,
///     #[dal(version)]
///     version: i64,
///     #[dal(created_at)]
///     created_at: DateTime<Utc>,
///     #[dal(deleted_at)]
///     deleted_at: Option<DateTime<Utc>>,
/// }
///
/// // What the derive provides, without a database:
/// assert_eq!(<Note as dal::Entity>::TABLE, "notes");
/// let columns = ["id", "text", "version", "created_at", "deleted_at"];
/// assert_eq!(<Note as dal::Entity>::COLUMNS, columns);
/// let _by_text = Note::TEXT.eq("hello"); // a column constant per field, for typed filters
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dal::Result<()> {
/// let db = Database::connect("sqlite::memory:").await?;
/// db.ensure_schema::<Note>().await?; // the table and its history table
/// let notes = db.repo::<Note>();
/// let now = Utc::now();
/// let note = Note { id: 0, text: "hi".into(), version: 0, created_at: now, deleted_at: None };
/// let note = notes.save(&note).await?;
/// assert_eq!((note.version, note.id > 0), (1, true));
/// notes.delete(note.id).await?; // soft delete: history stays
/// assert_eq!(notes.get(note.id).await?.map(|n| n.id), None);
/// assert_eq!(notes.history(note.id).await?.len(), 2);
/// # Ok(()) }
/// ```
pub use dal_runtime::Entity;

/// A value of any serde type stored as a JSON document: `JSONB` on PostgreSQL, `JSON` on
/// MySQL/MariaDB, text on SQLite.
///
/// Not to be confused with [`types::Json`], which is `serde_json::Value` (a document without a
/// Rust type, and a column type of its own); `Json<serde_json::Value>` stores the same way.
///
/// ```
/// use dal::Json;
/// use dal::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
/// struct Settings {
///     theme: String,
///     font_size: u8,
/// }
///
/// #[derive(Entity, Debug, Clone, PartialEq)]
/// #[dal(table = "profiles")]
/// struct Profile {
///     #[dal(id)]
///     id: i64,
///     settings: Json<Settings>,
///     tags: Option<Json<Vec<String>>>,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dal::Result<()> {
/// let db = Database::connect("sqlite::memory:").await?;
/// db.ensure_schema::<Profile>().await?;
/// let settings = Json(Settings { theme: "dark".into(), font_size: 14 });
/// let tags = Some(Json(vec!["admin".to_owned()]));
/// let saved = db.repo::<Profile>().save(&Profile { id: 0, settings, tags }).await?;
/// let back = db.repo::<Profile>().get(saved.id).await?.expect("saved");
/// assert_eq!(back.settings.theme, "dark"); // Json<T> derefs to T
/// assert_eq!(back, saved);
/// # Ok(()) }
/// ```
pub use dal_runtime::Json;

/// Raw SQL with `?` placeholders, rewritten for every backend when the program compiles.
///
/// `sql!("SELECT id FROM users WHERE age > ? AND name <> ?", 18, "x")`: the number of
/// arguments must match the placeholders (a compile error otherwise); `?` inside string
/// literals, quoted identifiers and comments is left alone; `??` is a literal `?` (PostgreSQL
/// only). `?1` (SQLite's numbered form) and native `$n` next to `?` are compile errors: write `?`
/// and pass arguments in order. The result is a [`query::SqlQuery`]: run it with
/// `.execute(&db)`, `.fetch_all(&db)`, `.fetch_one(&db)`, … For SQL built at run time use
/// [`Database::query`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dal::Result<()> {
/// let db = dal::Database::connect("sqlite::memory:").await?;
/// dal::sql!("CREATE TABLE t (id INTEGER, name TEXT)").execute(&db).await?;
/// dal::sql!("INSERT INTO t (id, name) VALUES (?, ?)", 1, "a?").execute(&db).await?;
/// let query = dal::sql!("SELECT name FROM t WHERE id = ? AND name <> '?'", 1);
/// let rows = query.fetch_all(&db).await?;
/// assert_eq!(rows[0].get::<String>("name")?, "a?");
/// # Ok(()) }
/// ```
///
/// The generated code reaches `dal` through this macro's `$crate`, so it works when `dal` is
/// renamed in Cargo.toml (`database = { package = "dal", … }`); the derive and
/// `#[auto_transaction]` take `crate = "database"` for the same.
#[macro_export]
macro_rules! sql {
    ($($input:tt)*) => {
        $crate::__private::sql!($crate; $($input)*)
    };
}

/// [`sql!`] whose rows come back as a type: an entity, or a tuple of up to eight columns.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> dal::Result<()> {
/// let db = dal::Database::connect("sqlite::memory:").await?;
/// let query = dal::sql_as!((i64, String), "SELECT ?, ?", 7, "seven");
/// let pairs: Vec<(i64, String)> = query.fetch_all(&db).await?;
/// assert_eq!(pairs, [(7, "seven".to_owned())]);
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! sql_as {
    ($($input:tt)*) => {
        $crate::__private::sql_as!($crate; $($input)*)
    };
}

pub mod entity {
    //! What entities use beyond [`Repo`](crate::Repo): typed filters and ordering from the
    //! column constants the derive generates, partial updates, and history.
    //!
    //! ```
    //! use dal::entity::{Filter, Order};
    //! use dal::prelude::*;
    //!
    //! #[derive(Entity, Debug, Clone)]
    //! #[dal(table = "people")]
    //! struct Person {
    //!     #[dal(id)]
    //!     id: i64,
    //!     name: String,
    //!     age: Option<i32>,
    //! }
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = Database::connect("sqlite::memory:").await?;
    //! db.ensure_schema::<Person>().await?;
    //! let people = db.repo::<Person>();
    //! for (name, age) in [("Ada", 36), ("Alan", 41), ("Grace", 85)] {
    //!     people.save(&Person { id: 0, name: name.into(), age: Some(age) }).await?;
    //! }
    //! let a_over_40: Filter = Person::AGE.ge(40).and(Person::NAME.like("A%"));
    //! let oldest_first: Order = Person::AGE.desc();
    //! let found = people.find().filter(a_over_40).order_by(oldest_first).all().await?;
    //! assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Alan"]);
    //!
    //! // A patch changes only the fields it names.
    //! let ada = people.find().filter(Person::NAME.eq("Ada")).one().await?.expect("Ada");
    //! people.patch(ada.id, PersonPatch { age: Some(Some(37)), ..Default::default() }).await?;
    //! # Ok(()) }
    //! ```
    //!
    //! Relations: a foreign key on the child ([`BelongsTo`]), the way back on the parent
    //! ([`HasMany`], [`HasOne`]); `find().with(…)` loads them one statement per level
    //! ([`Load`]), and `any` / `matches` filter through them.
    //!
    //! ```
    //! use dal::prelude::*;
    //!
    //! #[derive(Entity, Debug, Clone)]
    //! #[dal(table = "authors", has_many(books = Book::AUTHOR))]
    //! struct Author {
    //!     #[dal(id)]
    //!     id: i64,
    //!     name: String,
    //! }
    //!
    //! #[derive(Entity, Debug, Clone)]
    //! #[dal(table = "books")]
    //! struct Book {
    //!     #[dal(id)]
    //!     id: i64,
    //!     #[dal(references = Author, on_delete = "cascade")]
    //!     author_id: i64,
    //!     title: String,
    //! }
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = Database::connect("sqlite::memory:").await?;
    //! db.ensure_schema::<Author>().await?; // the parent first: books references it
    //! db.ensure_schema::<Book>().await?;
    //! let ursula = db.repo::<Author>().save(&Author { id: 0, name: "Le Guin".into() }).await?;
    //! for title in ["The Dispossessed", "The Lathe of Heaven"] {
    //!     db.repo::<Book>().save(&Book { id: 0, author_id: ursula.id, title: title.into() }).await?;
    //! }
    //! let shelves: Vec<(Author, Vec<Book>)> =
    //!     db.repo::<Author>().find().with(Author::BOOKS).all().await?;
    //! assert_eq!(shelves[0].1.len(), 2);
    //! let books: Vec<(Book, Option<Author>)> =
    //!     db.repo::<Book>().find().with(Book::AUTHOR).all().await?;
    //! assert!(books.iter().all(|(_, a)| a.as_ref().map(|a| a.id) == Some(ursula.id)));
    //! let with_a_lathe =
    //!     db.repo::<Author>().find().filter(Author::BOOKS.any(Book::TITLE.like("%Lathe%"))).count();
    //! assert_eq!(with_a_lathe.await?, 1);
    //! # Ok(()) }
    //! ```

    pub use dal_runtime::{
        BelongsTo, Change, ColumnRef, Comparable, EntityId, FieldChange, Filter, Find, FindWith,
        ForeignKey, HasMany, HasOne, HistoryEntry, Level, Link, Load, Nested, Operation, Order,
        Patch, TableIndex,
    };

    /// The SQL the derive generates for one entity on one backend (`E::statements(dialect)`).
    #[doc(hidden)]
    pub use dal_runtime::Statements;
}

pub mod query {
    //! Raw SQL beyond [`Query`](crate::Query): what [`sql!`] and [`sql_as!`] return, rows read
    //! as types ([`FromRow`]), and each backend's SQL [`Dialect`].
    //!
    //! ```
    //! use dal::query::{Dialect, FromRow};
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = dal::Database::connect("sqlite::memory:").await?;
    //! let query: dal::query::SqlQuery = dal::sql!("SELECT ? + 1", 41);
    //! assert_eq!(query.sql().for_dialect(Dialect::Postgres)?, "SELECT $1 + 1");
    //! let row = query.fetch_one(&db).await?;
    //! let (answer,) = <(i64,) as FromRow>::from_row(&row)?;
    //! assert_eq!(answer, 42);
    //! # Ok(()) }
    //! ```

    pub use dal_runtime::{
        Dialect, DialectSql, ExecResult, FromRow, RowIndex, SqlQuery, TypedSqlQuery,
    };
}

pub mod types {
    //! Column types and parameter values: the chrono, uuid and JSON types entities store, the
    //! [`Column`] trait that says how a Rust type is stored, and [`Value`], what a parameter
    //! becomes ([`IntoValue`]).
    //!
    //! ```
    //! use dal::types::{IntoValue, Uuid, Value};
    //!
    //! assert_eq!(42_i64.into_value(), Value::I64(42));
    //! assert!(matches!(Uuid::nil().into_value(), Value::Uuid(_)));
    //! ```
    //!
    //! `#[derive(dal::Value)]` makes a column type of a newtype (stored as its field) or of a
    //! fieldless enum: text with a `CHECK` listing the variants, or with `repr` the
    //! discriminants.
    //!
    //! ```
    //! use dal::prelude::*;
    //!
    //! #[derive(dal::Value, Debug, Clone, Copy, PartialEq)]
    //! enum Status {
    //!     Draft,
    //!     #[dal(rename = "sent")]
    //!     Shipped,
    //! }
    //!
    //! #[derive(dal::Value, Debug, Clone, Copy, PartialEq)]
    //! #[dal(repr = "i16")]
    //! enum Priority {
    //!     Low = 1,
    //!     High = 2,
    //! }
    //!
    //! #[derive(Entity, Debug, Clone, PartialEq)]
    //! #[dal(table = "parcels")]
    //! struct Parcel {
    //!     #[dal(id)]
    //!     id: i64,
    //!     status: Status,
    //!     priority: Option<Priority>,
    //! }
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = Database::connect("sqlite::memory:").await?;
    //! db.ensure_schema::<Parcel>().await?;
    //! let parcels = db.repo::<Parcel>();
    //! let sent = Parcel { id: 0, status: Status::Shipped, priority: Some(Priority::High) };
    //! let sent = parcels.save(&sent).await?;
    //! let found = parcels.find().filter(Parcel::STATUS.eq(Status::Shipped)).all().await?;
    //! assert_eq!(found, [sent]);
    //!
    //! // The column's CHECK lists the stored values; anything else is refused.
    //! let bad = db.query("UPDATE parcels SET status = 'lost'").execute().await;
    //! assert_eq!(bad.unwrap_err().kind(), dal::ErrorKind::Constraint);
    //! # Ok(()) }
    //! ```

    pub use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
    pub use dal_runtime::{
        BoolDefault, Column, FloatDefault, IntegerDefault, IntoValue, Kind, MaxLength, NowDefault,
        TextDefault, Value,
    };
    /// `rust_decimal::Decimal`: stored exactly on every backend (see [`DecimalColumn`]).
    pub use rust_decimal::Decimal;
    /// `serde_json::Value`, a JSON document without a Rust type (a column type of its own).
    /// For a document of a serde type of yours, use [`crate::Json<T>`](crate::Json); this name
    /// stays `serde_json::Value` so code written against it keeps compiling.
    pub use serde_json::Value as Json;
    pub use uuid::Uuid;

    /// A column type stored as a SQL decimal, which takes `#[dal(precision = p, scale = s)]`.
    ///
    /// ```
    /// use dal::prelude::*;
    /// use dal::types::Decimal;
    ///
    /// #[derive(Entity, Debug, Clone)]
    /// #[dal(table = "invoices")]
    /// struct Invoice {
    ///     #[dal(id)]
    ///     id: i64,
    ///     #[dal(precision = 19, scale = 4)]
    ///     total: Decimal,
    ///     #[dal(precision = 5, scale = 2)]
    ///     discount: Option<Decimal>,
    ///     unbounded: Decimal, // NUMERIC, DECIMAL(65, 28): any Decimal, exactly
    /// }
    ///
    /// let ddl = |d| <Invoice as dal::Entity>::statements(d).create_table;
    /// let pg = ddl(dal::query::Dialect::Postgres);
    /// assert!(pg.contains(r#""total" NUMERIC(19, 4) NOT NULL, "discount" NUMERIC(5, 2)"#));
    /// assert!(ddl(dal::query::Dialect::MySql).contains("`unbounded` DECIMAL(65, 28) NOT NULL"));
    /// let sqlite = ddl(dal::query::Dialect::Sqlite);
    /// assert!(sqlite.contains(r#""total" TEXT COLLATE dal_decimal NOT NULL"#), "{sqlite}");
    /// ```
    pub use dal_runtime::DecimalColumn;
}

pub mod driver {
    //! The driver trait set: how a new backend plugs into dal. Implement [`Driver`] (opens
    //! connections), [`DriverConnection`] (runs statements, streams rows, runs transaction
    //! control) and [`RowSource`] (reads a row's columns as [`Value`]s); hand the driver to
    //! [`Pool::with_driver`](crate::pool::Pool::with_driver). Everything above the driver —
    //! `?` placeholders, deadlines, retries, breakers, transactions, entities, history,
    //! metrics — is dal's. The built-in drivers implement the same traits ([`SqlxDriver`]), so
    //! a driver can also wrap one.
    //!
    //! ```
    //! use std::sync::Arc;
    //! use std::sync::atomic::{AtomicUsize, Ordering};
    //!
    //! use dal::driver::{BoxFuture, Driver, DriverConnection, SqlxDriver};
    //! use dal::pool::Pool;
    //! use dal::{Backend, Database, DbConfig};
    //!
    //! /// Counts connections, and otherwise is the built-in SQLite driver.
    //! struct Counting(SqlxDriver, Arc<AtomicUsize>);
    //!
    //! impl Driver for Counting {
    //!     fn backend(&self) -> Backend {
    //!         self.0.backend()
    //!     }
    //!     fn name(&self) -> &'static str {
    //!         "counting-sqlite"
    //!     }
    //!     fn connect<'a>(
    //!         &'a self,
    //!         config: &'a DbConfig,
    //!     ) -> BoxFuture<'a, dal::Result<Box<dyn DriverConnection>>> {
    //!         self.1.fetch_add(1, Ordering::Relaxed);
    //!         self.0.connect(config)
    //!     }
    //! }
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! # let file = std::env::temp_dir().join(format!("dal-driver-doc-{}.db", std::process::id()));
    //! let opened = Arc::new(AtomicUsize::new(0));
    //! let config = DbConfig::from_url(&format!("sqlite://{}", file.display()))?;
    //! let driver = Counting(SqlxDriver::new(Backend::Sqlite), Arc::clone(&opened));
    //! let db = Database::from_pool(Pool::with_driver(config, driver)?);
    //! let n: i64 = db.query("SELECT ? + 1").bind(41_i64).fetch_one().await?.get(0)?;
    //! assert_eq!(n, 42);
    //! assert_eq!(db.server_info().await?.driver, "counting-sqlite");
    //! assert_eq!(opened.load(Ordering::Relaxed), 1);
    //! # let _ = std::fs::remove_file(&file);
    //! # Ok(()) }
    //! ```
    pub use dal_runtime::driver::{
        BoxFuture, BoxStream, DECIMAL_COLLATION, Driver, DriverConnection, ExecResult, RowSource,
        SqlxDriver, Statement, compare_decimal_text, decimal_from_real, decimal_from_text,
        unreadable,
    };
    pub use dal_runtime::{Kind, Row, Value};
}

pub mod pool {
    //! Pools: one per configuration, created lazily and shared by every
    //! [`Database`](crate::Database) made from an equal configuration; their options, status
    //! and metrics; and the [`PoolManager`] that lists, checks and closes them.
    //!
    //! ```
    //! use std::time::Duration;
    //!
    //! use dal::pool::{PoolManager, PoolOptions};
    //! use dal::{Database, DbConfig};
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! # let file = std::env::temp_dir().join(format!("dal-pool-doc-{}.db", std::process::id()));
    //! // A file: an in-memory SQLite database lives in one connection.
    //! let url = format!("sqlite://{}", file.display());
    //! let options =
    //!     PoolOptions::default().max_connections(4).acquire_timeout(Duration::from_secs(2));
    //! let db = Database::connect(DbConfig::from_url(&url)?.pool_options(options)).await?;
    //! db.query("SELECT 1").execute().await?;
    //!
    //! let status = db.pool().status();
    //! assert_eq!(status.max, 4);
    //! assert!(db.pool().metrics().statements >= 1);
    //! assert!(PoolManager::global().status(db.pool().hash()).is_some());
    //! assert!(db.pool().close(Duration::from_secs(1)).await); // closed in time
    //! # std::fs::remove_file(&file).ok();
    //! # Ok(()) }
    //! ```

    pub use dal_runtime::{
        LeakedConnection, Pool, PoolHealth, PoolManager, PoolMetrics, PoolOptions, PoolStatus,
        PooledConnection, Priority, RateLimit,
    };
}

pub mod resilience {
    //! Repeating what is safe to repeat ([`retry`] with a [`RetryPolicy`] and [`Backoff`]),
    //! failing fast while a dependency is down ([`CircuitBreaker`]; each pool has one, set with
    //! `PoolOptions::breaker`), and counting slow calls ([`track_slow`], [`slow_calls`]).
    //!
    //! ```
    //! use std::time::Duration;
    //!
    //! use dal::resilience::{BreakerOptions, CircuitBreaker, RetryPolicy, retry};
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = dal::Database::connect("sqlite::memory:").await?;
    //! // Reads are safe to repeat: retryable errors run again, with jittered backoff, within 5 s.
    //! let policy = RetryPolicy::new(3).budget(Duration::from_secs(5));
    //! let rows = retry(policy, || db.query("SELECT 1").fetch_all()).await?;
    //! assert_eq!(rows.len(), 1);
    //!
    //! // A breaker of your own, around calls to anything that can go down.
    //! let options = BreakerOptions::default().failure_threshold(3);
    //! let breaker = CircuitBreaker::new("payments", options);
    //! let answer = breaker.call(|| async { Ok::<_, dal::Error>(42) }).await?;
    //! assert_eq!(answer, 42);
    //! # Ok(()) }
    //! ```

    pub use dal_macros::track_slow;
    pub use dal_runtime::{
        Admission, Backoff, BreakerHealth, BreakerOptions, BreakerReport, BreakerState,
        CircuitBreaker, FailureCategory, RetryPolicy, retry, slow_calls,
    };
}

pub mod observe {
    //! What a pool tells about its health: a [`HealthReport`] with a 0-100 score and advice, the
    //! [`ScalingSignal`] from the timeout rate, the slowest statements by fingerprint
    //! ([`SlowQuery`]), latency [`Percentiles`] and [`StatementCacheStats`] (both inside
    //! `PoolMetrics`).
    //!
    //! ```
    //! use dal::observe::{HealthReport, ScalingSignal};
    //!
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let db = dal::Database::connect("sqlite::memory:").await?;
    //! db.query("SELECT 1").execute().await?;
    //! let report: HealthReport = db.pool().health_report();
    //! assert_eq!(report.signal, ScalingSignal::Normal); // no timeouts
    //! assert_eq!(db.pool().scaling_signal(), ScalingSignal::Normal);
    //! assert_eq!(ScalingSignal::from_timeout_rate(0.02), ScalingSignal::ScaleVertically);
    //! let durations = db.pool().metrics().query_duration; // Percentiles
    //! assert!(durations.count >= 1);
    //! # Ok(()) }
    //! ```

    pub use dal_runtime::{
        HealthReport, Percentiles, ScalingSignal, SlowQuery, StatementCacheStats,
    };
}

pub mod cluster {
    //! Growing past one machine: a primary with read replicas and failover candidates
    //! ([`ClusterConfig`], `Database::connect_cluster`), and routing by a shard key over several
    //! databases ([`ShardedDatabase`]).
    //!
    //! ```
    //! use dal::Database;
    //! use dal::cluster::{ClusterConfig, ReplicaSelection, ShardedDatabase};
    //!
    //! # async fn replicas() -> dal::Result<()> {
    //! let db = Database::connect_cluster(
    //!     ClusterConfig::new("postgres://app@db1/shop")
    //!         .failover_to("postgres://app@db2/shop")
    //!         .replica("postgres://app@db2/shop")
    //!         .replica_selection(ReplicaSelection::LeastBusy),
    //! )
    //! .await?;
    //! db.query("SELECT 1").fetch_all().await?; // a replica
    //! db.on_primary().query("SELECT 1").fetch_all().await?; // the primary
    //! # Ok(()) }
    //! # #[tokio::main(flavor = "current_thread")]
    //! # async fn main() -> dal::Result<()> {
    //! let shards = vec![
    //!     Database::connect("sqlite::memory:").await?,
    //!     Database::connect("sqlite::memory:").await?,
    //! ];
    //! let sharded = ShardedDatabase::hashed(shards)?;
    //! let tenant = sharded.shard(&"tenant-42")?; // the same shard for this key, in every process
    //! tenant.query("SELECT 1").fetch_all().await?;
    //! # Ok(()) }
    //! ```

    pub use dal_runtime::{
        ClusterConfig, ClusterStatus, ReplicaSelection, ReplicaStatus, ShardKey, ShardedDatabase,
        ShardedEntity,
    };
}

pub mod prelude {
    //! The common names: `use dal::prelude::*;`.

    pub use crate::resilience::track_slow;
    pub use crate::types::{DateTime, NaiveDate, NaiveDateTime, Utc, Uuid};
    pub use crate::{
        Database, DbConfig, Entity, Error, ErrorKind, Result, Transaction, auto_transaction, sql,
        sql_as,
    };
}

/// What generated code reaches the runtime through. Not public API: the names here change
/// whenever the macros need them to.
#[doc(hidden)]
pub mod __private {
    pub use chrono::{DateTime, Utc};
    pub use dal_macros::{sql, sql_as};
    pub use dal_runtime::__const_concat as const_concat;
    pub use dal_runtime::const_concat::unless_empty;
    pub use dal_runtime::takes_precision;
    pub use dal_runtime::{
        BelongsTo, Column, ColumnRef, DeletedAtField, Dialect, Entity, EntityId, HasMany, HasOne,
        Kind, Patch, Result, Row, ShardedEntity, Statements, TableIndex, TimestampField, Value,
        VersionField, foreign_key,
    };
    pub use dal_runtime::{
        BoolDefault, FloatDefault, IntegerDefault, MaxLength, NowDefault, TextDefault,
        integer_default_fits,
    };
    pub use dal_runtime::{
        Database, DialectSql, IntoValue, IsolationLevel, Propagation, ScopeOptions, SlowCallGuard,
        SqlQuery, TransactionOptions, body_handle, run_in_transaction, run_once_in_transaction,
    };
    pub use std::borrow::Cow;
    pub use std::boxed::Box;
    pub use std::option::Option;
    pub use std::option::Option::{None, Some};
    pub use std::result::Result::{Err, Ok};
    pub use std::string::String;
    pub use std::time::Duration;
    pub use std::vec;
    pub use std::vec::Vec;
}
