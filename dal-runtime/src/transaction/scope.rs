//! What `#[auto_transaction]` runs a function body in, and the loop that commits, rolls back
//! and retries it. The macro only wraps the body in a closure and calls [`run`]; everything
//! else is here, where it is tested like any other code.

use std::future::Future;
use std::time::Duration;

use super::{Transaction, TransactionOptions};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::resilience::Backoff;

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
/// aborted for a serialization failure or deadlock runs again after a jittered backoff, each
/// rerun counted in the pool's metrics. Being rerun, the body cannot consume what it captures.
pub async fn run<T, E, F, Fut>(
    db: &Database,
    options: ScopeOptions,
    mut body: F,
) -> std::result::Result<T, E>
where
    E: From<Error>,
    F: FnMut(Database) -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    bounded(options.timeout, async {
        let backoff = Backoff::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let scope = Scope::enter(db, &options).await.map_err(E::from)?;
            let work = body(scope.handle.clone());
            match once(scope, work, attempt <= options.retries).await {
                Ok(value) => return Ok(value),
                Err((e, false)) => return Err(e),
                Err((_, true)) => {
                    db.pool().count_transaction_retry();
                    crate::rt::sleep(backoff.delay(attempt)).await;
                }
            }
        }
    })
    .await
}
