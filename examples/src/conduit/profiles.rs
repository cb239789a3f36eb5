//! Profiles and follows: `GET /api/profiles/{username}`, `POST` and `DELETE
//! /api/profiles/{username}/follow`.

use std::collections::HashSet;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use dal::prelude::*;
use serde::Serialize;

use super::AppState;
use super::auth::{AuthUser, MaybeUser};
use super::entities::{Follow, User, UserId};
use super::error::{ApiError, ApiResult};
use super::views::ProfileView;

/// The profiles service: each method is one transaction, or joins the caller's.
#[derive(Debug, Clone)]
pub struct Profiles {
    db: Database,
}

impl Profiles {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Profiles { db }
    }

    /// The user named `username`: 404 when there is none.
    #[auto_transaction(read_only)]
    pub async fn user_named(&self, username: &str) -> Result<User, ApiError> {
        self.db
            .repo::<User>()
            .find()
            .filter(User::USERNAME.eq(username))
            .one()
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no user named {username}")))
    }

    /// Which of `authors` `viewer` follows: one statement however many there are (none for an
    /// anonymous viewer).
    #[auto_transaction(read_only)]
    pub async fn followed_among(
        &self,
        viewer: Option<UserId>,
        authors: &[UserId],
    ) -> Result<HashSet<UserId>, ApiError> {
        let Some(viewer) = viewer else { return Ok(HashSet::new()) };
        if authors.is_empty() {
            return Ok(HashSet::new());
        }
        let follows = self
            .db
            .repo::<Follow>()
            .find()
            .filter(Follow::FOLLOWER_ID.eq(viewer))
            .filter(Follow::FOLLOWEE_ID.is_in(authors.iter().copied()))
            .all()
            .await?;
        Ok(follows.into_iter().map(|f| f.followee_id).collect())
    }

    /// The profile of `username` as `viewer` sees it.
    #[auto_transaction(read_only)]
    pub async fn profile(
        &self,
        viewer: Option<UserId>,
        username: &str,
    ) -> Result<ProfileView, ApiError> {
        let user = self.user_named(username).await?;
        let following = self.followed_among(viewer, &[user.id]).await?.contains(&user.id);
        Ok(ProfileView::new(&user, following))
    }

    /// `me` follows `username` (once, however often asked). Following oneself is refused.
    #[auto_transaction]
    pub async fn follow(&self, me: UserId, username: &str) -> Result<ProfileView, ApiError> {
        let user = self.user_named(username).await?;
        if user.id == me {
            return Err(ApiError::unprocessable("you cannot follow yourself"));
        }
        if self.followed_among(Some(me), &[user.id]).await?.is_empty() {
            let follow = Follow {
                id: Uuid::nil(),
                follower_id: me,
                followee_id: user.id,
                created_at: Utc::now(),
            };
            self.db.repo::<Follow>().save(&follow).await?;
        }
        Ok(ProfileView::new(&user, true))
    }

    /// `me` no longer follows `username` (nothing happens when `me` did not).
    #[auto_transaction]
    pub async fn unfollow(&self, me: UserId, username: &str) -> Result<ProfileView, ApiError> {
        let user = self.user_named(username).await?;
        let follows = self.db.repo::<Follow>();
        let pair = Follow::FOLLOWER_ID.eq(me).and(Follow::FOLLOWEE_ID.eq(user.id));
        for follow in follows.find().filter(pair).all().await? {
            follows.delete_permanently(follow.id).await?;
        }
        Ok(ProfileView::new(&user, false))
    }
}

/// `{"profile": {...}}`.
#[derive(Debug, Serialize)]
pub struct ProfileEnvelope {
    /// The profile.
    pub profile: ProfileView,
}

type Answer = ApiResult<Json<ProfileEnvelope>>;

/// `GET /api/profiles/{username}`.
pub async fn get(
    State(state): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    username: Result<Path<String>, PathRejection>,
) -> Answer {
    let Path(username) = username?;
    Ok(Json(ProfileEnvelope { profile: state.profiles.profile(viewer, &username).await? }))
}

/// `POST /api/profiles/{username}/follow`. Two requests racing to follow the same user meet
/// at the unique index on the pair; the loser's transaction is rolled back and it asks again,
/// finding the winner's row.
pub async fn follow(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    username: Result<Path<String>, PathRejection>,
) -> Answer {
    let Path(username) = username?;
    let profile = match state.profiles.follow(me, &username).await {
        Err(e) if e.is_unique_violation() => state.profiles.follow(me, &username).await?,
        other => other?,
    };
    Ok(Json(ProfileEnvelope { profile }))
}

/// `DELETE /api/profiles/{username}/follow`.
pub async fn unfollow(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    username: Result<Path<String>, PathRejection>,
) -> Answer {
    let Path(username) = username?;
    Ok(Json(ProfileEnvelope { profile: state.profiles.unfollow(me, &username).await? }))
}
