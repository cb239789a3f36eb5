//! Creating an entity's table.

use sqlx::SqlStr;

use super::Entity;
use crate::database::Database;
use crate::error::Result;

impl Database {
    /// Creates the table of entity `E` (and its history table) when they do not exist.
    pub async fn ensure_schema<E: Entity>(&self) -> Result<()> {
        let st = E::statements(self.dialect());
        let mut lease = self.lease().await?;
        lease.warn_if_implicit_commit(self.dialect(), st.create_table);
        let conn = lease.conn()?;
        conn.execute_unprepared(SqlStr::from_static(st.create_table)).await?;
        if !st.create_history_table.is_empty() {
            conn.execute_unprepared(SqlStr::from_static(st.create_history_table)).await?;
        }
        Ok(())
    }
}
