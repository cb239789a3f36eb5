//! What `#[auto_transaction]` runs a function body in: a transaction scope (see `ambient.rs`)
//! that commits or rolls back what its body did, with its propagation checked on entry, rerun
//! after conflicts by resilience's [`retry`] loop. The macro only wraps the body in a closure
//! and calls [`run`]; everything else is here, where it is tested like any other code.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::TransactionOptions;
use super::ambient::{self, AbandonOnDrop, Frame};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Pool;
use crate::resilience::{RetryPolicy, retry};

/// How a transaction scope relates to the one its task is already in, with the names Spring's
/// `@Transactional` gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Propagation {
    /// Join the task's transaction, or begin one when there is none (the default). The
    /// scope's `Err` does not undo its work unless the error also ends the outer scope.
    #[default]
    Join,
    /// Inside a transaction, open a savepoint: an `Err` undoes only this scope's work. With no
    /// transaction around, begin one.
    Savepoint,
    /// Suspend the task's transaction and run in a new one on another connection, committed
    /// or rolled back on its own when the scope ends (whatever the outer scope does later).
    RequiresNew,
    /// Join the task's transaction; an [`ErrorKind::Usage`] error when there is none.
    Mandatory,
    /// Run outside any transaction; an [`ErrorKind::Usage`] error when called inside one.
    Never,
}

/// How a transaction scope ([`transaction_scope`], `#[auto_transaction]`) runs its body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopeOptions {
    /// Isolation level and access mode of a transaction this scope begins.
    pub transaction: TransactionOptions,
    /// How the scope relates to a transaction the task is already in.
    pub propagation: Propagation,
    /// Extra runs of the whole body after a serialization failure or deadlock.
    pub retries: u32,
    /// Limit for the whole scope, body and commit; also the budget of each transaction it
    /// begins (what is left of it when the transaction begins).
    pub timeout: Option<Duration>,
    /// Tags added to every statement of the body (see [`Database::with_tag`]).
    pub tags: &'static [(&'static str, &'static str)],
}

impl ScopeOptions {
    /// Default options: join the task's transaction, otherwise begin one; no retry, no timeout.
    pub const fn new() -> Self {
        ScopeOptions {
            transaction: TransactionOptions::const_default(),
            propagation: Propagation::Join,
            retries: 0,
            timeout: None,
            tags: &[],
        }
    }

    /// Sets the transaction options.
    pub const fn transaction(mut self, options: TransactionOptions) -> Self {
        self.transaction = options;
        self
    }

    /// Sets how the scope relates to a transaction the task is already in.
    pub const fn propagation(mut self, propagation: Propagation) -> Self {
        self.propagation = propagation;
        self
    }

    /// Uses a savepoint when called inside a transaction (`propagation(Propagation::Savepoint)`).
    pub const fn savepoint(mut self, savepoint: bool) -> Self {
        self.propagation = if savepoint { Propagation::Savepoint } else { Propagation::Join };
        self
    }

    /// Reruns the body up to `retries` more times after serialization failures or deadlocks.
    pub const fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Tags every statement of the body.
    pub const fn tags(mut self, tags: &'static [(&'static str, &'static str)]) -> Self {
        self.tags = tags;
        self
    }

    /// Limits the whole scope.
    pub const fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }
}

/// A scope entered: its frame (`None` for `Never`, which runs outside any transaction) and the
/// handle the body of a function that takes one gets.
pub(crate) struct Entered {
    pub(crate) frame: Option<Arc<Frame>>,
    handle: Option<Database>,
}

/// Enters a scope with `options`, inside whatever scope the task is in. `handle` is the
/// handle the function was given, if any: its transaction (when it has one of its own) is the
/// one to join, and the body gets it back pinned to the scope's transaction, begun now.
/// `only` limits the scope to one pool (`dal::blocking`).
pub(crate) async fn enter(
    handle: Option<&Database>,
    options: &ScopeOptions,
    only: Option<Pool>,
) -> Result<Entered> {
    let current = match handle {
        Some(db) => ambient::current().and_then(|f| f.find(db.pool())),
        None => ambient::current(),
    };
    let given = handle.filter(|db| db.pinned().is_some()).cloned();
    let given_in_transaction = match &given {
        Some(db) => db.in_transaction().await,
        None => false,
    };
    let inside = current.is_some() || given_in_transaction;
    let parent = match options.propagation {
        Propagation::Mandatory if !inside => {
            return Err(Error::usage(
                "this call needs a transaction around it (propagation mandatory) and runs in none: call it from inside an #[auto_transaction] function or transaction_scope",
            ));
        }
        Propagation::Never if inside => {
            return Err(Error::usage(
                "this call must run outside any transaction (propagation never) and runs inside one: call it before or after the transaction, or use requires_new",
            ));
        }
        Propagation::Never => {
            let handle = handle.map(|db| db.with_tags(options.tags));
            return Ok(Entered { frame: None, handle });
        }
        Propagation::RequiresNew => None,
        Propagation::Join | Propagation::Savepoint | Propagation::Mandatory => current.clone(),
    };
    let given = if options.propagation == Propagation::RequiresNew { None } else { given };
    let frame = Arc::new(Frame::new(options, parent, given, ambient::current(), only));
    let handle = match handle {
        Some(db) => {
            // Eager for a function given its handle, as before the scope followed the task:
            // the body's `db` is the transaction's own handle.
            let pinned = frame.handle_for(db).await?;
            Some(pinned.as_ref().unwrap_or(db).with_tags_of(db, options.tags))
        }
        None => None,
    };
    Ok(Entered { frame: Some(frame), handle })
}

/// The handle the body of a function given `original` runs on: the scope's, else its own.
#[doc(hidden)]
pub fn body_handle<'h>(scope: &'h Option<Database>, original: &'h Database) -> &'h Database {
    scope.as_ref().unwrap_or(original)
}

/// One run of the body in its scope: `Ok` commits, `Err` rolls back. On failure, says
/// whether running it again could succeed (when `may_retry`).
async fn once<T, E, Fut>(
    entered: Entered,
    body: Fut,
    may_retry: bool,
) -> std::result::Result<T, (E, bool)>
where
    E: From<Error>,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    let Some(frame) = entered.frame else {
        return body.await.map_err(|e| (e, false));
    };
    // Dropped with this future (cancellation, a panic in the body): the transactions the
    // scope began roll back before their connections serve anyone else.
    let mut guard = AbandonOnDrop(Some(Arc::clone(&frame)));
    let result = ambient::within(Arc::clone(&frame), body).await;
    let outcome = match result {
        Ok(value) => {
            let pool = if may_retry { frame.own_pool().await } else { None };
            match frame.finish(true).await {
                Ok(()) => Ok(value),
                Err(e) => {
                    let again = may_retry && e.kind() == ErrorKind::Serialization;
                    if let Some(pool) = pool.filter(|_| again) {
                        pool.count_transaction_retry();
                    }
                    Err((E::from(e), again))
                }
            }
        }
        Err(e) => {
            let again = may_retry && frame.is_own() && frame.conflicted().await;
            if again && let Some(pool) = frame.own_pool().await {
                pool.count_transaction_retry();
            }
            // The body's error is what the caller needs; a failed rollback also closes the
            // connection (its state is unknown), which rolls back on the server.
            let _ = frame.finish(false).await;
            Err((e, again))
        }
    };
    guard.0 = None;
    outcome
}

/// Bounds `work` by the scope's timeout.
async fn bounded<T, E: From<Error>>(
    limit: Option<Duration>,
    work: impl Future<Output = std::result::Result<T, E>>,
) -> std::result::Result<T, E> {
    let Some(limit) = limit else { return work.await };
    crate::rt::timeout(limit, work).await.unwrap_or_else(|| {
        Err(E::from(Error::new(
            ErrorKind::Timeout,
            format!("the transaction did not finish within {}", crate::pool::human(limit)),
        )))
    })
}

/// Runs `body` once in a transaction scope (what `#[auto_transaction]` expands to without
/// `retry`): commits when it returns `Ok`, rolls back on `Err`, and on a panic or a dropped
/// future. `handle` is the handle the function was given, if any; `body` gets it back pinned
/// to the scope's transaction (`None` when there was none). `body` may consume what it
/// captures; `options.retries` is ignored (see [`run`]).
pub async fn run_once<T, E, F, Fut>(
    handle: Option<&Database>,
    options: ScopeOptions,
    body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnOnce(Option<Database>) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    bounded(options.timeout, async {
        let entered = enter(handle, &options, None).await.map_err(E::from)?;
        let work = body(entered.handle.clone());
        once(entered, work, false).await.map_err(|(e, _)| e)
    })
    .await
}

/// Like [`run_once`], and with `options.retries`, a body whose transaction the database
/// aborted for a serialization failure or deadlock runs again after a jittered backoff (the
/// [`retry`] loop, default backoff, no budget but the scope's timeout), each rerun counted in
/// the pool's metrics. Only a scope with a transaction of its own reruns (a joined one cannot
/// be rerun alone). Being rerun, the body cannot consume what it captures.
pub async fn run<T, E, F, Fut>(
    handle: Option<&Database>,
    options: ScopeOptions,
    body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnMut(Option<Database>) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    // Whether a rerun can help is known only while the transaction is open (the connection
    // saw the conflict), so each attempt returns its verdict with its error.
    let policy = RetryPolicy::new(options.retries.saturating_add(1))
        .budget(Duration::MAX)
        .retry_if(|(_, again): &(E, bool)| *again);
    // Each attempt calls the body once its scope is open, after an await: the attempts share
    // it through a lock, held for that call only (never across an await).
    let body = Mutex::new(body);
    let mut attempt = 0;
    let attempt_once = || {
        attempt += 1;
        let (body, options, may_retry) = (&body, &options, attempt <= options.retries);
        async move {
            let entered = enter(handle, options, None).await.map_err(|e| (E::from(e), false))?;
            let work = body.lock().unwrap_or_else(PoisonError::into_inner)(entered.handle.clone());
            once(entered, work, may_retry).await
        }
    };
    bounded(options.timeout, async { retry(policy, attempt_once).await.map_err(|(e, _)| e) }).await
}

/// Runs `body` in a transaction scope: every statement the task issues through a handle
/// while `body` runs joins the scope's transaction on that handle's pool (begun by the first
/// statement), whichever handle it goes through; `Ok` commits, `Err`, a panic or a dropped
/// future roll back. What `#[auto_transaction]` on a function without a handle parameter
/// expands to; see [`Propagation`] for scopes inside scopes, and
/// [`spawn_in_transaction`](super::spawn_in_transaction) for tasks that should join.
///
/// With `options.retries`, `body` runs again after a serialization failure or deadlock, so it
/// is called once per attempt.
///
/// ```no_run
/// # async fn demo(orders: dal_runtime::Database, stock: dal_runtime::Database) -> dal_runtime::Result<()> {
/// use dal_runtime::{ScopeOptions, transaction_scope};
/// // Two handles (say, of two services) on the same database: one transaction.
/// transaction_scope(ScopeOptions::new(), || async {
///     orders.query("INSERT INTO orders (item) VALUES (?)").bind("book").execute().await?;
///     stock.query("UPDATE stock SET n = n - 1 WHERE item = ?").bind("book").execute().await?;
///     Ok::<_, dal_runtime::Error>(())
/// })
/// .await
/// # }
/// ```
pub async fn transaction_scope<T, E, F, Fut>(
    options: ScopeOptions,
    mut body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    // Boxed, the scope's machinery and the body: inline, they would grow the caller's future
    // by their whole state (and, in debug builds, the stack that polls it).
    Box::pin(run(None, options, move |_| Box::pin(body()))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiled, not run: a retried body (shaped as `#[auto_transaction(retry = n)]` shapes it)
    /// gives a `Send` future, so it can run in a spawned task.
    #[allow(dead_code, reason = "the assertion is that this type-checks")]
    fn retried_bodies_are_send<'a>(db: &'a Database, name: &'a str) -> impl Send + 'a {
        run(Some(db), ScopeOptions::new().retries(2), move |handle: Option<Database>| {
            Box::pin(async move {
                let db = body_handle(&handle, db);
                db.query("SELECT ?").bind(name).execute().await
            })
        })
    }
}
