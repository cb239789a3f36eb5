//! Tags: `GET /api/tags`, and tagging an article when it is created.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use dal::prelude::*;
use serde::Serialize;

use super::AppState;
use super::entities::{Article, ArticleId, ArticleTag, Tag, TagId};
use super::error::ApiError;

/// The tags service.
#[derive(Debug, Clone)]
pub struct Tags {
    db: Database,
}

impl Tags {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Tags { db }
    }

    /// The names of the tags some live article carries, in alphabetical order: one statement,
    /// the tags filtered through their taggings to articles that are not deleted.
    #[auto_transaction(read_only)]
    pub async fn in_use(&self) -> Result<Vec<String>, ApiError> {
        let live = ArticleTag::ARTICLE.matches(Article::ID.is_not_null());
        let tags = self
            .db
            .repo::<Tag>()
            .find()
            .filter(Tag::TAGGINGS.any(live))
            .order_by(Tag::NAME.asc())
            .all()
            .await?;
        Ok(tags.into_iter().map(|t| t.name).collect())
    }

    /// Tags `article` with `names` (duplicates once), reusing the tags that exist and creating
    /// the others. Only inside the caller's transaction (the article's creation), so an
    /// article never exists with half its tags.
    #[auto_transaction(mandatory)]
    pub async fn attach(&self, article: ArticleId, names: &[String]) -> Result<Vec<Tag>, ApiError> {
        let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut tags = self.named(&names).await?;
        let missing: Vec<&str> =
            names.iter().copied().filter(|n| !tags.iter().any(|t| t.name == *n)).collect();
        if !missing.is_empty() {
            match self.create(&missing).await {
                Ok(created) => tags.extend(created),
                // Another article created one of them meanwhile: this call's inserts were
                // rolled back to its savepoint, and now every name exists.
                Err(e) if e.is_unique_violation() => tags = self.named(&names).await?,
                Err(e) => return Err(e),
            }
        }
        let taggings: Vec<ArticleTag> = tags
            .iter()
            .map(|tag| ArticleTag { id: Uuid::nil(), article_id: article, tag_id: tag.id })
            .collect();
        self.db.repo::<ArticleTag>().save_all(&taggings).await?;
        Ok(tags)
    }

    /// The tags with these names.
    async fn named(&self, names: &BTreeSet<&str>) -> Result<Vec<Tag>, ApiError> {
        let names = names.iter().map(|n| (*n).to_owned());
        Ok(self.db.repo::<Tag>().find().filter(Tag::NAME.is_in(names)).all().await?)
    }

    /// New tags named `names`, under a savepoint: a unique violation undoes only these inserts
    /// and leaves the caller's transaction usable (PostgreSQL would refuse every later
    /// statement of a transaction with a failed one in it).
    #[auto_transaction(savepoint)]
    async fn create(&self, names: &[&str]) -> Result<Vec<Tag>, ApiError> {
        let tags: Vec<Tag> =
            names.iter().map(|n| Tag { id: TagId(Uuid::nil()), name: (*n).to_owned() }).collect();
        Ok(self.db.repo::<Tag>().save_all(&tags).await?)
    }
}

/// `{"tags": [...]}`.
#[derive(Debug, Serialize)]
pub struct TagsEnvelope {
    /// The tag names.
    pub tags: Vec<String>,
}

/// `GET /api/tags`: the tags of live articles.
pub async fn list(State(state): State<AppState>) -> Result<Json<TagsEnvelope>, ApiError> {
    Ok(Json(TagsEnvelope { tags: state.tags.in_use().await? }))
}
