//! Articles: listing (with filters, and the feed), reading, writing, deleting, favorites, and
//! beyond the spec their revisions. The handlers read and check requests; [`Articles`] does
//! the work, one transaction per call.

mod present;
mod revisions;
mod service;
mod slug;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

pub use self::revisions::{ArticleText, FieldChangeView, RevisionView};
pub use self::service::{ArticleChanges, Articles, ListQuery, NewArticle};
pub use self::slug::slug_for;
use super::AppState;
use super::auth::{AuthUser, MaybeUser};
use super::error::{ApiError, ApiResult};
use super::validate;
use super::views::ArticleView;

/// The page size when the request names none (the spec's default).
pub const DEFAULT_LIMIT: u64 = 20;

/// The largest page: a larger `limit` gives this many.
pub const MAX_LIMIT: u64 = 100;

/// `{"article": {...}}` in and out.
#[derive(Debug, Deserialize, Serialize)]
pub struct ArticleEnvelope<T> {
    /// The article part.
    pub article: T,
}

/// `{"articles": [...], "articlesCount": n}`: a page, and how many match in all.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesPage {
    /// The page.
    pub articles: Vec<ArticleView>,
    /// How many articles match, across all pages.
    pub articles_count: i64,
}

/// `{"revisions": [...]}`.
#[derive(Debug, Serialize)]
pub struct RevisionsEnvelope {
    /// Every version, oldest first.
    pub revisions: Vec<RevisionView>,
}

/// The query of `GET /api/articles` and (`limit` and `offset` only) `GET /api/articles/feed`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl ListParams {
    /// The page: `limit` from 1 (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]), `offset`.
    fn page(&self) -> Result<(u64, u64), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 {
            return Err(ApiError::unprocessable("limit must be at least 1"));
        }
        // A database's OFFSET is a signed 64-bit number: past it the query would fail (a 500).
        let offset = self.offset.unwrap_or(0);
        if i64::try_from(offset).is_err() {
            return Err(ApiError::unprocessable("offset must be at most 9223372036854775807"));
        }
        Ok((limit.min(MAX_LIMIT), offset))
    }
}

/// The body of `POST /api/articles`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewArticleBody {
    title: String,
    description: String,
    body: String,
    #[serde(default)]
    tag_list: Vec<String>,
}

/// The body of `PUT /api/articles/{slug}`: any of the fields.
#[derive(Debug, Deserialize)]
pub struct ArticleUpdate {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
}

type One = ApiResult<Json<ArticleEnvelope<ArticleView>>>;
type Many = ApiResult<Json<ArticlesPage>>;

fn one(article: ArticleView) -> One {
    Ok(Json(ArticleEnvelope { article }))
}

/// `GET /api/articles?tag=&author=&favorited=&limit=&offset=`.
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Many {
    let Query(params) = params?;
    let (limit, offset) = params.page()?;
    let query = ListQuery {
        tag: params.tag,
        author: params.author,
        favorited: params.favorited,
        limit,
        offset,
    };
    let (articles, articles_count) = state.articles.list(viewer, &query).await?;
    Ok(Json(ArticlesPage { articles: lists_have_no_body(articles), articles_count }))
}

/// `GET /api/articles/feed?limit=&offset=`: articles by the authors the user follows.
pub async fn feed(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Many {
    let Query(params) = params?;
    let (limit, offset) = params.page()?;
    let (articles, articles_count) = state.articles.feed(me, limit, offset).await?;
    Ok(Json(ArticlesPage { articles: lists_have_no_body(articles), articles_count }))
}

/// The spec's list items have no `body`: a page stays small however long the articles are.
fn lists_have_no_body(articles: Vec<ArticleView>) -> Vec<ArticleView> {
    articles.into_iter().map(|a| ArticleView { body: None, ..a }).collect()
}

/// `GET /api/articles/{slug}`.
pub async fn get(
    State(state): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    slug: Result<Path<String>, PathRejection>,
) -> One {
    let Path(slug) = slug?;
    one(state.articles.get(viewer, &slug).await?)
}

/// `POST /api/articles`: 201 and the new article.
pub async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    body: Result<Json<ArticleEnvelope<NewArticleBody>>, JsonRejection>,
) -> Result<(StatusCode, Json<ArticleEnvelope<ArticleView>>), ApiError> {
    let Json(ArticleEnvelope { article: new }) = body?;
    let new = NewArticle {
        title: validate::required("title", &new.title)?,
        description: validate::required("description", &new.description)?,
        body: validate::required("body", &new.body)?,
        tags: new.tag_list.iter().map(|t| validate::key("tag", t)).collect::<ApiResult<_>>()?,
    };
    let article = state.articles.create(me, new).await?;
    Ok((StatusCode::CREATED, Json(ArticleEnvelope { article })))
}

/// `PUT /api/articles/{slug}`: the author changes title, description or body.
pub async fn update(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    slug: Result<Path<String>, PathRejection>,
    body: Result<Json<ArticleEnvelope<ArticleUpdate>>, JsonRejection>,
) -> One {
    let Path(slug) = slug?;
    let Json(ArticleEnvelope { article: update }) = body?;
    let changes = ArticleChanges {
        title: update.title.map(|t| validate::required("title", &t)).transpose()?,
        description: update
            .description
            .map(|d| validate::required("description", &d))
            .transpose()?,
        body: update.body.map(|b| validate::required("body", &b)).transpose()?,
    };
    one(state.articles.update(me, &slug, changes).await?)
}

/// `DELETE /api/articles/{slug}`: the author deletes it; 204.
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    slug: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(slug) = slug?;
    state.articles.delete(me, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/articles/{slug}/favorite`. Two requests racing to favorite one article meet at
/// the unique index on the pair; the loser asks again and finds the winner's row.
pub async fn favorite(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    slug: Result<Path<String>, PathRejection>,
) -> One {
    let Path(slug) = slug?;
    match state.articles.favorite(me, &slug).await {
        Err(e) if e.is_unique_violation() => one(state.articles.favorite(me, &slug).await?),
        other => one(other?),
    }
}

/// `DELETE /api/articles/{slug}/favorite`.
pub async fn unfavorite(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    slug: Result<Path<String>, PathRejection>,
) -> One {
    let Path(slug) = slug?;
    one(state.articles.unfavorite(me, &slug).await?)
}

/// `GET /api/articles/{slug}/revisions`: every version, oldest first, with who made it and
/// which fields it changed.
pub async fn revisions(
    State(state): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<RevisionsEnvelope>, ApiError> {
    let Path(slug) = slug?;
    Ok(Json(RevisionsEnvelope { revisions: state.articles.revisions(&slug).await? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<u64>, offset: Option<u64>) -> ListParams {
        ListParams { tag: None, author: None, favorited: None, limit, offset }
    }

    #[test]
    fn a_page_past_what_a_database_takes_is_refused_not_a_500() {
        assert_eq!(params(None, None).page().ok(), Some((DEFAULT_LIMIT, 0)));
        assert_eq!(params(Some(1_000), Some(5)).page().ok(), Some((MAX_LIMIT, 5)));
        let max = u64::try_from(i64::MAX).expect("fits");
        assert_eq!(params(None, Some(max)).page().ok(), Some((DEFAULT_LIMIT, max)));
        for bad in [params(Some(0), None), params(None, Some(max + 1))] {
            let err = bad.page().expect_err("refused");
            assert_eq!(err.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}
