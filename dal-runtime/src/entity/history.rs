//! History: one row per version of an entity, with what happened, when, by whom and why.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// What a version of an entity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// The first save.
    Insert,
    /// A save that changed something.
    Update,
    /// A soft delete.
    Delete,
    /// A restore after a soft delete.
    Restore,
}

impl Operation {
    /// The text stored in the history table.
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Restore => "restore",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "insert" => Operation::Insert,
            "update" => Operation::Update,
            "delete" => Operation::Delete,
            "restore" => Operation::Restore,
            other => return Err(Error::decode(format!("unknown history operation `{other}`"))),
        })
    }
}

/// Who made a change and why, recorded with the version it creates (`save_with`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Who changed it (a user id, a service name).
    pub by: Option<String>,
    /// Why.
    pub comment: Option<String>,
}

impl Change {
    /// A change by `who`.
    pub fn by(who: impl Into<String>) -> Self {
        Change { by: Some(who.into()), comment: None }
    }

    /// Adds a comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

/// One version of an entity, as the history table holds it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HistoryEntry<E> {
    /// The entity as it was in this version.
    pub entity: E,
    /// The version number (from 1, contiguous).
    pub version: i64,
    /// What made this version.
    pub operation: Operation,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// Who, when recorded.
    pub changed_by: Option<String>,
    /// Why, when recorded.
    pub comment: Option<String>,
}
