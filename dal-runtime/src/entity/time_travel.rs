//! History beyond plain reads: the state as of a time, the fields that changed between two
//! versions, reverting to a version, and purging old history.

use chrono::{DateTime, Utc};
use dal_sql::IdentError;
use dal_sql::history::{self, HistoryTable};

use super::filter::push_column;
use super::repo::{finish, own_transaction};
use super::{Change, Entity, Repo};
use crate::error::{Error, ErrorKind, Result};
use crate::query::Query;
use crate::types::{Column, Value};

/// One column that differs between two versions.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldChange {
    /// The column.
    pub column: &'static str,
    /// Its value in the earlier version.
    pub before: Value<'static>,
    /// Its value in the later version.
    pub after: Value<'static>,
}

impl<E: Entity + Clone> Repo<'_, E> {
    fn history_table(&self) -> Result<String> {
        if !E::HISTORY {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("{} keeps no history: add `history` to its #[dal(...)]", E::TYPE_NAME),
            ));
        }
        let history = HistoryTable::of(E::TABLE).map_err(|e| no_history_table::<E>(&e))?;
        Ok(self.database().dialect().quote(history.name()))
    }

    /// The entity as it was at `time`: its last version saved at or before then (`None` if it
    /// did not exist yet).
    pub async fn as_of(&self, id: E::Id, time: DateTime<Utc>) -> Result<Option<E>> {
        let d = self.database().dialect();
        let table = self.history_table()?;
        let mut columns = String::new();
        for (i, c) in E::COLUMNS.iter().enumerate() {
            if i > 0 {
                columns.push_str(", ");
            }
            push_column(d, &mut columns, c)?;
        }
        let (mut id_col, mut version_col) = (String::new(), String::new());
        push_column(d, &mut id_col, E::COLUMNS[0])?;
        push_column(d, &mut version_col, version_column::<E>()?)?;
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE {id_col} = ? AND {changed_at} <= ? ORDER BY {version_col} DESC{}",
            d.limit_offset(Some(1), None),
            changed_at = history::CHANGED_AT.quoted(d),
        );
        Query::new(self.database(), &sql)
            .bind_all(vec![id.encode().into_owned(), Value::DateTime(time)])
            .fetch_optional_as()
            .await
    }

    /// The columns whose values differ between versions `from` and `to` (version and
    /// timestamps left out). A not-found error when either version does not exist.
    pub async fn diff(&self, id: E::Id, from: i64, to: i64) -> Result<Vec<FieldChange>> {
        let missing = |v: i64| {
            Error::new(ErrorKind::NotFound, format!("{} {id:?} has no version {v}", E::TYPE_NAME))
        };
        let a = self.at_version(id.clone(), from).await?.ok_or_else(|| missing(from))?;
        let b = self.at_version(id.clone(), to).await?.ok_or_else(|| missing(to))?;
        let (va, vb) = (a.values(), b.values());
        Ok(va
            .into_iter()
            .zip(vb)
            .enumerate()
            .filter(|(i, (x, y))| !E::UNTRACKED.contains(i) && x != y)
            .map(|(i, (x, y))| FieldChange {
                column: E::COLUMNS[i + 1],
                before: x.into_owned(),
                after: y.into_owned(),
            })
            .collect())
    }

    /// Makes version `version`'s values current again, as a new version (history keeps
    /// everything in between). Returns the saved entity; a not-found error when there is no
    /// such version or row.
    pub async fn revert_to(&self, id: E::Id, version: i64) -> Result<E> {
        let tx = own_transaction(self.database()).await?;
        let db = tx.as_deref().unwrap_or(self.database());
        let repo = db.repo::<E>();
        let not_found = || {
            Error::new(
                ErrorKind::NotFound,
                format!("{} {id:?} has no version {version}", E::TYPE_NAME),
            )
        };
        let mut old = repo.at_version(id.clone(), version).await?.ok_or_else(not_found)?;
        let current = repo.get_including_deleted(id.clone()).await?.ok_or_else(not_found)?;
        // Saved on top of the current version, so the optimistic lock accepts it.
        old.set_version(current.version().unwrap_or_default());
        old.set_deleted_at(current.deleted_at());
        let saved = repo
            .save_with(
                &old,
                Change { by: None, comment: Some(format!("revert to version {version}")) },
            )
            .await?;
        finish(tx).await?;
        Ok(saved)
    }

    /// Deletes history rows saved before `time`; returns how many.
    pub async fn purge_history_before(&self, time: DateTime<Utc>) -> Result<u64> {
        let sql = format!(
            "DELETE FROM {} WHERE {} < ?",
            self.history_table()?,
            history::CHANGED_AT.quoted(self.database().dialect())
        );
        Query::new(self.database(), &sql).bind(time).execute().await
    }
}

fn version_column<E: Entity>() -> Result<&'static str> {
    E::VERSION_COLUMN.ok_or_else(|| {
        Error::new(ErrorKind::Usage, format!("{} has no version column", E::TYPE_NAME))
    })
}

/// The error for an entity table too long to have a history table (the derive refuses those).
pub(super) fn no_history_table<E: Entity>(e: &IdentError) -> Error {
    Error::new(ErrorKind::Usage, format!("`{}` cannot have a history table: {e}", E::TABLE))
}
