//! Articles as the API shows them, loaded for a whole page at once: a fixed number of
//! statements however many articles the page holds, never one per article.
//!
//! | statement | what |
//! |---|---|
//! | 1 | the page of articles (the caller's [`Find`]) |
//! | 2 | their authors (`Article::AUTHOR`) |
//! | 3, 4 | their taggings, then those taggings' tags (`Article::TAGGINGS.with(ArticleTag::TAG)`) |
//! | 5 | the favorite count of each (`GROUP BY`) |
//! | 6 | which of them the viewer favorited (signed-in viewers only) |
//! | 7 | which of their authors the viewer follows (signed-in viewers only) |
//!
//! Statements 3 and 4 each split into more only past the backend's parameter limit, which a
//! page (at most [`MAX_LIMIT`](super::MAX_LIMIT) articles) never reaches; statement 4 is
//! skipped when no article of the page has a tag.

use std::collections::{HashMap, HashSet};

use dal::entity::Find;
use dal::prelude::*;

use super::super::entities::{Article, ArticleId, ArticleTag, Favorite, UserId};
use super::super::error::ApiError;
use super::super::profiles::Profiles;
use super::super::views::{ArticleView, ProfileView};

/// The articles `find` selects, each with its author, tags and favorites as `viewer` sees
/// them, in `find`'s order.
pub async fn views(
    db: &Database,
    profiles: &Profiles,
    viewer: Option<UserId>,
    find: Find<'_, Article>,
) -> Result<Vec<ArticleView>, ApiError> {
    let rows = find.with((Article::AUTHOR, Article::TAGGINGS.with(ArticleTag::TAG))).all().await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ArticleId> = rows.iter().map(|(a, _)| a.id).collect();
    let authors: Vec<UserId> =
        rows.iter().map(|(a, _)| a.author_id).collect::<HashSet<_>>().into_iter().collect();
    let counts = favorite_counts(db, &ids).await?;
    let favorited = favorited_by(db, viewer, &ids).await?;
    let following = profiles.followed_among(viewer, &authors).await?;

    rows.into_iter()
        .map(|(article, (author, taggings))| {
            // The foreign key keeps every author there: a missing one is a broken database.
            let author = author.ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the author of article {} is missing", article.slug),
                )
            })?;
            let tags = taggings.into_iter().filter_map(|(_, tag)| tag.map(|t| t.name)).collect();
            Ok(ArticleView::new(
                &article,
                tags,
                favorited.contains(&article.id),
                counts.get(&article.id).copied().unwrap_or(0),
                ProfileView::new(&author, following.contains(&author.id)),
            ))
        })
        .collect()
}

/// How many users favorited each of `ids` (absent: none), in one grouped statement per
/// parameter-limit's worth of ids. Raw SQL: dal's typed queries have no `GROUP BY`; the text is
/// a constant and the ids are bound.
async fn favorite_counts(
    db: &Database,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, i64>, ApiError> {
    let mut counts = HashMap::new();
    for chunk in ids.chunks(db.dialect().max_params().max(1)) {
        let sql = format!(
            "SELECT article_id, COUNT(*) FROM favorites WHERE article_id IN ({}) GROUP BY article_id",
            vec!["?"; chunk.len()].join(", ")
        );
        let query = chunk.iter().fold(db.query(&sql), |q, id| q.bind(*id));
        counts.extend(query.fetch_all_as::<(ArticleId, i64)>().await?);
    }
    Ok(counts)
}

/// Which of `ids` `viewer` favorited (none for an anonymous viewer), in one statement.
async fn favorited_by(
    db: &Database,
    viewer: Option<UserId>,
    ids: &[ArticleId],
) -> Result<HashSet<ArticleId>, ApiError> {
    let Some(viewer) = viewer else { return Ok(HashSet::new()) };
    let mine = db
        .repo::<Favorite>()
        .find()
        .filter(Favorite::USER_ID.eq(viewer))
        .filter(Favorite::ARTICLE_ID.is_in(ids.iter().copied()))
        .all()
        .await?;
    Ok(mine.into_iter().map(|f| f.article_id).collect())
}
