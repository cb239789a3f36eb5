//! Entities that name their shard key (`#[dal(shard_key)]`), and the [`ShardedDatabase`]
//! operations that route them by it.

use super::{ShardKey, ShardedDatabase};
use crate::entity::{Entity, Repo};
use crate::error::{Error, ErrorKind, Result};

/// An entity whose rows are spread over shards by one of its fields. Implemented by
/// `#[derive(Entity)]` for a struct with a `#[dal(shard_key)]` field.
pub trait ShardedEntity: Entity {
    /// The type of the field that chooses the shard.
    type ShardKey: ShardKey + ?Sized;

    /// The value that chooses this entity's shard.
    fn shard_key(&self) -> &Self::ShardKey;
}

impl ShardedDatabase {
    /// The repository of `E` on the shard that holds `key`: `get`, `find`, `delete`, history
    /// and the rest for the entities of that key (`sharded.repo::<Order>(&tenant)?.get(id)`).
    pub fn repo<E: ShardedEntity>(&self, key: &E::ShardKey) -> Result<Repo<'_, E>> {
        Ok(self.shard(key)?.repo::<E>())
    }

    /// Saves `entity` on the shard its shard key names (insert or update, with its history
    /// row, as [`Repo::save`]).
    pub async fn save<E: ShardedEntity + Clone>(&self, entity: &E) -> Result<E> {
        self.shard(entity.shard_key())?.repo::<E>().save(entity).await
    }

    /// Saves every entity on their shard in one transaction there, as [`Repo::save_all`]. They
    /// must all live on one shard: writes to several shards cannot be all or nothing, so such a
    /// batch is refused (save each shard's part with its own call).
    pub async fn save_all<E: ShardedEntity + Clone>(&self, entities: &[E]) -> Result<Vec<E>> {
        let Some(first) = entities.first() else { return Ok(Vec::new()) };
        let index = self.shard_index(first.shard_key())?;
        for e in &entities[1..] {
            let other = self.shard_index(e.shard_key())?;
            if other != index {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!(
                        "these {} live on more than one shard ({:?} on shard {index}, {:?} on shard {other}), and a batch over several shards cannot be all or nothing: save each shard's part with its own save_all",
                        E::TYPE_NAME,
                        first.shard_key(),
                        e.shard_key()
                    ),
                ));
            }
        }
        self.shards[index].repo::<E>().save_all(entities).await
    }
}
