//! The synchronous API: the same operations as the async one, for code without an async
//! runtime (scripts, CLIs, sync web frameworks, tests).
//!
//! A blocking [`Database`] owns a small Tokio runtime (one worker thread) and a private pool
//! bound to it; every call blocks the calling thread until the operation is done. Calling it
//! from inside an async runtime would stall that runtime's thread, so it returns a
//! [`ErrorKind::Usage`] error there instead of panicking or deadlocking: use the async API.
//!
//! On SQLite the pool runs on the rusqlite driver (`dal-rusqlite`, the default `rusqlite`
//! feature): each statement runs on the calling thread, inside the call, with rusqlite's
//! prepared-statement cache, instead of crossing to sqlx's SQLite worker thread. Files,
//! options, values and error categories are the built-in driver's. A query timeout still stops
//! a statement that is running: the handle's runtime thread sets SQLite's interrupt flag at the
//! deadline while the calling thread runs the statement.
//!
//! ```
//! use dal::blocking::Database;
//!
//! let db = Database::connect("sqlite::memory:")?;
//! db.query("CREATE TABLE t (x INTEGER)").execute()?;
//! db.query("INSERT INTO t (x) VALUES (?)").bind(7_i64).execute()?;
//! let tx = db.begin()?;
//! tx.query("INSERT INTO t (x) VALUES (?)").bind(8_i64).execute()?;
//! drop(tx); // rolled back
//! let n: i64 = db.query("SELECT COUNT(*) FROM t").fetch_one()?.get(0)?;
//! assert_eq!(n, 1);
//! # Ok::<(), dal::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use dal_runtime::{
    Backend, DbConfig, Entity, Error, ErrorKind, FromRow, IntoConfig, IntoValue, Pool, Result, Row,
    ScopeOptions, ServerInfo, ThreadScope, TransactionOptions,
};
use tokio::runtime::Runtime;

/// Whether the calling thread is inside a Tokio runtime (where `dal::blocking` refuses to run).
pub use dal_runtime::in_tokio_runtime;

/// Runs `fut` to completion on `rt`, unless the caller is inside an async runtime.
fn block_on<F: Future>(rt: &Runtime, fut: F) -> Result<F::Output> {
    if in_tokio_runtime() {
        return Err(Error::new(
            ErrorKind::Usage,
            "dal::blocking cannot run inside an async runtime: blocking would stall its thread; use the async API (dal::Database) there",
        ));
    }
    // Pinned on the heap: the runtime moves the future it is given several times on the way
    // in, and an operation's future is kilobytes (a fifth of a cheap query's time went to
    // copying it); a box moves as a pointer. Inside a `transaction_scope` closure the
    // operation joins the scope's transaction (the thread's scope goes along with it).
    Ok(rt.block_on(Box::pin(dal_runtime::in_thread_scope(fut))))
}

/// The pool of a blocking handle: on SQLite the rusqlite driver's, elsewhere the built-in one.
fn private_pool(config: DbConfig) -> Result<Pool> {
    #[cfg(feature = "rusqlite")]
    if config.backend() == Backend::Sqlite {
        return Pool::with_driver(config, dal_rusqlite::RusqliteDriver::new());
    }
    Pool::new(config)
}

/// A blocking handle to a database. Cheap to clone; clones share the pool and the runtime.
///
/// `Debug` shows the async handle it wraps (see [`crate::Database`]'s: no password); the
/// runtime is left out.
#[derive(Clone)]
pub struct Database {
    inner: dal_runtime::Database,
    rt: Arc<Runtime>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl Database {
    /// Connects with a private pool (not shared with async handles: its connections belong to
    /// this handle's runtime).
    pub fn connect(config: impl IntoConfig) -> Result<Self> {
        let config = config.into_config()?;
        if in_tokio_runtime() {
            return block_on_error();
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("dal-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Other,
                    format!("cannot start the runtime of dal::blocking: {e}"),
                )
            })?;
        let inner = dal_runtime::Database::from_pool(private_pool(config)?);
        block_on(&rt, async {
            inner.pool().health_check().await?;
            inner.pool().warm_up().await
        })??;
        Ok(Database { inner, rt: Arc::new(rt) })
    }

    fn run<F: Future<Output = Result<T>>, T>(&self, fut: F) -> Result<T> {
        block_on(&self.rt, fut)?
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }

    /// The configuration (password redacted in every printed form).
    pub fn config(&self) -> &DbConfig {
        self.inner.config()
    }

    /// The pool behind this handle.
    pub fn pool(&self) -> &Pool {
        self.inner.pool()
    }

    /// The async handle this one wraps (for use from inside its runtime only).
    pub fn as_async(&self) -> &dal_runtime::Database {
        &self.inner
    }

    /// Whether operations on this handle run inside a transaction.
    pub fn in_transaction(&self) -> Result<bool> {
        self.run(async { Ok(self.inner.in_transaction().await) })
    }

    /// The server's version and driver.
    pub fn server_info(&self) -> Result<ServerInfo> {
        self.run(self.inner.server_info())
    }

    /// Creates the table of entity `E` when it does not exist.
    pub fn ensure_schema<E: Entity>(&self) -> Result<()> {
        self.run(self.inner.ensure_schema::<E>())
    }

    /// Borrows one connection for several operations; returned to the pool on drop.
    pub fn connection(&self) -> Result<Connection> {
        let conn = self.run(self.inner.connection())?;
        let inner = (*conn).clone();
        Ok(Connection { db: Database { inner, rt: Arc::clone(&self.rt) }, guard: Some(conn) })
    }

    /// Begins a transaction (a savepoint when this handle is already in one).
    pub fn begin(&self) -> Result<Transaction> {
        self.begin_with(TransactionOptions::new())
    }

    /// Begins a transaction with an isolation level or read-only mode.
    pub fn begin_with(&self, options: TransactionOptions) -> Result<Transaction> {
        let tx = self.run(self.inner.begin_with(options))?;
        let inner = (*tx).clone();
        Ok(Transaction { db: Database { inner, rt: Arc::clone(&self.rt) }, tx: Some(tx) })
    }

    /// Runs `body` in a transaction scope on the calling thread: every operation the thread
    /// runs through a handle of this pool (this one, its clones) while `body` runs joins the
    /// scope's transaction, begun by the first of them. `Ok` commits, `Err` and a panic roll
    /// back. Scopes nest as in the async API (`options.propagation`: join, savepoint,
    /// requires_new, mandatory, never); handles of other pools run outside, and so does work
    /// the closure hands to other threads. `options.retries` is not used: the closure runs once.
    ///
    /// ```
    /// use dal::ScopeOptions;
    /// use dal::blocking::Database;
    ///
    /// let db = Database::connect("sqlite::memory:")?;
    /// db.query("CREATE TABLE t (x INTEGER)").execute()?;
    /// let stock = db.clone(); // another service's handle on the same pool
    /// let failed: dal::Result<()> = db.transaction_scope(ScopeOptions::new(), || {
    ///     db.query("INSERT INTO t (x) VALUES (1)").execute()?;
    ///     stock.query("INSERT INTO t (x) VALUES (2)").execute()?;
    ///     Err(dal::Error::new(dal::ErrorKind::Other, "changed my mind"))
    /// });
    /// assert!(failed.is_err());
    /// let n: i64 = db.query("SELECT COUNT(*) FROM t").fetch_one()?.get(0)?;
    /// assert_eq!(n, 0); // both inserts rolled back
    /// # Ok::<(), dal::Error>(())
    /// ```
    pub fn transaction_scope<T, E, F>(
        &self,
        options: ScopeOptions,
        body: F,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
        F: FnOnce() -> std::result::Result<T, E>,
    {
        let scope = self.run(ThreadScope::open(&self.inner, &options))?;
        // Dropped during a panic of `body`: the scope rolls back inside the runtime.
        let scope = InRuntime { scope: Some(scope), rt: &self.rt };
        let result = {
            let _on_this_thread = scope.scope.as_ref().map(ThreadScope::enter_thread);
            body()
        };
        let mut scope = scope;
        let finish = scope.scope.take().map(|s| s.finish(result.is_ok()));
        let finished = match finish {
            Some(fut) => self.run(fut),
            None => Ok(()),
        };
        match result {
            Ok(value) => finished.map(|()| value).map_err(E::from),
            Err(e) => Err(e),
        }
    }

    /// Starts a raw query with `?` placeholders.
    pub fn query<'a>(&'a self, sql: &'a str) -> Query<'a> {
        Query { inner: self.inner.query(sql), rt: &self.rt }
    }

    /// The repository of entity `E` on this handle.
    pub fn repo<E: Entity>(&self) -> Repo<'_, E> {
        Repo { db: self, entity: PhantomData }
    }
}

/// A blocking scope that, dropped unfinished, rolls back inside its handle's runtime.
struct InRuntime<'a> {
    scope: Option<ThreadScope>,
    rt: &'a Runtime,
}

impl Drop for InRuntime<'_> {
    fn drop(&mut self) {
        let _entered = self.rt.enter();
        self.scope.take();
    }
}

fn block_on_error<T>() -> Result<T> {
    Err(Error::new(
        ErrorKind::Usage,
        "dal::blocking cannot run inside an async runtime: blocking would stall its thread; use the async API (dal::Database) there",
    ))
}

/// A blocking query; see [`crate::Query`] for the text rules.
///
/// `Debug` shows the async query it wraps (no password); the runtime is left out.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'a> {
    inner: dal_runtime::Query<'a>,
    rt: &'a Runtime,
}

impl fmt::Debug for Query<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl Query<'_> {
    /// Binds the value of the next `?`.
    pub fn bind(mut self, value: impl IntoValue) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    /// Fails the query with a timeout error when it runs longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.inner = self.inner.timeout(limit);
        self
    }

    /// Adds a sqlcommenter tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner = self.inner.tag(key, value);
        self
    }

    /// Runs the statement; returns the number of rows it changed.
    pub fn execute(self) -> Result<u64> {
        block_on(self.rt, self.inner.execute())?
    }

    /// Runs the query and returns every row.
    pub fn fetch_all(self) -> Result<Vec<Row>> {
        block_on(self.rt, self.inner.fetch_all())?
    }

    /// Runs the query and returns its first row, or `None`.
    pub fn fetch_optional(self) -> Result<Option<Row>> {
        block_on(self.rt, self.inner.fetch_optional())?
    }

    /// Runs the query and returns its first row; a not-found error when there is none.
    pub fn fetch_one(self) -> Result<Row> {
        block_on(self.rt, self.inner.fetch_one())?
    }

    /// Every row, as `T`.
    pub fn fetch_all_as<T: FromRow>(self) -> Result<Vec<T>> {
        block_on(self.rt, self.inner.fetch_all_as())?
    }

    /// Runs the statement once per parameter set, all or nothing.
    pub fn execute_many<R, V>(self, rows: R) -> Result<u64>
    where
        R: IntoIterator,
        R::Item: IntoIterator<Item = V>,
        V: IntoValue,
    {
        block_on(self.rt, self.inner.execute_many(rows))?
    }
}

/// A blocking transaction: derefs to a [`Database`] whose operations run inside it; rolled
/// back when dropped without [`Transaction::commit`].
///
/// `Debug` shows the async transaction it wraps (`None` once committed or rolled back; no
/// password); the runtime is left out.
#[must_use = "a transaction rolls back when dropped; call commit() to keep its work"]
pub struct Transaction {
    db: Database,
    tx: Option<dal_runtime::Transaction>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction").field("tx", &self.tx).finish_non_exhaustive()
    }
}

impl Transaction {
    /// Makes the work permanent.
    pub fn commit(mut self) -> Result<()> {
        match self.tx.take() {
            Some(tx) => self.db.run(tx.commit()),
            None => Ok(()),
        }
    }

    /// Undoes the work.
    pub fn rollback(mut self) -> Result<()> {
        match self.tx.take() {
            Some(tx) => self.db.run(tx.rollback()),
            None => Ok(()),
        }
    }
}

impl Deref for Transaction {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        // The rollback of a dropped transaction runs on a task: give it the runtime.
        let _entered = self.db.rt.enter();
        self.tx.take();
    }
}

/// A blocking connection guard: derefs to a [`Database`] bound to one connection.
///
/// `Debug` shows the async guard it wraps (no password); the runtime is left out.
pub struct Connection {
    db: Database,
    guard: Option<dal_runtime::Connection>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("guard", &self.guard).finish_non_exhaustive()
    }
}

impl Deref for Connection {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _entered = self.db.rt.enter();
        self.guard.take();
    }
}

/// Blocking typed CRUD for entity `E`.
///
/// `Debug` shows the entity, its table and the handle (no password).
pub struct Repo<'a, E> {
    db: &'a Database,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> fmt::Debug for Repo<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repo")
            .field("entity", &E::TYPE_NAME)
            .field("table", &E::TABLE)
            .field("db", self.db)
            .finish()
    }
}

impl<E: Entity> Repo<'_, E> {
    /// Reads the entity with `id`; `None` when there is no such row.
    pub fn get(&self, id: E::Id) -> Result<Option<E>> {
        self.db.run(self.db.inner.repo::<E>().get(id))
    }

    /// Inserts the entity when it is new and updates it otherwise.
    pub fn save(&self, entity: &E) -> Result<E>
    where
        E: Clone,
    {
        self.db.run(self.db.inner.repo::<E>().save(entity))
    }

    /// Deletes the row for good; returns whether there was one.
    pub fn delete_permanently(&self, id: E::Id) -> Result<bool> {
        self.db.run(self.db.inner.repo::<E>().delete_permanently(id))
    }
}
