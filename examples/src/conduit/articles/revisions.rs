//! `GET /api/articles/{slug}/revisions`, beyond the spec: every version of an article from its
//! history, with who made it and which fields it changed.

use std::collections::HashMap;

use dal::entity::HistoryEntry;
use serde::Serialize;

use super::super::entities::{Article, UserId};
use super::super::views::timestamp;

/// One version of an article.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RevisionView {
    /// The version number, from 1.
    pub version: i64,
    /// `insert`, `update`, `delete` or `restore`.
    pub operation: &'static str,
    /// When.
    pub changed_at: String,
    /// The username of who made it (as it is now), `null` when no one was recorded.
    pub changed_by: Option<String>,
    /// The fields that differ from the version before (every field for the first).
    pub changes: Vec<FieldChangeView>,
    /// The article as this version left it.
    pub article: ArticleText,
}

/// One field of an article that a version changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldChangeView {
    /// `slug`, `title`, `description` or `body`.
    pub field: &'static str,
    /// Its value before (`null` in the first version).
    pub before: Option<String>,
    /// Its value after.
    pub after: String,
}

/// The fields of an article a revision shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleText {
    /// The slug.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The summary.
    pub description: String,
    /// The text.
    pub body: String,
}

impl ArticleText {
    fn of(article: &Article) -> Self {
        ArticleText {
            slug: article.slug.clone(),
            title: article.title.clone(),
            description: article.description.clone(),
            body: article.body.clone(),
        }
    }

    fn fields(&self) -> [(&'static str, &str); 4] {
        [
            ("slug", &self.slug),
            ("title", &self.title),
            ("description", &self.description),
            ("body", &self.body),
        ]
    }
}

/// The users recorded in `history` (`Change::by` holds a user id), to look up in one batch.
pub fn recorded_users(history: &[HistoryEntry<Article>]) -> Vec<UserId> {
    let mut ids: Vec<UserId> = history
        .iter()
        .filter_map(|entry| entry.changed_by.as_deref()?.parse().ok().map(UserId))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The revisions of `history` (oldest first), naming each change's author through `names`
/// (user id → username).
pub fn revisions(
    history: &[HistoryEntry<Article>],
    names: &HashMap<UserId, String>,
) -> Vec<RevisionView> {
    let mut before: Option<ArticleText> = None;
    history
        .iter()
        .map(|entry| {
            let after = ArticleText::of(&entry.entity);
            let changes = after
                .fields()
                .into_iter()
                .enumerate()
                .filter_map(|(i, (field, value))| {
                    let old = before.as_ref().map(|b| b.fields()[i].1.to_owned());
                    (old.as_deref() != Some(value)).then(|| FieldChangeView {
                        field,
                        before: old,
                        after: value.to_owned(),
                    })
                })
                .collect();
            let changed_by = entry
                .changed_by
                .as_deref()
                .and_then(|by| by.parse().ok())
                .and_then(|id| names.get(&UserId(id)).cloned());
            let view = RevisionView {
                version: entry.version,
                operation: entry.operation.as_str(),
                changed_at: timestamp(entry.changed_at),
                changed_by,
                changes,
                article: after.clone(),
            };
            before = Some(after);
            view
        })
        .collect()
}
