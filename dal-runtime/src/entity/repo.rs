//! [`Repo`]: typed operations for one entity over a [`Database`] handle (pool, connection or
//! transaction alike): CRUD, versions and optimistic locking, soft delete, history.
//!
//! Writes that touch more than one row (the entity and its history row) run in one
//! transaction: the handle's own when it is in one, else one begun here.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use dal_sql::history;
use sqlx::SqlStr;

use super::{Change, Entity, EntityId, HistoryEntry, Operation};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::transaction::Transaction;
use crate::types::Row;
use crate::types::{Column, Value};

/// Typed operations on the table of entity `E`. Get one with `db.repo::<E>()`.
///
/// `Debug` shows the entity, its table and the handle (see [`Database`]'s: no password).
pub struct Repo<'a, E> {
    db: &'a Database,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> std::fmt::Debug for Repo<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("entity", &E::TYPE_NAME)
            .field("table", &E::TABLE)
            .field("db", self.db)
            .finish()
    }
}

impl Database {
    /// The repository of entity `E` on this handle.
    pub fn repo<E: Entity>(&self) -> Repo<'_, E> {
        Repo { db: self, entity: PhantomData }
    }
}

/// Now, at the microsecond precision every backend stores, so a saved timestamp reads back
/// equal.
pub(super) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// A transaction for a multi-statement write, unless the handle is in one already.
pub(super) async fn own_transaction(db: &Database) -> Result<Option<Transaction>> {
    if db.in_transaction().await { Ok(None) } else { db.begin().await.map(Some) }
}

pub(super) async fn finish(tx: Option<Transaction>) -> Result<()> {
    match tx {
        Some(tx) => tx.commit().await,
        None => Ok(()),
    }
}

impl<'a, E: Entity> Repo<'a, E> {
    /// The handle this repository runs on.
    pub fn database(&self) -> &'a Database {
        self.db
    }

    fn statements(&self) -> &'static super::Statements {
        E::statements(self.db.dialect())
    }

    /// Runs `sql` for its first row: on a replica of a cluster when `sql` only reads and the
    /// handle is in no transaction, otherwise where the handle's writes go.
    async fn fetch_optional(
        db: &Database,
        sql: &'static str,
        params: &[Value<'_>],
    ) -> Result<Option<Row>> {
        let mut route = db.read_route(sql, false);
        loop {
            let mut lease = route.lease().await?;
            let result =
                crate::exec::fetch_optional(lease.conn()?, SqlStr::from_static(sql), params, None)
                    .await;
            if !route.retry(&result) {
                return result;
            }
        }
    }

    async fn execute(db: &Database, sql: &'static str, params: &[Value<'_>]) -> Result<u64> {
        let mut lease = db.lease().await?;
        Ok(crate::exec::execute(lease.conn()?, SqlStr::from_static(sql), params, None)
            .await?
            .rows_affected)
    }

    /// Reads the entity with `id`; `None` when there is no such row (or it is soft-deleted).
    pub async fn get(&self, id: E::Id) -> Result<Option<E>> {
        let row =
            Self::fetch_optional(self.db, self.statements().select_live_by_id, &[id.encode()])
                .await?;
        row.as_ref().map(E::from_row).transpose()
    }

    /// Reads the entity with `id`, soft-deleted or not.
    pub async fn get_including_deleted(&self, id: E::Id) -> Result<Option<E>> {
        let row =
            Self::fetch_optional(self.db, self.statements().select_by_id, &[id.encode()]).await?;
        row.as_ref().map(E::from_row).transpose()
    }

    /// Inserts the entity when it is new and updates it otherwise; see [`Repo::save_with`].
    pub async fn save(&self, entity: &E) -> Result<E>
    where
        E: Clone,
    {
        self.save_with(entity, Change::default()).await
    }

    /// Saves, recording who made the change and why in the history.
    ///
    /// New (unset id, or version 0): the id is generated (UUID) or assigned by the database
    /// (`i64`), the version set to 1, both timestamps to now. Otherwise an update: the version
    /// goes up by one and `updated_at` is set, and the update applies only if the row still
    /// has the version the entity was read at; if not, a [`ErrorKind::Conflict`] error names
    /// both versions and nothing is written. With history, an update that changes nothing
    /// writes nothing (and returns the stored entity).
    pub async fn save_with(&self, entity: &E, change: Change) -> Result<E>
    where
        E: Clone,
    {
        let tx = if E::HISTORY { own_transaction(self.db).await? } else { None };
        let db = tx.as_deref().unwrap_or(self.db);
        let saved = self.save_in(db, entity, &change).await?;
        finish(tx).await?;
        Ok(saved)
    }

    async fn save_in(&self, db: &Database, entity: &E, change: &Change) -> Result<E>
    where
        E: Clone,
    {
        let e = entity.clone();
        let now = now();
        let is_new = e.id().is_unset() || e.version() == Some(0);
        if is_new {
            return self.insert(db, e, now, change).await;
        }
        let stored = if E::HISTORY {
            let Some(current) = self.current(db, e.id()).await? else {
                return self.insert(db, e, now, change).await;
            };
            Some(current)
        } else {
            None
        };
        self.update_from(db, stored, e, now, change).await
    }

    /// Writes `e` as the next version of its row. `stored` is the row as read in this
    /// transaction, when the caller read it: a version other than `e`'s is a conflict, and
    /// equal values write nothing. Without it the update's own version condition detects a
    /// conflict.
    async fn update_from(
        &self,
        db: &Database,
        stored: Option<E>,
        mut e: E,
        now: DateTime<Utc>,
        change: &Change,
    ) -> Result<E> {
        let old_version = e.version();
        if let Some(current) = stored {
            if current.version() != old_version {
                return Err(self.conflict(e.id(), old_version, current.version()));
            }
            if unchanged(&current, &e) {
                return Ok(current);
            }
        }
        if let Some(v) = old_version {
            e.set_version(v + 1);
        }
        e.set_updated_at(now);
        let mut params = e.values();
        params.push(e.id().encode());
        if let Some(v) = old_version {
            params.push(Value::I64(v));
        }
        let updated = Self::execute(db, self.statements().update, &params).await?;
        drop(params);
        if updated == 0 {
            // Either the row is gone (save it anew under its id) or its version moved on.
            match (old_version, self.stored_version(db, e.id()).await?) {
                (Some(mine), Some(theirs)) => {
                    return Err(self.conflict(e.id(), Some(mine), Some(theirs)));
                }
                (None, Some(_)) => {} // no version column: the row exists and was rewritten
                (_, None) => return self.insert(db, e, now, change).await,
            }
        }
        self.record(db, &e, Operation::Update, now, change).await?;
        Ok(e)
    }

    /// Inserts `e` as a new row (version 1, both timestamps `now`) with its history row.
    async fn insert(
        &self,
        db: &Database,
        mut e: E,
        now: DateTime<Utc>,
        change: &Change,
    ) -> Result<E> {
        let st = self.statements();
        e.set_version(1);
        e.set_created_at(now);
        e.set_updated_at(now);
        if e.id().is_unset() && E::Id::DATABASE_ASSIGNED {
            let values = e.values();
            let id = if db.dialect().supports_returning() {
                let row = Self::fetch_optional(db, st.insert_generated_id, &values)
                    .await?
                    .ok_or_else(|| Error::new(ErrorKind::Other, "the insert returned no id"))?;
                E::Id::decode(&row, 0)?
            } else {
                let mut lease = db.lease().await?;
                let sql = SqlStr::from_static(st.insert_generated_id);
                let done = crate::exec::execute(lease.conn()?, sql, &values, None).await?;
                done.last_insert_id.and_then(E::Id::from_assigned).ok_or_else(|| {
                    Error::new(ErrorKind::Other, "the database reported no id for the insert")
                })?
            };
            drop(values);
            e.set_id(id);
        } else {
            if let Some(id) = E::Id::generate().filter(|_| e.id().is_unset()) {
                e.set_id(id);
            }
            let params = all_values(&e);
            Self::execute(db, st.insert, &params).await?;
        }
        self.record(db, &e, Operation::Insert, now, change).await?;
        Ok(e)
    }

    /// Writes the history row of `e`'s current version, when the entity keeps history.
    async fn record(
        &self,
        db: &Database,
        e: &E,
        op: Operation,
        at: DateTime<Utc>,
        change: &Change,
    ) -> Result<()> {
        if !E::HISTORY {
            return Ok(());
        }
        let params = history_values(e, op, at, change);
        Self::execute(db, self.statements().insert_history, &params).await?;
        Ok(())
    }

    async fn current(&self, db: &Database, id: &E::Id) -> Result<Option<E>> {
        let row = Self::fetch_optional(db, self.statements().select_by_id, &[id.encode()]).await?;
        row.as_ref().map(E::from_row).transpose()
    }

    async fn stored_version(&self, db: &Database, id: &E::Id) -> Result<Option<i64>> {
        let st = self.statements();
        if st.select_version.is_empty() {
            return Ok(self.current(db, id).await?.map(|_| 0));
        }
        let row = Self::fetch_optional(db, st.select_version, &[id.encode()]).await?;
        row.map(|r| r.get::<i64>(0)).transpose()
    }

    fn conflict(&self, id: &E::Id, mine: Option<i64>, theirs: Option<i64>) -> Error {
        Error::new(
            ErrorKind::Conflict,
            format!(
                "{} {id:?} was changed by someone else: this save was based on version {}, the database holds version {}; read it again and reapply the change",
                E::TYPE_NAME,
                mine.unwrap_or_default(),
                theirs.unwrap_or_default()
            ),
        )
    }

    /// Changes only the fields `patch` sets, on the current row: a new version with a history
    /// row, like [`Repo::save`]; nothing is written when the values are already those. Returns
    /// the saved entity, or `None` when there is no live row with `id`.
    pub async fn patch(&self, id: E::Id, patch: impl super::Patch<E>) -> Result<Option<E>>
    where
        E: Clone,
    {
        let tx = own_transaction(self.db).await?;
        let db = tx.as_deref().unwrap_or(self.db);
        let repo = db.repo::<E>();
        let Some(current) = repo.get(id).await? else { return Ok(None) };
        let mut next = current.clone();
        patch.apply(&mut next);
        let saved = if unchanged(&current, &next) {
            current
        } else {
            // `current` was read in this transaction: no second read, the update's version
            // condition still catches a concurrent writer.
            repo.update_from(db, None, next, now(), &Change::default()).await?
        };
        finish(tx).await?;
        Ok(Some(saved))
    }

    /// Soft-deletes the entity (sets its deleted_at, writes a new version); reads skip it
    /// from then on. Returns whether a live row was there. Entities without soft delete get a
    /// usage error: use [`Repo::delete_permanently`].
    pub async fn delete(&self, id: E::Id) -> Result<bool>
    where
        E: Clone,
    {
        self.set_deleted(id, true, Change::default()).await
    }

    /// Brings back a soft-deleted entity. Returns whether a deleted row was there.
    pub async fn restore(&self, id: E::Id) -> Result<bool>
    where
        E: Clone,
    {
        self.set_deleted(id, false, Change::default()).await
    }

    async fn set_deleted(&self, id: E::Id, deleted: bool, change: Change) -> Result<bool>
    where
        E: Clone,
    {
        if !E::SOFT_DELETE {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "{} has no soft delete (no #[dal(soft_delete)]): use delete_permanently",
                    E::TYPE_NAME
                ),
            ));
        }
        let tx = own_transaction(self.db).await?;
        let db = tx.as_deref().unwrap_or(self.db);
        let Some(mut e) = self.current(db, &id).await? else { return Ok(false) };
        if e.deleted_at().is_some() == deleted {
            return Ok(false);
        }
        let now = now();
        let old_version = e.version();
        if let Some(v) = old_version {
            e.set_version(v + 1);
        }
        e.set_updated_at(now);
        e.set_deleted_at(deleted.then_some(now));
        let mut params = e.values();
        params.push(e.id().encode());
        if let Some(v) = old_version {
            params.push(Value::I64(v));
        }
        if Self::execute(db, self.statements().update, &params).await? == 0 {
            let theirs = self.stored_version(db, &id).await?;
            return Err(self.conflict(&id, old_version, theirs));
        }
        drop(params);
        let op = if deleted { Operation::Delete } else { Operation::Restore };
        self.record(db, &e, op, now, &change).await?;
        finish(tx).await?;
        Ok(true)
    }

    /// Deletes the row for good (its history stays); returns whether there was one.
    pub async fn delete_permanently(&self, id: E::Id) -> Result<bool> {
        Ok(Self::execute(self.db, self.statements().delete_by_id, &[id.encode()]).await? > 0)
    }

    /// Every version of the entity, oldest first (empty without history or without rows).
    pub async fn history(&self, id: E::Id) -> Result<Vec<HistoryEntry<E>>> {
        let st = self.statements();
        if st.select_history.is_empty() {
            return Err(no_history::<E>());
        }
        let params = [id.encode()];
        let sql = SqlStr::from_static(st.select_history);
        let mut route = self.db.read_route(st.select_history, false);
        let rows = loop {
            let mut lease = route.lease().await?;
            let result = crate::exec::fetch_all(lease.conn()?, sql.clone(), &params, None).await;
            if !route.retry(&result) {
                break result?;
            }
        };
        rows.iter().map(history_entry::<E>).collect()
    }

    /// The entity as it was at `version`, from the history.
    pub async fn at_version(&self, id: E::Id, version: i64) -> Result<Option<E>> {
        let st = self.statements();
        if st.select_history_version.is_empty() {
            return Err(no_history::<E>());
        }
        let row = Self::fetch_optional(
            self.db,
            st.select_history_version,
            &[id.encode(), Value::I64(version)],
        )
        .await?;
        row.as_ref().map(E::from_row).transpose()
    }
}

fn no_history<E: Entity>() -> Error {
    Error::new(
        ErrorKind::Usage,
        format!("{} keeps no history: add `history` to its #[dal(...)]", E::TYPE_NAME),
    )
}

/// The id, then the other columns: the parameters of `insert`.
pub(super) fn all_values<E: Entity>(e: &E) -> Vec<Value<'_>> {
    let mut params = Vec::with_capacity(E::COLUMNS.len() + history::COLUMNS.len());
    params.push(e.id().encode());
    params.extend(e.values());
    params
}

/// The parameters of a history row: every column, then the values of
/// [`history::COLUMNS`] in their order.
pub(super) fn history_values<'e, E: Entity>(
    e: &'e E,
    op: Operation,
    at: DateTime<Utc>,
    change: &'e Change,
) -> Vec<Value<'e>> {
    let mut params = all_values(e);
    params.push(Value::Text(op.as_str().into()));
    params.push(Value::DateTime(at));
    params.push(change.by.encode());
    params.push(change.comment.encode());
    params
}

/// Whether `new` differs from `current` only in untracked columns (version, timestamps).
fn unchanged<E: Entity>(current: &E, new: &E) -> bool {
    let (a, b) = (current.values(), new.values());
    a.iter().zip(&b).enumerate().all(|(i, (x, y))| E::UNTRACKED.contains(&i) || x == y)
}

/// A history row: the entity's columns, then [`history::COLUMNS`] in their order.
fn history_entry<E: Entity>(row: &Row) -> Result<HistoryEntry<E>> {
    let n = E::COLUMNS.len();
    let entity = E::from_row(row)?;
    Ok(HistoryEntry {
        version: entity.version().unwrap_or_default(),
        entity,
        operation: Operation::parse(&row.get::<String>(n)?)?,
        changed_at: row.get(n + 1)?,
        changed_by: row.get(n + 2)?,
        comment: row.get(n + 3)?,
    })
}
