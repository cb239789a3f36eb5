//! What `#[auto_transaction]` runs a function body in: a scope that commits or rolls it back,
//! rerun after conflicts by resilience's [`retry`] loop. The macro only wraps the body in a
//! closure and calls [`run`]; everything else is here, where it is tested like any other code.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::{Transaction, TransactionOptions};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::resilience::{RetryPolicy, retry};

/// How `#[auto_transaction]` runs its body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopeOptions {
    /// Isolation level and access mode of a transaction this scope begins.
    pub transaction: TransactionOptions,
    /// Called inside a transaction: use a savepoint (an `Err` undoes only this call's work)
    /// instead of joining the caller's transaction.
    pub savepoint: bool,
    /// Extra runs of the whole body after a serialization failure or deadlock.
    pub retries: u32,
    /// Limit for the whole transaction, body and commit.
    pub timeout: Option<Duration>,
    /// Tags added to every statement of the body (see [`Database::with_tag`]).
    pub tags: &'static [(&'static str, &'static str)],
}

impl ScopeOptions {
    /// Default options: join an open transaction, otherwise begin one; no retry, no timeout.
    pub const fn new() -> Self {
        ScopeOptions {
            transaction: TransactionOptions::const_default(),
            savepoint: false,
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

    /// Uses a savepoint when called inside a transaction.
    pub const fn savepoint(mut self, savepoint: bool) -> Self {
        self.savepoint = savepoint;
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

    /// Limits the whole transaction.
    pub const fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }
}

/// The handle a body runs on: a transaction (or savepoint) of its own, or the caller's
/// transaction, joined.
struct Scope {
    handle: Database,
    own: Option<Transaction>,
}

impl Scope {
    async fn enter(db: &Database, options: &ScopeOptions) -> Result<Scope> {
        if !options.savepoint && db.in_transaction().await {
            return Ok(Scope { handle: db.with_tags(options.tags), own: None });
        }
        // The scope's timeout is also its transaction's budget, so statements still running
        // when it passes are stopped on the server, not only abandoned by the client.
        let transaction = match options.timeout {
            Some(limit) => options.transaction.budget(limit),
            None => options.transaction,
        };
        let tx = db.begin_with(transaction).await?;
        Ok(Scope { handle: tx.with_tags(options.tags), own: Some(tx) })
    }

    async fn commit(self) -> Result<()> {
        match self.own {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }

    /// Rolls back a transaction of its own; a joined one is the caller's to end.
    async fn rollback(self) {
        if let Some(tx) = self.own {
            // The body's error is what the caller needs; a failed rollback also closes the
            // connection (its state is unknown), which rolls back on the server.
            let _ = tx.rollback().await;
        }
    }

    /// Whether running the body again could succeed: its transaction is its own (a joined one
    /// cannot be rerun alone) and the database aborted it for a conflict.
    async fn conflicted(&self) -> bool {
        if self.own.is_none() {
            return false;
        }
        match self.handle.lease().await {
            Ok(mut lease) => lease.conn().is_ok_and(|c| c.saw_serialization_failure()),
            Err(_) => false,
        }
    }
}

/// One run of the body in `scope`: `Ok` commits, `Err` rolls back. On failure, says whether
/// running it again could succeed (when `may_retry`).
async fn once<T, E, Fut>(
    scope: Scope,
    body: Fut,
    may_retry: bool,
) -> std::result::Result<T, (E, bool)>
where
    E: From<Error>,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    match body.await {
        Ok(value) => match scope.commit().await {
            Ok(()) => Ok(value),
            Err(e) => {
                let again = may_retry && e.kind() == ErrorKind::Serialization;
                Err((E::from(e), again))
            }
        },
        Err(e) => {
            let again = may_retry && scope.conflicted().await;
            scope.rollback().await;
            Err((e, again))
        }
    }
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

/// Runs `body` once in a transaction: commits when it returns `Ok`, rolls back on `Err`, and on
/// a panic or a dropped future (the transaction guard rolls back as it is dropped). `body`
/// gets the transaction's handle and may consume what it captures; `options.retries` is
/// ignored (see [`run`]).
pub async fn run_once<T, E, F, Fut>(
    db: &Database,
    options: ScopeOptions,
    body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    bounded(options.timeout, async {
        let scope = Scope::enter(db, &options).await.map_err(E::from)?;
        let work = body(scope.handle.clone());
        once(scope, work, false).await.map_err(|(e, _)| e)
    })
    .await
}

/// Like [`run_once`], and with `options.retries`, a body whose transaction the database
/// aborted for a serialization failure or deadlock runs again after a jittered backoff (the
/// [`retry`] loop, default backoff, no budget but the scope's timeout), each rerun counted in
/// the pool's metrics. Being rerun, the body cannot consume what it captures.
pub async fn run<T, E, F, Fut>(
    db: &Database,
    options: ScopeOptions,
    body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnMut(Database) -> Fut,
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
        if attempt > 1 {
            db.pool().count_transaction_retry();
        }
        let (body, options, may_retry) = (&body, &options, attempt <= options.retries);
        async move {
            let scope = Scope::enter(db, options).await.map_err(|e| (E::from(e), false))?;
            let work = body.lock().unwrap_or_else(PoisonError::into_inner)(scope.handle.clone());
            once(scope, work, may_retry).await
        }
    };
    bounded(options.timeout, async { retry(policy, attempt_once).await.map_err(|(e, _)| e) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiled, not run: a retried body (shaped as `#[auto_transaction(retry = n)]` shapes it)
    /// gives a `Send` future, so it can run in a spawned task.
    #[allow(dead_code, reason = "the assertion is that this type-checks")]
    fn retried_bodies_are_send<'a>(db: &'a Database, name: &'a str) -> impl Send + 'a {
        run(db, ScopeOptions::new().retries(2), move |handle: Database| {
            Box::pin(async move {
                let db = &handle;
                db.query("SELECT ?").bind(name).execute().await
            })
        })
    }
}
