//! [`Database`]: the handle users hold. It routes each operation either to its pool (a fresh
//! connection per call) or to one pinned connection (a [`Connection`] guard or a
//! [`Transaction`]), so queries, repositories and schema calls are written once for all three.
//! A handle of a cluster also routes reads to replicas (`reads.rs`).

mod reads;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::SqlStr;

use dal_sql::Dialect;
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};

use crate::cluster::{Cluster, ClusterConfig, ClusterStatus};
use crate::config::Backend;
use crate::config::{DbConfig, IntoConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{Pool, PoolManager, PooledConnection, Priority};
use crate::query::Query;
use crate::transaction::{Transaction, TransactionOptions, ambient};

/// What a server reports about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The backend.
    pub backend: Backend,
    /// The server's version string, e.g. `15.19 (Debian 15.19-0+deb12u1)` or
    /// `10.11.19-MariaDB-0+deb12u1`.
    pub version: String,
    /// The driver dal uses, e.g. `sqlx-postgres`.
    pub driver: &'static str,
    /// Whether the pool's sessions are encrypted (see [`crate::PoolStatus::encrypted`]).
    pub encrypted: Option<bool>,
}

/// A connection pinned to a handle, with the transaction nesting on it.
pub(crate) struct Pinned {
    /// Shared so that a statement joining a task's transaction through another handle can
    /// hold the lock without borrowing the handle that owns it (see `Lease::Joined`).
    pub(crate) state: Arc<Mutex<PinnedState>>,
    /// Depth of the outermost dropped-but-unfinished transaction to roll back before the next
    /// statement; 0 when none. Set from `Drop`, which cannot await the lock.
    pending_rollback: AtomicU32,
}

impl std::fmt::Debug for Pinned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Pinned");
        // Never waits: while an operation holds the connection, its state is left out.
        let state = self.state.try_lock().ok();
        if let Some(state) = &state {
            d.field("transaction_depth", &state.depth).field("connection", &state.conn);
        }
        d.field("pending_rollback", &self.pending_rollback.load(Ordering::Acquire));
        if state.is_some() { d.finish() } else { d.finish_non_exhaustive() }
    }
}

impl Pinned {
    /// Asks for a rollback to transaction depth `depth` before the next statement.
    pub(crate) fn roll_back_later(&self, depth: u32) {
        let _ = self.pending_rollback.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
            Some(if cur == 0 { depth } else { cur.min(depth) })
        });
    }

    /// Runs a rollback asked for by a dropped transaction, if any.
    async fn settle(&self, state: &mut PinnedState, dialect: Dialect) -> Result<()> {
        let target = self.pending_rollback.swap(0, Ordering::AcqRel);
        if target == 0 || state.depth < target {
            return Ok(());
        }
        let Some(conn) = state.conn.as_mut() else {
            return Ok(());
        };
        if target == 1 {
            conn.end_transaction(SqlStr::from_static("ROLLBACK")).await?;
        } else {
            let text = dialect.rollback_to_savepoint_sql(target);
            conn.execute_unprepared(crate::driver::sql(text)).await?;
        }
        state.depth = target - 1;
        Ok(())
    }
}

#[derive(Debug)]
pub(crate) struct PinnedState {
    /// `None` once the guard or transaction that owned it finished.
    pub(crate) conn: Option<PooledConnection>,
    /// 0: no transaction; 1: a transaction; n > 1: n - 1 savepoints inside it.
    pub(crate) depth: u32,
}

/// A handle to a database. Cheap to clone; clones share the pool.
///
/// ```no_run
/// # async fn demo() -> dal_runtime::Result<()> {
/// use dal_runtime::Database;
/// let db = Database::connect("sqlite::memory:").await?;
/// db.query("CREATE TABLE t (x INTEGER)").execute().await?;
/// db.query("INSERT INTO t (x) VALUES (?)").bind(42_i64).execute().await?;
/// let x: i64 = db.query("SELECT x FROM t").fetch_one().await?.get(0)?;
/// assert_eq!(x, 42);
/// # Ok(()) }
/// ```
///
/// `Debug` shows the pool (its configuration as a URL without the password, alias, hash and
/// use), the cluster, the pinned connection and transaction depth, the priority and the tags;
/// never the password or the driver's connect options.
#[derive(Clone)]
pub struct Database {
    /// The pool of a single database; for a cluster, the primary's pool when the handle was
    /// made (writes follow [`Cluster`]'s current primary instead), and for a pinned handle,
    /// its connection's pool.
    pool: Pool,
    /// The primary, failover candidates and replicas, for a handle of a cluster.
    cluster: Option<Arc<Cluster>>,
    /// Reads go to the primary even where a replica could serve them ([`Database::on_primary`]).
    reads_on_primary: bool,
    pinned: Option<Arc<Pinned>>,
    /// The priority this handle acquires connections at.
    priority: Priority,
    /// Tags added to every statement run through this handle.
    tags: Option<Arc<[(String, String)]>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .field("pool", self.primary_pool())
            .field("cluster", &self.cluster)
            .field("reads_on_primary", &self.reads_on_primary)
            .field("pinned", &self.pinned)
            .field("priority", &self.priority)
            .field("tags", &self.tags())
            .finish()
    }
}

/// Where one operation runs: a connection taken from the pool for this call only, the
/// pinned connection, locked for the call, or the connection of the task's transaction
/// scope (joined by a handle without one of its own), locked for the call.
#[allow(
    clippy::large_enum_variant,
    reason = "a lease lives on the stack for one call; boxing would allocate on every query"
)]
pub(crate) enum Lease<'a> {
    Pooled(PooledConnection),
    Pinned(MutexGuard<'a, PinnedState>),
    Joined(OwnedMutexGuard<PinnedState>),
}

impl Lease<'_> {
    /// The pinned state (transaction depth), when the lease is of a pinned connection.
    pub(crate) fn pinned_state(&mut self) -> Option<&mut PinnedState> {
        match self {
            Lease::Pooled(_) => None,
            Lease::Pinned(state) => Some(state),
            Lease::Joined(state) => Some(state),
        }
    }

    pub(crate) fn conn(&mut self) -> Result<&mut PooledConnection> {
        let state = match self {
            Lease::Pooled(c) => return Ok(c),
            Lease::Pinned(state) => &mut **state,
            Lease::Joined(state) => &mut **state,
        };
        state.conn.as_mut().ok_or_else(|| {
            Error::new(
                ErrorKind::Closed,
                "this handle's connection was released: its transaction or connection guard already finished",
            )
        })
    }
}

impl Database {
    /// Connects: finds or creates the shared pool for this configuration, checks the database
    /// answers, and opens `min_connections`.
    pub async fn connect(config: impl IntoConfig) -> Result<Self> {
        let db = Self::connect_lazy(config)?;
        db.pool.health_check().await?;
        db.pool.warm_up().await?;
        Ok(db)
    }

    /// Like [`Database::connect`] but opens no connection until the first operation.
    pub fn connect_lazy(config: impl IntoConfig) -> Result<Self> {
        let config = config.into_config()?;
        let pool = PoolManager::global().pool(&config)?;
        Ok(Database::from_pool(pool))
    }

    /// A handle over a pool of your own (not shared through the [`PoolManager`]).
    pub fn from_pool(pool: Pool) -> Self {
        Database {
            pool,
            cluster: None,
            reads_on_primary: false,
            pinned: None,
            priority: Priority::Normal,
            tags: None,
        }
    }

    /// Connects to a cluster: a primary, the candidates that may take over from it, and read
    /// replicas (see [`ClusterConfig`]). Finds the candidate that accepts writes (an error when
    /// none does), checks every replica once (one that is down only starts out of rotation),
    /// and starts a task that keeps checking them.
    ///
    /// Reads outside a transaction (statements [`Dialect::is_read_only`] accepts, entity
    /// `get`, `find`, `count`, history) go to a healthy replica; writes and everything in a
    /// transaction go to the primary; [`Database::on_primary`] and [`Query::on_primary`] send
    /// a read to the primary (to read your own writes). A read whose replica fails to connect
    /// or loses its connection moves on to the next replica, then the primary, so it does not
    /// fail for that; a statement error (a syntax error, a timeout) is returned as it is.
    pub async fn connect_cluster(config: ClusterConfig) -> Result<Self> {
        let cluster = Cluster::connect(config).await?;
        let mut db = Database::from_pool(cluster.primaries.current().clone());
        db.cluster = Some(cluster);
        Ok(db)
    }

    /// A handle whose reads all go to the primary, for reading what was just written
    /// (replicas may lag behind). The same as any handle outside a cluster.
    pub fn on_primary(&self) -> Database {
        Database { reads_on_primary: true, ..self.clone() }
    }

    /// Where this cluster sends work and how its replicas are; `None` outside a cluster.
    pub fn cluster_status(&self) -> Option<ClusterStatus> {
        self.cluster.as_ref().map(|c| c.status())
    }

    /// The pool writes go to: the current primary for a handle of a cluster (it changes on
    /// failover), the pinned connection's pool for a transaction or connection guard.
    fn primary_pool(&self) -> &Pool {
        match (&self.cluster, &self.pinned) {
            (Some(cluster), None) => cluster.primaries.current(),
            _ => &self.pool,
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// The SQL dialect of the backend.
    pub fn dialect(&self) -> Dialect {
        self.backend().dialect()
    }

    /// The configuration (password redacted in every printed form); for a cluster, the
    /// current primary's.
    pub fn config(&self) -> &DbConfig {
        self.primary_pool().config()
    }

    /// The pool behind this handle; for a cluster, the current primary's.
    pub fn pool(&self) -> &Pool {
        self.primary_pool()
    }

    /// Whether operations on this handle run inside a transaction: its own (a
    /// [`Transaction`]'s handle), or the transaction scope of the calling task
    /// ([`transaction_scope`](crate::transaction_scope), `#[auto_transaction]`), which a handle
    /// without a connection of its own joins (begun by its first statement).
    pub async fn in_transaction(&self) -> bool {
        match &self.pinned {
            Some(p) => p.state.lock().await.depth > 0,
            None => ambient::frame_for(self).is_some(),
        }
    }

    /// Borrows one connection for several operations; it goes back to the pool when the
    /// guard drops. Inside a transaction scope, the guard's connection is its own: its
    /// statements run outside the scope's transaction.
    pub async fn connection(&self) -> Result<Connection> {
        if self.pinned.is_some() {
            return Err(Error::usage(
                "this handle already has a connection of its own; run the work on it directly",
            ));
        }
        let conn = self.acquire().await?;
        Ok(Connection { db: self.pinned_to(conn, 0) })
    }

    /// Begins a transaction; on a handle that is already in one (its own, or the task's
    /// transaction scope), a savepoint inside it.
    ///
    /// Commit with [`Transaction::commit`]; a transaction dropped without commit rolls back.
    pub async fn begin(&self) -> Result<Transaction> {
        self.begin_with(TransactionOptions::new()).await
    }

    /// Begins a transaction with an isolation level or read-only mode.
    pub async fn begin_with(&self, options: TransactionOptions) -> Result<Transaction> {
        match ambient::frame_for(self) {
            Some(frame) => match frame.handle_for(self).await? {
                Some(joined) => Transaction::begin(&joined, options).await,
                None => Transaction::begin(self, options).await,
            },
            None => Transaction::begin(self, options).await,
        }
    }

    /// The server's version and the driver dal talks to it with.
    pub async fn server_info(&self) -> Result<ServerInfo> {
        let row = self.query(self.dialect().server_version_sql()).fetch_one().await?;
        Ok(ServerInfo {
            backend: self.backend(),
            version: row.get(0)?,
            driver: self.pool().driver_name(),
            encrypted: self.pool().status().encrypted,
        })
    }

    /// Starts a raw query with `?` placeholders. On a handle of a cluster, a fetched query
    /// that only reads goes to a replica (see [`Database::connect_cluster`]).
    pub fn query<'a>(&'a self, sql: &'a str) -> Query<'a> {
        Query::new(self, sql)
    }

    pub(crate) fn pinned_to(&self, conn: PooledConnection, depth: u32) -> Database {
        Database {
            pool: conn.pool(),
            cluster: self.cluster.clone(),
            reads_on_primary: self.reads_on_primary,
            priority: self.priority,
            tags: self.tags.clone(),
            pinned: Some(Arc::new(Pinned {
                state: Arc::new(Mutex::new(PinnedState { conn: Some(conn), depth })),
                pending_rollback: AtomicU32::new(0),
            })),
        }
    }

    /// A handle on the same pool whose operations acquire connections at `priority`
    /// (see [`Priority`]): give batch jobs a [`Priority::Bulk`] handle so requests users wait
    /// on keep finding connections.
    pub fn with_priority(&self, priority: Priority) -> Database {
        Database { priority, ..self.clone() }
    }

    /// A handle that adds the tag `key = value` to every statement it runs (entity
    /// operations included), after the tags it has already, and before a query's own
    /// [`Query::tag`]s. Sent as a sqlcommenter comment, like [`Query::tag`].
    ///
    /// ```
    /// # async fn demo(db: &dal_runtime::Database) -> dal_runtime::Result<()> {
    /// let jobs = db.with_tag("job", "nightly-report");
    /// jobs.query("DELETE FROM sessions WHERE expires_at < ?").bind("2026-01-01").execute().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_tag(&self, key: impl Into<String>, value: impl Into<String>) -> Database {
        let mut tags: Vec<(String, String)> = self.tags().to_vec();
        tags.push((key.into(), value.into()));
        Database { tags: Some(tags.into()), ..self.clone() }
    }

    /// This handle without its connection: a handle on the same pool(s), with the same
    /// priority and tags.
    pub(crate) fn unpinned(&self) -> Database {
        Database { pinned: None, ..self.clone() }
    }

    /// This handle with `other`'s tags and then `tags`.
    pub(crate) fn with_tags_of(&self, other: &Database, tags: &[(&str, &str)]) -> Database {
        Database { tags: other.tags.clone(), ..self.clone() }.with_tags(tags)
    }

    /// The tags a statement through this handle carries: the handle's, then those of the
    /// transaction scope it joins.
    pub(crate) fn statement_tags(&self) -> std::borrow::Cow<'_, [(String, String)]> {
        match ambient::frame_for(self).filter(|f| !f.tags().is_empty()) {
            Some(frame) => [self.tags(), frame.tags()].concat().into(),
            None => self.tags().into(),
        }
    }

    /// A handle with `tags` added (see [`Database::with_tag`]).
    pub(crate) fn with_tags(&self, tags: &[(&str, &str)]) -> Database {
        if tags.is_empty() {
            return self.clone();
        }
        let mut all: Vec<(String, String)> = self.tags().to_vec();
        all.extend(tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Database { tags: Some(all.into()), ..self.clone() }
    }

    /// The tags this handle adds to its statements.
    pub fn tags(&self) -> &[(String, String)] {
        self.tags.as_deref().unwrap_or(&[])
    }

    /// Takes a connection from the pool at this handle's priority.
    pub(crate) async fn acquire(&self) -> Result<PooledConnection> {
        let pool = self.primary_pool();
        match pool.acquire_with(self.priority).await {
            // With candidates to fail over to, a primary whose breaker opened is a primary being
            // replaced: the caller should retry, as after any lost connection.
            Err(e)
                if e.kind() == ErrorKind::CircuitOpen
                    && self.cluster.as_ref().is_some_and(|c| c.primaries.can_fail_over()) =>
            {
                Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "the primary at {} is unavailable and dal is looking for the candidate that accepts writes; retry shortly",
                        pool.config().endpoint()
                    ),
                )
                .with_source(e))
            }
            result => result,
        }
    }

    pub(crate) fn pinned(&self) -> Option<&Arc<Pinned>> {
        self.pinned.as_ref()
    }

    /// The connection the next operation runs on: this handle's own, else the one of the
    /// task's transaction scope on this pool (see `transaction/ambient.rs`), else one from
    /// the pool for this operation. Every statement finds its connection here.
    pub(crate) async fn lease(&self) -> Result<Lease<'_>> {
        match &self.pinned {
            Some(p) => {
                let mut state = p.state.lock().await;
                p.settle(&mut state, self.dialect()).await?;
                Ok(Lease::Pinned(state))
            }
            None => match ambient::frame_for(self) {
                // Boxed: the joined path's futures would otherwise nest inside every
                // statement's future type, past the compiler's depth limit in callers' crates.
                Some(frame) => Box::pin(frame.lease(self)).await,
                None => Ok(Lease::Pooled(self.acquire().await?)),
            },
        }
    }

    /// The pinned connection, locked without borrowing this handle (for a statement of
    /// another handle joining the transaction this one is pinned to).
    pub(crate) async fn lease_shared(&self) -> Result<Lease<'static>> {
        let Some(p) = &self.pinned else {
            return Ok(Lease::Pooled(self.acquire().await?));
        };
        let mut state = Arc::clone(&p.state).lock_owned().await;
        p.settle(&mut state, self.dialect()).await?;
        Ok(Lease::Joined(state))
    }
}

impl Database {
    /// The connection `sql` runs on, after warning when `sql` would commit the open
    /// transaction implicitly (see [`Lease::warn_if_implicit_commit`]).
    pub(crate) async fn lease_for(&self, sql: &str) -> Result<Lease<'_>> {
        let mut lease = self.lease().await?;
        lease.warn_if_implicit_commit(self.dialect(), sql);
        Ok(lease)
    }
}

impl Lease<'_> {
    /// Logs a warning when `sql` would commit the open transaction of this lease implicitly
    /// (DDL on MySQL/MariaDB): a later rollback cannot undo the work before it.
    pub(crate) fn warn_if_implicit_commit(&mut self, dialect: Dialect, sql: &str) {
        let in_transaction = self.pinned_state().is_some_and(|s| s.depth > 0);
        if in_transaction && dialect.implicitly_commits(sql) {
            tracing::warn!(
                backend = %dialect,
                "DDL inside a transaction: {dialect} commits the transaction before it, so a later rollback cannot undo the work done so far"
            );
        }
    }
}

/// A connection held for several operations; derefs to a [`Database`] handle bound to it.
/// Returned to the pool on drop.
///
/// `Debug` shows the handle bound to the connection (see [`Database`]'s).
pub struct Connection {
    db: Database,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("db", &self.db).finish()
    }
}

impl std::ops::Deref for Connection {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        release_pinned(&self.db);
    }
}

/// Gives the pinned connection back now, even if clones of the handle are still alive (they
/// then fail with a closed error). When the lock is busy the last clone to drop gives it back.
pub(crate) fn release_pinned(db: &Database) {
    if let Some(mut state) = db.pinned().and_then(|p| p.state.try_lock().ok()) {
        state.conn.take();
    }
}
