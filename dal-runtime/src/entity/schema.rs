//! Creating an entity's table.

use sqlx::SqlStr;

use super::Entity;
use crate::database::Database;
use crate::error::Result;

impl Database {
    /// Creates the table of entity `E` when it does not exist.
    pub async fn ensure_schema<E: Entity>(&self) -> Result<()> {
        let st = E::statements(self.dialect());
        let mut lease = self.lease().await?;
        lease.warn_if_implicit_commit(self.dialect(), st.create_table);
        lease.conn()?.execute_unprepared(SqlStr::from_static(st.create_table)).await
    }
}
