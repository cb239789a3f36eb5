//! `save_all`: many entities in few statements. New entities with client-made ids go in
//! multi-row inserts as large as the backend's parameter limit allows (and their history rows
//! likewise); the rest are saved one by one. All in one transaction: all or nothing.

use chrono::{DateTime, Utc};
use dal_sql::Dialect;

use super::filter::push_column;
use super::repo::{all_values, finish, now, own_transaction};
use super::{Change, Entity, EntityId, Operation, Repo};
use crate::error::Result;
use crate::query::Query;
use crate::types::{Column, Value};

/// `INSERT INTO table (columns…) VALUES (…), (…)` for `rows` rows, with the backend's own
/// placeholders: written in native form, so a thousand-row statement is not lexed again.
fn multi_row_insert(d: Dialect, table: &str, columns: &[&str], rows: usize) -> Result<String> {
    let mut sql = String::with_capacity(64 + rows * columns.len() * 6);
    sql.push_str("INSERT INTO ");
    push_column(d, &mut sql, table)?;
    sql.push_str(" (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_column(d, &mut sql, c)?;
    }
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r > 0 { ", (" } else { "(" });
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            d.push_placeholder(&mut sql, n);
        }
        sql.push(')');
    }
    Ok(sql)
}

/// The history table's extra columns, after the entity's own.
const HISTORY_EXTRA: [&str; 4] = ["operation", "changed_at", "changed_by", "comment"];

impl<E: Entity + Clone> Repo<'_, E> {
    /// Saves every entity, all or nothing, returning them saved in the same order.
    ///
    /// New entities whose id the client makes (UUIDs) are inserted with their history rows in
    /// multi-row statements, each as large as the backend's parameter limit allows; entities
    /// with database-assigned ids, and updates, are saved one at a time (an update checks its
    /// version like [`Repo::save`]).
    pub async fn save_all(&self, entities: &[E]) -> Result<Vec<E>> {
        let tx = own_transaction(self.database()).await?;
        let db = tx.as_deref().unwrap_or(self.database());
        let at = now();
        let mut saved: Vec<Option<E>> = Vec::with_capacity(entities.len());
        let mut fresh: Vec<(usize, E)> = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            let is_new = e.id().is_unset() || e.version() == Some(0);
            if is_new && !E::Id::DATABASE_ASSIGNED {
                fresh.push((i, prepare_new(e.clone(), at)));
                saved.push(None);
            } else {
                saved.push(Some(db.repo::<E>().save_with(e, Change::default()).await?));
            }
        }
        let rows: Vec<&E> = fresh.iter().map(|(_, e)| e).collect();
        insert_rows(db, E::TABLE, E::COLUMNS, &rows, |e| all_values(*e)).await?;
        if E::HISTORY {
            let table = format!("{}_history", E::TABLE);
            let mut columns: Vec<&str> = E::COLUMNS.to_vec();
            columns.extend(HISTORY_EXTRA);
            insert_rows(db, &table, &columns, &rows, |e| {
                let mut values = all_values(*e);
                values.push(Value::Text(Operation::Insert.as_str().into()));
                values.push(Value::DateTime(at));
                values.push(None::<String>.encode().into_owned());
                values.push(None::<String>.encode().into_owned());
                values
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

/// Inserts `rows` into `table` in as few statements as the parameter limit allows.
async fn insert_rows<'r, R>(
    db: &crate::Database,
    table: &str,
    columns: &[&str],
    rows: &'r [R],
    values: impl Fn(&'r R) -> Vec<Value<'r>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let d = db.dialect();
    let per_statement = (d.max_params() / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let sql = multi_row_insert(d, table, columns, chunk.len())?;
        // Borrowed values: nothing is copied on the way to the driver.
        let params: Vec<Value<'r>> = chunk.iter().flat_map(&values).collect();
        Query::execute_native(db, sql, &params).await?;
    }
    Ok(())
}
