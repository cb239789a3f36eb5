//! Registration, login, and the signed-in user: `POST /api/users`, `POST /api/users/login`,
//! `GET /api/user`, `PUT /api/user`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use dal::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{self, AuthUser};
use super::entities::{User, UserId};
use super::error::{ApiError, ApiResult};
use super::validate;
use super::views::UserView;

/// The users service: each method is one transaction.
#[derive(Debug, Clone)]
pub struct Users {
    db: Database,
}

/// What a profile update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// A new username.
    pub username: Option<String>,
    /// A new e-mail address.
    pub email: Option<String>,
    /// A new password, already hashed.
    pub password_hash: Option<String>,
    /// A new bio; `Some(None)` clears it.
    pub bio: Option<Option<String>>,
    /// A new picture URL; `Some(None)` clears it.
    pub image: Option<Option<String>>,
}

impl Users {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Users { db }
    }

    /// Saves a new user, after checking that the username and e-mail are free (so each gets
    /// its own message; the unique indexes catch two registrations racing for one name).
    #[auto_transaction]
    pub async fn register(
        &self,
        username: String,
        email: String,
        password_hash: String,
    ) -> Result<User, ApiError> {
        self.check_free(None, Some(&username), Some(&email)).await?;
        let now = Utc::now(); // the first save sets both timestamps again, to its own clock
        let user = User {
            id: UserId(Uuid::nil()),
            username,
            email,
            password_hash,
            bio: None,
            image: None,
            version: 0,
            created_at: now,
            updated_at: now,
        };
        Ok(self.db.repo::<User>().save(&user).await?)
    }

    /// The user with `email`, if any.
    #[auto_transaction(read_only)]
    pub async fn by_email(&self, email: &str) -> Result<Option<User>, ApiError> {
        Ok(self.db.repo::<User>().find().filter(User::EMAIL.eq(email)).one().await?)
    }

    /// The user a token names: 401 when it names no user (any more).
    #[auto_transaction(read_only)]
    pub async fn signed_in(&self, id: UserId) -> Result<User, ApiError> {
        self.db
            .repo::<User>()
            .get(id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token names no user"))
    }

    /// Applies `changes` to user `id`, checking first that a new username or e-mail is free.
    #[auto_transaction]
    pub async fn update(&self, id: UserId, changes: UserChanges) -> Result<User, ApiError> {
        let users = self.db.repo::<User>();
        let mut user = users
            .get(id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token names no user"))?;
        let username = changes.username.filter(|u| *u != user.username);
        let email = changes.email.filter(|e| *e != user.email);
        self.check_free(Some(id), username.as_deref(), email.as_deref()).await?;
        if let Some(username) = username {
            user.username = username;
        }
        if let Some(email) = email {
            user.email = email;
        }
        if let Some(hash) = changes.password_hash {
            user.password_hash = hash;
        }
        if let Some(bio) = changes.bio {
            user.bio = bio;
        }
        if let Some(image) = changes.image {
            user.image = image;
        }
        Ok(users.save(&user).await?)
    }

    /// 422 naming the first of `username` and `email` another user than `me` already has.
    async fn check_free(
        &self,
        me: Option<UserId>,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Result<(), ApiError> {
        let users = self.db.repo::<User>();
        let others = |filter: dal::entity::Filter| match me {
            Some(me) => filter.and(User::ID.ne(me)),
            None => filter,
        };
        if let Some(username) = username
            && users.find().filter(others(User::USERNAME.eq(username))).exists().await?
        {
            return Err(ApiError::taken("username"));
        }
        if let Some(email) = email
            && users.find().filter(others(User::EMAIL.eq(email))).exists().await?
        {
            return Err(ApiError::taken("email"));
        }
        Ok(())
    }
}

/// `{"user": {...}}` in and out.
#[derive(Debug, Deserialize, Serialize)]
pub struct UserEnvelope<T> {
    /// The user part.
    pub user: T,
}

/// The body of `POST /api/users`.
#[derive(Debug, Deserialize)]
pub struct Registration {
    username: String,
    email: String,
    password: String,
}

/// The body of `POST /api/users/login`.
#[derive(Debug, Deserialize)]
pub struct Login {
    email: String,
    password: String,
}

/// The body of `PUT /api/user`: any of the fields; an empty `bio` or `image` clears it.
#[derive(Debug, Deserialize)]
pub struct UserUpdate {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
    bio: Option<String>,
    image: Option<String>,
}

type Answer = ApiResult<(StatusCode, Json<UserEnvelope<UserView>>)>;

fn answer(state: &AppState, status: StatusCode, user: User) -> Answer {
    let token = state.tokens.issue(user.id)?;
    Ok((status, Json(UserEnvelope { user: UserView::new(user, token) })))
}

/// `POST /api/users`: 201 and the new user with a token.
pub async fn register(
    State(state): State<AppState>,
    body: Result<Json<UserEnvelope<Registration>>, JsonRejection>,
) -> Answer {
    let Json(UserEnvelope { user: new }) = body?;
    let username = validate::key("username", &new.username)?;
    let email = validate::email(&new.email)?;
    let hash = auth::hash_password(validate::password(&new.password)?).await?;
    let user = state.users.register(username, email, hash).await?;
    answer(&state, StatusCode::CREATED, user)
}

/// `POST /api/users/login`: the user with a fresh token; 401 for an unknown e-mail or a
/// wrong password (the same message for both, so the answer does not tell which e-mails exist).
pub async fn login(
    State(state): State<AppState>,
    body: Result<Json<UserEnvelope<Login>>, JsonRejection>,
) -> Answer {
    let Json(UserEnvelope { user: login }) = body?;
    let email = validate::required("email", &login.email)?;
    let password = validate::password(&login.password)?;
    let refused = || ApiError::unauthorized("email or password is invalid");
    let user = state.users.by_email(&email).await?.ok_or_else(refused)?;
    if !auth::verify_password(password, user.password_hash.clone()).await {
        return Err(refused());
    }
    answer(&state, StatusCode::OK, user)
}

/// `GET /api/user`: the signed-in user with a fresh token.
pub async fn current(State(state): State<AppState>, AuthUser(me): AuthUser) -> Answer {
    let user = state.users.signed_in(me).await?;
    answer(&state, StatusCode::OK, user)
}

/// `PUT /api/user`: changes the signed-in user.
pub async fn update(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    body: Result<Json<UserEnvelope<UserUpdate>>, JsonRejection>,
) -> Answer {
    let Json(UserEnvelope { user: update }) = body?;
    let password_hash = match update.password {
        Some(password) => Some(auth::hash_password(validate::password(&password)?).await?),
        None => None,
    };
    let cleared = |value: String| Some(value).filter(|v| !v.trim().is_empty());
    let changes = UserChanges {
        username: update.username.map(|u| validate::key("username", &u)).transpose()?,
        email: update.email.map(|e| validate::email(&e)).transpose()?,
        password_hash,
        bio: update.bio.map(cleared),
        image: update.image.map(cleared),
    };
    let user = state.users.update(me, changes).await?;
    answer(&state, StatusCode::OK, user)
}
