//! Transaction isolation levels.

/// How much a transaction sees of others running at the same time (SQL standard levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// May see uncommitted work of others (PostgreSQL treats it as read committed).
    ReadUncommitted,
    /// Sees only committed work, as of each statement.
    ReadCommitted,
    /// Sees a snapshot as of the first statement.
    RepeatableRead,
    /// As if transactions ran one after another; conflicts fail with a serialization error.
    Serializable,
}

impl IsolationLevel {
    /// The SQL spelling, e.g. `REPEATABLE READ`.
    pub const fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}
