//! The ambient transaction: the transaction that follows a task. While a transaction scope
//! runs (an `#[auto_transaction]` body, [`transaction_scope`](super::transaction_scope)),
//! every statement the task issues through an unpinned [`Database`] handle joins it, whichever
//! handle that is: a service's own field, a nested service's, a handle made by `connect` from
//! an equal configuration.
//!
//! How it works. A scope is a [`Frame`] put in a task-local for as long as the body runs. A
//! frame begins nothing when it starts: it records "a transaction is wanted, with these
//! options". The first statement through a handle of some pool looks the frame up
//! ([`frame_for`], called once per statement by `Database::lease`), and the frame begins the
//! transaction then (or opens a savepoint in its parent's, or joins its parent's) and binds
//! itself to that handle's pool; every later statement on that pool runs on the same
//! connection. A scope holds one pool's transaction: statements through handles of other
//! pools are not drawn in and run as they would outside it (a function given its handle binds
//! the scope to that handle's pool at once). A handle with a connection of its own (a
//! [`Transaction`], a [`Connection`](crate::Connection) guard) keeps using it.
//!
//! The frame is a task-local, so a task spawned inside the scope does not inherit it; its
//! statements run outside the transaction unless it was spawned with [`spawn_in_transaction`].
//! Once the scope ends its frame is ended too: a task that still holds it gets a usage error
//! for every statement, never a silent autocommit.
//!
//! `dal::blocking` has no task to follow: it keeps the frame in a thread-local for the scope's
//! closure and hands it to each operation it runs on its runtime ([`in_thread_scope`]).

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use futures_util::future::Either;

use super::{Propagation, ScopeOptions, Transaction, TransactionOptions};
use crate::database::{Database, Lease};
use crate::error::{Error, Result};
use crate::pool::Pool;

// A task-local rather than an argument: the statement path must find the scope without any
// caller handing it down (a service calls another with its own handle). Tokio owns task
// identity, so this one declaration sits here instead of behind `rt`.
tokio::task_local! {
    static AMBIENT: Arc<Frame>;
}

thread_local! {
    /// The frame of a `dal::blocking` scope running on this thread.
    static THREAD_FRAME: RefCell<Option<Arc<Frame>>> = const { RefCell::new(None) };
}

/// One transaction scope of a task.
pub(crate) struct Frame {
    /// Opens savepoints in the parent's transactions instead of joining them.
    savepoint: bool,
    /// The scope this one runs inside and draws its transactions from; `None` for a scope of
    /// its own (the outermost, or `requires_new`).
    parent: Option<Arc<Frame>>,
    /// The scope the task was in when this one began, unless this one suspends it
    /// (`requires_new`): statements through another pool than this scope's join that one.
    enclosing: Option<Arc<Frame>>,
    /// A handle with a connection of its own handed to the scope (`db` of a function taking
    /// one): its pool's statements run on it.
    given: Option<Database>,
    transaction: TransactionOptions,
    /// When the scope's timeout ends; each transaction it begins gets what is left as budget.
    deadline: Option<Instant>,
    /// Tags of this scope and the scopes around it, for every statement joining it.
    tags: Vec<(String, String)>,
    /// The pool whose statements this scope draws in: the first one used through it (or its
    /// parent's, or the given handle's, or a blocking scope's own), fixed once known.
    pool: OnceLock<Pool>,
    binding: tokio::sync::Mutex<Option<Binding>>,
    ended: AtomicBool,
}

/// The transaction a frame runs one pool's statements in.
struct Binding {
    pool: Pool,
    /// Pinned to the transaction's connection.
    handle: Database,
    /// The transaction (or savepoint) when this frame began it; `None` when it joined one.
    own: Option<Transaction>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("savepoint", &self.savepoint)
            .field("nested", &self.parent.is_some())
            .field("transaction", &self.transaction)
            .field("tags", &self.tags)
            .field("ended", &self.ended.load(Ordering::Acquire))
            .finish_non_exhaustive()
    }
}

/// The scope the current task runs in, if any.
pub(crate) fn current() -> Option<Arc<Frame>> {
    AMBIENT.try_with(Arc::clone).ok()
}

/// The scope whose transaction a statement through `db` joins: the task's, when `db` has no
/// connection of its own and the scope draws in `db`'s pool. The one lookup of the statement
/// path (`Database::lease`), also asked where routing or tags depend on it.
pub(crate) fn frame_for(db: &Database) -> Option<Arc<Frame>> {
    if db.pinned().is_some() {
        return None;
    }
    AMBIENT.try_with(|f| f.find(db.pool())).ok().flatten()
}

fn ended_error() -> Error {
    Error::usage(
        "this task's transaction scope has ended (its function returned): a task spawned with spawn_in_transaction must finish inside the scope; use a plain spawn for work that outlives it",
    )
}

impl Frame {
    /// A scope with `options` (which say whether it opens savepoints), inside `parent` (whose
    /// transaction it draws from) or of its own, with the tags of `around` (the scope the task
    /// was in), bound to the pool `only` when that is known already.
    pub(crate) fn new(
        options: &ScopeOptions,
        parent: Option<Arc<Frame>>,
        given: Option<Database>,
        around: Option<Arc<Frame>>,
        only: Option<Pool>,
    ) -> Frame {
        let mut all = around.as_ref().map(|f| f.tags.clone()).unwrap_or_default();
        all.extend(options.tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let pool = OnceLock::new();
        if let Some(only) = only.or_else(|| given.as_ref().map(|g| g.pool().clone())) {
            let _ = pool.set(only);
        }
        Frame {
            savepoint: options.propagation == Propagation::Savepoint,
            parent,
            enclosing: around.filter(|_| options.propagation != Propagation::RequiresNew),
            given,
            transaction: options.transaction,
            deadline: options.timeout.and_then(|t| Instant::now().checked_add(t)),
            tags: all,
            pool,
            binding: tokio::sync::Mutex::new(None),
            ended: AtomicBool::new(false),
        }
    }

    /// The scope statements through a handle of `pool` join: this one, or the one it began in.
    pub(crate) fn find(self: &Arc<Self>, pool: &Pool) -> Option<Arc<Frame>> {
        if self.draws_in(pool) {
            return Some(Arc::clone(self));
        }
        self.enclosing.as_ref().and_then(|outer| outer.find(pool))
    }

    /// Whether statements through a handle of `pool` join this scope.
    pub(crate) fn draws_in(&self, pool: &Pool) -> bool {
        match self.pool.get() {
            Some(bound) => bound.same_pool(pool),
            None => self.parent.as_ref().is_none_or(|parent| parent.draws_in(pool)),
        }
    }

    /// Whether the transaction of this scope is its own (it can commit, roll back and rerun
    /// it), rather than its caller's.
    pub(crate) fn is_own(&self) -> bool {
        self.parent.is_none() && self.given.is_none()
    }

    pub(crate) fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    /// The connection a statement through `db` runs on: the transaction of this scope, begun
    /// now when this is its first statement; one of its own when a statement through another
    /// pool bound the scope first.
    pub(crate) async fn lease(&self, db: &Database) -> Result<Lease<'static>> {
        match self.handle_for(db).await? {
            Some(handle) => handle.lease_shared().await,
            None => Ok(Lease::Pooled(db.acquire().await?)),
        }
    }

    /// The handle pinned to this scope's transaction, begun (or joined, or a savepoint opened)
    /// on first use; `None` when the scope is bound to another pool than `db`'s.
    pub(crate) fn handle_for<'a>(
        &'a self,
        db: &'a Database,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Option<Database>>> + Send + 'a>> {
        // Boxed: a scope inside another asks its parent, which may ask its own.
        Box::pin(async move {
            if self.ended.load(Ordering::Acquire) {
                return Err(ended_error());
            }
            let pool = db.pool().clone();
            let mut binding = self.binding.lock().await;
            if let Some(b) = binding.as_ref() {
                return Ok(b.pool.same_pool(&pool).then(|| b.handle.clone()));
            }
            if !self.draws_in(&pool) {
                return Ok(None);
            }
            let outer = match (&self.given, &self.parent) {
                (Some(given), _) => Some(given.clone()),
                (None, Some(parent)) => match parent.handle_for(db).await? {
                    Some(handle) => Some(handle),
                    None => return Ok(None),
                },
                (None, None) => None,
            };
            let bound = match outer {
                Some(handle) if !self.savepoint && handle.in_transaction().await => {
                    Binding { pool, handle, own: None }
                }
                Some(handle) => {
                    let tx = Transaction::begin(&handle, self.transaction).await?;
                    Binding { pool, handle: (*tx).clone(), own: Some(tx) }
                }
                None => {
                    let tx = Transaction::begin(&db.unpinned(), self.budgeted()).await?;
                    Binding { pool, handle: (*tx).clone(), own: Some(tx) }
                }
            };
            if self.ended.load(Ordering::Acquire) {
                // The scope ended while this began (a spawned task raced its end): undo it.
                drop(bound);
                return Err(ended_error());
            }
            let _ = self.pool.set(bound.pool.clone());
            let handle = bound.handle.clone();
            *binding = Some(bound);
            Ok(Some(handle))
        })
    }

    /// The transaction options with what is left of the scope's time as budget.
    fn budgeted(&self) -> TransactionOptions {
        match self.deadline {
            Some(at) => self.transaction.budget(at.saturating_duration_since(Instant::now())),
            None => self.transaction,
        }
    }

    /// Whether the transaction this scope began was aborted by the database for a conflict (a
    /// serialization failure or deadlock), so that running the body again could succeed.
    pub(crate) async fn conflicted(&self) -> bool {
        let binding = self.binding.lock().await;
        let Some(b) = binding.as_ref().filter(|b| b.own.is_some()) else { return false };
        match b.handle.lease().await {
            Ok(mut lease) => lease.conn().is_ok_and(|c| c.saw_serialization_failure()),
            Err(_) => false,
        }
    }

    /// The pool of the transaction this scope began, if it began one (where its reruns are
    /// counted).
    pub(crate) async fn own_pool(&self) -> Option<Pool> {
        let binding = self.binding.lock().await;
        binding.as_ref().filter(|b| b.own.is_some()).map(|b| b.pool.clone())
    }

    /// Ends the scope: commits (or rolls back) the transaction it began, if any; a joined one
    /// is the caller's to end.
    pub(crate) async fn finish(&self, commit: bool) -> Result<()> {
        self.ended.store(true, Ordering::Release);
        let binding = self.binding.lock().await.take();
        match binding.and_then(|b| b.own) {
            Some(tx) if commit => tx.commit().await,
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }

    /// Ends the scope without waiting (its future was dropped, or its closure panicked): the
    /// transaction it began is dropped, which rolls it back before its connection serves
    /// anyone else.
    pub(crate) fn abandon(&self) {
        self.ended.store(true, Ordering::Release);
        // When a statement of a spawned task holds the lock to begin, that task sees `ended`
        // once it has begun and drops what it began.
        if let Ok(mut binding) = self.binding.try_lock() {
            binding.take();
        }
    }
}

/// Ends a frame that did not finish: dropped with the scope's future.
#[derive(Debug)]
pub(crate) struct AbandonOnDrop(pub(crate) Option<Arc<Frame>>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let Some(frame) = self.0.take() {
            frame.abandon();
        }
    }
}

/// Runs `fut` with `frame` as its task's transaction scope.
pub(crate) async fn within<F: Future>(frame: Arc<Frame>, fut: F) -> F::Output {
    AMBIENT.scope(frame, fut).await
}

/// Spawns `fut` as a new task that runs inside the calling task's transaction scope, if any:
/// its statements join the scope's transactions. The scope must outlive it: once the scope
/// has ended, the task's statements fail with [`ErrorKind::Usage`](crate::ErrorKind::Usage).
/// A plain `tokio::spawn` inside a scope starts a task outside it.
///
/// ```no_run
/// # async fn demo(db: dal_runtime::Database) -> dal_runtime::Result<()> {
/// use dal_runtime::{ScopeOptions, spawn_in_transaction, transaction_scope};
/// transaction_scope(ScopeOptions::new(), || {
///     let db = db.clone();
///     async move {
///         let audit = spawn_in_transaction({
///             let db = db.clone();
///             async move { db.query("INSERT INTO audit (what) VALUES ('x')").execute().await }
///         });
///         db.query("INSERT INTO orders (id) VALUES (1)").execute().await?;
///         audit.await.expect("the audit task ran")?; // both commit together
///         Ok::<_, dal_runtime::Error>(())
///     }
/// })
/// .await
/// # }
/// ```
pub fn spawn_in_transaction<F>(fut: F) -> crate::rt::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current() {
        Some(frame) => crate::rt::spawn_joinable(AMBIENT.scope(frame, fut)),
        None => crate::rt::spawn_joinable(fut),
    }
}

/// Runs `fut` inside the `dal::blocking` transaction scope of the calling thread, if one is
/// open (see [`ThreadScope`]); otherwise as it is. `dal::blocking` wraps every operation in it.
pub fn in_thread_scope<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    match THREAD_FRAME.with(|f| f.borrow().clone()) {
        Some(frame) => Either::Left(AMBIENT.scope(frame, fut)),
        None => Either::Right(fut),
    }
}

/// A transaction scope held by the calling thread, for `dal::blocking`: while it is
/// [`entered`](ThreadScope::enter_thread), every operation the thread runs through a blocking
/// handle of the scope's pool joins it ([`in_thread_scope`]). Not for async code: use
/// [`transaction_scope`](super::transaction_scope) there.
///
/// Dropping it unfinished rolls its transaction back (inside the handle's runtime).
#[derive(Debug)]
pub struct ThreadScope {
    frame: AbandonOnDrop,
}

impl ThreadScope {
    /// Opens a scope on `db`'s pool with `options` (propagation, isolation, read-only,
    /// timeout, tags; a blocking scope does not rerun its closure, so `retries` is not used).
    /// Run it inside the blocking handle's runtime, wrapped in [`in_thread_scope`], so that it
    /// sees a scope the thread is already in.
    pub async fn open(db: &Database, options: &super::ScopeOptions) -> Result<ThreadScope> {
        let frame = super::scope::enter(Some(db), options, Some(db.pool().clone())).await?;
        Ok(ThreadScope { frame: AbandonOnDrop(frame.frame) })
    }

    /// Makes this the calling thread's scope until the guard drops (then the scope it was in
    /// before, if any, is the thread's again).
    pub fn enter_thread(&self) -> ThreadGuard {
        let previous = THREAD_FRAME.with(|f| f.replace(self.frame.0.clone()));
        ThreadGuard { previous }
    }

    /// Commits (`commit`) or rolls back the transaction the scope began; a scope that joined
    /// its caller's leaves it to the caller.
    pub async fn finish(mut self, commit: bool) -> Result<()> {
        match self.frame.0.take() {
            Some(frame) => frame.finish(commit).await,
            None => Ok(()),
        }
    }
}

/// Restores the thread's previous blocking scope when dropped (see [`ThreadScope::enter_thread`]).
#[derive(Debug)]
#[must_use = "the thread is in the scope only while the guard lives"]
pub struct ThreadGuard {
    previous: Option<Arc<Frame>>,
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        THREAD_FRAME.with(|f| *f.borrow_mut() = previous);
    }
}
