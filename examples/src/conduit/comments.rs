//! Comments: `GET` and `POST /api/articles/{slug}/comments`, `DELETE
//! /api/articles/{slug}/comments/{id}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dal::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::articles::Articles;
use super::auth::{AuthUser, MaybeUser};
use super::entities::{Comment, CommentId, User, UserId};
use super::error::ApiError;
use super::profiles::Profiles;
use super::validate;
use super::views::{CommentView, ProfileView};

/// The comments service.
#[derive(Debug, Clone)]
pub struct Comments {
    db: Database,
    articles: Articles,
    profiles: Profiles,
}

impl Comments {
    /// The service over `db`, with the services it asks for articles and follows.
    pub fn new(db: Database, articles: Articles, profiles: Profiles) -> Self {
        Comments { db, articles, profiles }
    }

    /// The comments on article `slug`, oldest first, with their authors as `viewer` sees
    /// them: three statements (comments, authors, follows) however many there are, after the
    /// article's.
    #[auto_transaction(read_only)]
    pub async fn list(
        &self,
        viewer: Option<UserId>,
        slug: &str,
    ) -> Result<Vec<CommentView>, ApiError> {
        let article = self.articles.by_slug(slug).await?;
        let comments = self
            .db
            .repo::<Comment>()
            .find()
            .filter(Comment::ARTICLE_ID.eq(article.id))
            .order_by(Comment::CREATED_AT.asc())
            .order_by(Comment::ID.asc())
            .with(Comment::AUTHOR)
            .all()
            .await?;
        let authors: Vec<UserId> = comments.iter().map(|(c, _)| c.author_id).collect();
        let following = self.profiles.followed_among(viewer, &authors).await?;
        comments
            .into_iter()
            .map(|(comment, author)| {
                let author = author.ok_or_else(|| missing_author(&comment))?;
                let profile = ProfileView::new(&author, following.contains(&author.id));
                Ok(CommentView::new(&comment, profile))
            })
            .collect()
    }

    /// `me` comments `body` on article `slug`.
    #[auto_transaction]
    pub async fn create(
        &self,
        me: UserId,
        slug: &str,
        body: String,
    ) -> Result<CommentView, ApiError> {
        let article = self.articles.by_slug(slug).await?;
        let now = Utc::now();
        let comment = Comment {
            id: CommentId(0),
            article_id: article.id,
            author_id: me,
            body,
            created_at: now,
            updated_at: now,
        };
        let saved = self.db.repo::<Comment>().save(&comment).await?;
        let author = self
            .db
            .repo::<User>()
            .get(me)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token names no user"))?;
        Ok(CommentView::new(&saved, ProfileView::new(&author, false)))
    }

    /// Deletes `me`'s comment `id` on article `slug`: 404 when the article has no such
    /// comment, 403 when it is someone else's.
    #[auto_transaction]
    pub async fn delete(&self, me: UserId, slug: &str, id: i64) -> Result<(), ApiError> {
        let article = self.articles.by_slug(slug).await?;
        let comments = self.db.repo::<Comment>();
        let comment =
            comments.get(CommentId(id)).await?.filter(|c| c.article_id == article.id).ok_or_else(
                || ApiError::not_found(format!("article {slug} has no comment {id}")),
            )?;
        if comment.author_id != me {
            return Err(ApiError::forbidden(format!("comment {id} is not yours to delete")));
        }
        comments.delete_permanently(comment.id).await?;
        Ok(())
    }
}

fn missing_author(comment: &Comment) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the author of comment {} is missing", comment.id.0),
    )
}

/// `{"comment": {...}}` in and out.
#[derive(Debug, Deserialize, Serialize)]
pub struct CommentEnvelope<T> {
    /// The comment part.
    pub comment: T,
}

/// `{"comments": [...]}`.
#[derive(Debug, Serialize)]
pub struct CommentsEnvelope {
    /// The comments, oldest first.
    pub comments: Vec<CommentView>,
}

/// The body of `POST /api/articles/{slug}/comments`.
#[derive(Debug, Deserialize)]
pub struct NewComment {
    body: String,
}

/// `GET /api/articles/{slug}/comments`.
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Json<CommentsEnvelope>, ApiError> {
    let Path(slug) = slug?;
    Ok(Json(CommentsEnvelope { comments: state.comments.list(viewer, &slug).await? }))
}

/// `POST /api/articles/{slug}/comments`: the new comment (200, as the spec says).
pub async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    slug: Result<Path<String>, PathRejection>,
    body: Result<Json<CommentEnvelope<NewComment>>, JsonRejection>,
) -> Result<Json<CommentEnvelope<CommentView>>, ApiError> {
    let Path(slug) = slug?;
    let Json(CommentEnvelope { comment }) = body?;
    let body = validate::required("body", &comment.body)?;
    Ok(Json(CommentEnvelope { comment: state.comments.create(me, &slug, body).await? }))
}

/// `DELETE /api/articles/{slug}/comments/{id}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((slug, id)) = path?;
    state.comments.delete(me, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
