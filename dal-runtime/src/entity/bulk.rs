//! `save_all`: many entities in few statements. New entities go in multi-row inserts as large
//! as the backend's parameter limit allows (and their history rows likewise); updates are
//! saved one by one. All in one transaction: all or nothing.
//!
//! Database-assigned ids come back without a row-by-row insert: PostgreSQL hands out the ids
//! first (`nextval` of the identity's sequence, once for all rows), which then go in like
//! client-made ones; SQLite and MySQL/MariaDB assign consecutive ids to the rows of one
//! multi-row insert (SQLite under the write lock its transaction holds; InnoDB unless
//! `innodb_autoinc_lock_mode` is 2, when dal inserts row by row), read back from the insert's
//! last id.

use chrono::{DateTime, Utc};
use dal_sql::history::{self, HistoryTable};
use dal_sql::{Dialect, Ident};

use super::filter::{checked_ident, push_column};
use super::repo::{all_values, finish, history_values, now, own_transaction};
use super::time_travel::no_history_table;
use super::{Change, Entity, EntityId, Operation, Repo};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Query;
use crate::types::Value;

impl<E: Entity + Clone> Repo<'_, E> {
    /// Saves every entity, all or nothing, returning them saved in the same order.
    ///
    /// New entities are inserted with their history rows in multi-row statements, each as
    /// large as the backend's parameter limit allows (database-assigned ids included, see the
    /// module docs); updates are saved one at a time (each checks its version like
    /// [`Repo::save`]). A batch that is one multi-row insert runs without a transaction of its
    /// own (the statement is atomic by itself); anything more runs in one.
    pub async fn save_all(&self, entities: &[E]) -> Result<Vec<E>> {
        let is_new = |e: &E| e.id().is_unset() || e.version() == Some(0);
        let new_rows = entities.iter().filter(|e| is_new(e)).count();
        let assigned =
            E::Id::DATABASE_ASSIGNED && entities.iter().any(|e| is_new(e) && e.id().is_unset());
        let d = self.database().dialect();
        // One multi-row insert is all or nothing by itself; anything more needs a transaction.
        // MySQL may have to insert database-keyed rows one by one (see the module docs).
        let one_statement = new_rows == entities.len()
            && !E::HISTORY
            && new_rows <= d.max_params() / E::COLUMNS.len().max(1)
            && !(assigned && d == Dialect::MySql && new_rows > 1);
        let tx = if one_statement { None } else { own_transaction(self.database()).await? };
        let db = tx.as_deref().unwrap_or(self.database());
        let at = now();
        let mut saved: Vec<Option<E>> = Vec::with_capacity(entities.len());
        let mut fresh: Vec<(usize, E)> = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            if is_new(e) {
                fresh.push((i, prepare_new(e.clone(), at)));
                saved.push(None);
            } else {
                saved.push(Some(db.repo::<E>().save_with(e, Change::default()).await?));
            }
        }
        let table = &checked_ident(E::TABLE)?;
        let columns = E::COLUMNS.iter().map(|c| checked_ident(c)).collect::<Result<Vec<_>>>()?;
        if assigned && db.dialect() != Dialect::Postgres {
            insert_assigning_ids(db, table, &columns[1..], &mut fresh).await?;
        } else {
            if assigned {
                reserve_ids(db, &mut fresh).await?;
            }
            let rows: Vec<&E> = fresh.iter().map(|(_, e)| e).collect();
            let insert = |n| dal_sql::insert_sql(d, table, &columns, n);
            insert_rows(db, columns.len(), insert, &rows, |e| all_values(*e)).await?;
        }
        if E::HISTORY {
            let rows: Vec<&E> = fresh.iter().map(|(_, e)| e).collect();
            let table = HistoryTable::of(E::TABLE).map_err(|e| no_history_table::<E>(&e))?;
            let insert = |n| table.insert_sql(d, &columns, n);
            let width = columns.len() + history::COLUMNS.len();
            let change = Change::default();
            insert_rows(db, width, insert, &rows, |e| {
                history_values(*e, Operation::Insert, at, &change)
            })
            .await?;
        }
        finish(tx).await?;
        for (i, e) in fresh {
            saved[i] = Some(e);
        }
        Ok(saved.into_iter().flatten().collect())
    }
}

/// PostgreSQL: takes one id from the identity column's sequence for each row without one, in
/// one statement, so the rows can go in with their ids like client-made ones.
async fn reserve_ids<E: Entity>(db: &Database, fresh: &mut [(usize, E)]) -> Result<()> {
    let wanted = fresh.iter().filter(|(_, e)| e.id().is_unset()).count();
    let mut table = String::new();
    push_column(db.dialect(), &mut table, E::TABLE)?;
    // The sequence is looked up once, not once per row (which doubles the cost).
    let sql = "SELECT nextval(s.seq) FROM generate_series(1, ?) \
               CROSS JOIN (SELECT CAST(pg_get_serial_sequence(?, ?) AS regclass) AS seq) s";
    let rows =
        Query::new(db, sql).bind(wanted as i64).bind(table).bind(E::COLUMNS[0]).fetch_all().await?;
    let mut ids = rows.iter().map(|row| row.get::<i64>(0));
    for (_, e) in fresh.iter_mut().filter(|(_, e)| e.id().is_unset()) {
        let id = ids.next().transpose()?.and_then(E::Id::from_assigned).ok_or_else(|| {
            Error::new(ErrorKind::Other, "the identity sequence gave fewer ids than rows")
        })?;
        e.set_id(id);
    }
    Ok(())
}

/// SQLite and MySQL/MariaDB: inserts the rows without their ids, in multi-row statements, and
/// sets on each the id the database gave it (see the module docs).
async fn insert_assigning_ids<E: Entity>(
    db: &Database,
    table: &Ident,
    columns: &[Ident],
    fresh: &mut [(usize, E)],
) -> Result<()> {
    let d = db.dialect();
    let step = match d {
        Dialect::MySql => match consecutive_auto_increment(db).await? {
            Some(step) => step,
            None => return insert_row_by_row(db, fresh).await,
        },
        _ => 1,
    };
    let per_statement = (d.max_params() / columns.len().max(1)).max(1);
    for chunk in fresh.chunks_mut(per_statement) {
        let sql = dal_sql::insert_sql(d, table, columns, chunk.len());
        let params: Vec<Value<'_>> = chunk.iter().flat_map(|(_, e)| e.values()).collect();
        let done = Query::execute_native_result(db, sql, &params).await?;
        let last = done.last_insert_id.ok_or_else(|| {
            Error::new(ErrorKind::Other, "the database reported no id for the insert")
        })?;
        let n = chunk.len() as i64;
        // SQLite reports the last row's id, MySQL/MariaDB the first's.
        let first = if d == Dialect::Sqlite { last - (n - 1) } else { last };
        for (k, (_, e)) in chunk.iter_mut().enumerate() {
            let id = E::Id::from_assigned(first + k as i64 * step).ok_or_else(|| {
                Error::new(ErrorKind::Other, "the database assigned an id out of range")
            })?;
            e.set_id(id);
        }
    }
    Ok(())
}

/// The step between the ids InnoDB gives the rows of one multi-row insert
/// (`auto_increment_increment`), or `None` when they need not be consecutive
/// (`innodb_autoinc_lock_mode` 2, "interleaved", MySQL 8's default).
async fn consecutive_auto_increment(db: &Database) -> Result<Option<i64>> {
    let row = Query::new(
        db,
        "SELECT CAST(@@innodb_autoinc_lock_mode AS SIGNED), CAST(@@auto_increment_increment AS SIGNED)",
    )
    .fetch_one()
    .await?;
    let (mode, step): (i64, i64) = (row.get(0)?, row.get(1)?);
    Ok((mode < 2).then_some(step.max(1)))
}

/// Inserts each row with the entity's own insert and reads its id back.
async fn insert_row_by_row<E: Entity>(db: &Database, fresh: &mut [(usize, E)]) -> Result<()> {
    let sql = E::statements(db.dialect()).insert_generated_id;
    for (_, e) in fresh.iter_mut() {
        let done = Query::execute_native_result(db, sql.to_owned(), &e.values()).await?;
        let id = done.last_insert_id.and_then(E::Id::from_assigned).ok_or_else(|| {
            Error::new(ErrorKind::Other, "the database reported no id for the insert")
        })?;
        e.set_id(id);
    }
    Ok(())
}

/// A new entity as it will be stored: id, version 1, both timestamps `at`.
fn prepare_new<E: Entity>(mut e: E, at: DateTime<Utc>) -> E {
    if let Some(id) = E::Id::generate().filter(|_| e.id().is_unset()) {
        e.set_id(id);
    }
    e.set_version(1);
    e.set_created_at(at);
    e.set_updated_at(at);
    e
}

/// Inserts `rows` of `width` values each in as few statements as the parameter limit allows,
/// `insert(n)` being the insert of `n` rows.
async fn insert_rows<'r, R>(
    db: &Database,
    width: usize,
    insert: impl Fn(usize) -> String,
    rows: &'r [R],
    values: impl Fn(&'r R) -> Vec<Value<'r>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_statement = (db.dialect().max_params() / width.max(1)).max(1);
    for chunk in rows.chunks(per_statement) {
        let sql = insert(chunk.len());
        // Borrowed values: nothing is copied on the way to the driver.
        let params: Vec<Value<'r>> = chunk.iter().flat_map(&values).collect();
        Query::execute_native_result(db, sql, &params).await?;
    }
    Ok(())
}
