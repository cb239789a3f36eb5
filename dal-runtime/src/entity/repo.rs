//! [`Repo`]: typed CRUD for one entity over a [`Database`] handle (pool, connection or
//! transaction alike).

use std::marker::PhantomData;

use sqlx::SqlStr;

use super::{Entity, EntityId};
use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Column, Value};

/// Typed operations on the table of entity `E`. Get one with `db.repo::<E>()`.
#[derive(Debug)]
pub struct Repo<'a, E> {
    db: &'a Database,
    entity: PhantomData<fn() -> E>,
}

impl Database {
    /// The repository of entity `E` on this handle.
    pub fn repo<E: Entity>(&self) -> Repo<'_, E> {
        Repo { db: self, entity: PhantomData }
    }
}

impl<E: Entity> Repo<'_, E> {
    /// Reads the entity with `id`; `None` when there is no such row.
    pub async fn get(&self, id: E::Id) -> Result<Option<E>> {
        let st = E::statements(self.db.dialect());
        let mut lease = self.db.lease().await?;
        let row = lease
            .conn()?
            .fetch_optional(SqlStr::from_static(st.select_by_id), &[id.encode()])
            .await?;
        row.as_ref().map(E::from_row).transpose()
    }

    /// Inserts the entity when it is new (unset id, or no row with its id) and updates it
    /// otherwise. Returns the saved entity with its id filled in.
    pub async fn save(&self, entity: &E) -> Result<E>
    where
        E: Clone,
    {
        let st = E::statements(self.db.dialect());
        let mut saved = entity.clone();
        let mut lease = self.db.lease().await?;
        let conn = lease.conn()?;
        if saved.id().is_unset() {
            if E::Id::DATABASE_ASSIGNED {
                let values = saved.values();
                let sql = SqlStr::from_static(st.insert_generated_id);
                let id = if self.db.dialect().supports_returning() {
                    let row = conn
                        .fetch_optional(sql, &values)
                        .await?
                        .ok_or_else(|| Error::new(ErrorKind::Other, "the insert returned no id"))?;
                    E::Id::decode(&row, 0)?
                } else {
                    let done = conn.execute(sql, &values).await?;
                    done.last_insert_id.and_then(E::Id::from_assigned).ok_or_else(|| {
                        Error::new(ErrorKind::Other, "the database reported no id for the insert")
                    })?
                };
                drop(values);
                saved.set_id(id);
                return Ok(saved);
            }
            if let Some(id) = E::Id::generate() {
                saved.set_id(id);
            }
        } else {
            let mut params = saved.values();
            params.push(saved.id().encode());
            let done = conn.execute(SqlStr::from_static(st.update), &params).await?;
            if done.rows_affected > 0 {
                drop(params);
                return Ok(saved);
            }
        }
        let mut params: Vec<Value<'_>> = Vec::with_capacity(E::COLUMNS.len());
        params.push(saved.id().encode());
        params.extend(saved.values());
        conn.execute(SqlStr::from_static(st.insert), &params).await?;
        drop(params);
        Ok(saved)
    }

    /// Deletes the row for good; returns whether there was one.
    pub async fn delete_permanently(&self, id: E::Id) -> Result<bool> {
        let st = E::statements(self.db.dialect());
        let mut lease = self.db.lease().await?;
        let done =
            lease.conn()?.execute(SqlStr::from_static(st.delete_by_id), &[id.encode()]).await?;
        Ok(done.rows_affected > 0)
    }
}
