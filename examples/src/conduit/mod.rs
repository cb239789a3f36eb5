//! Conduit, the RealWorld example backend, on dal: users and JWT auth, profiles and follows,
//! articles with tags, favorites and comments, a feed, filters and pagination — the API of the
//! RealWorld project's `openapi.yml`, judged by its Postman collection
//! (`examples/tests/realworld/`, run by `examples/tests/conduit.rs` on every backend).
//!
//! `cargo run -p examples --bin conduit` serves it on `BIND` (default `127.0.0.1:3000`) over
//! `DB_URL` (default an SQLite file in the temporary directory). Beyond the spec:
//! `GET /api/articles/{slug}/revisions` lists an article's versions from its history, and
//! `GET /health` and `GET /metrics` are the [`serving`] ones.
//!
//! | file | holds |
//! |---|---|
//! | [`config`] | settings from the environment |
//! | [`entities`], [`schema`] | the tables with their unique constraints, and creating them |
//! | [`auth`] | argon2 passwords, JWTs, the `Authorization` extractors |
//! | [`error`], [`validate`], [`views`] | the spec's error body, input checks, response shapes |
//! | [`users`], [`profiles`], [`articles`], [`comments`], [`tags`] | one resource each: a service whose methods are `#[auto_transaction]`, and its handlers |
//!
//! The services hold [`Database`] handles and call each other (articles ask tags and profiles,
//! comments ask articles): a call made inside another's transaction joins it, because the
//! transaction follows the task.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod config;
pub mod entities;
pub mod error;
pub mod profiles;
pub mod schema;
pub mod tags;
pub mod users;
pub mod validate;
pub mod views;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};
use dal::Database;
use metrics_exporter_prometheus::PrometheusHandle;

use self::articles::Articles;
use self::auth::Tokens;
use self::comments::Comments;
use self::config::Config;
use self::error::ApiError;
use self::profiles::Profiles;
use self::tags::Tags;
use self::users::Users;
use crate::serving;

/// What the handlers share: the services, and the token keys.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Registration, login, the signed-in user.
    pub users: Users,
    /// Profiles and follows.
    pub profiles: Profiles,
    /// Articles and favorites.
    pub articles: Articles,
    /// Comments.
    pub comments: Comments,
    /// Tags.
    pub tags: Tags,
    /// Signs and verifies tokens.
    pub tokens: Tokens,
}

impl FromRef<AppState> for Tokens {
    fn from_ref(state: &AppState) -> Tokens {
        state.tokens.clone()
    }
}

impl AppState {
    /// The services over `db`, signing tokens with `config`'s key.
    pub fn new(db: Database, config: &Config) -> Self {
        let profiles = Profiles::new(db.clone());
        let tags = Tags::new(db.clone());
        let articles = Articles::new(db.clone(), tags.clone(), profiles.clone());
        AppState {
            users: Users::new(db.clone()),
            comments: Comments::new(db, articles.clone(), profiles.clone()),
            profiles,
            articles,
            tags,
            tokens: Tokens::new(config.jwt_secret()),
        }
    }
}

/// Every route of the API under `/api`, with `/health` and `/metrics` (which renders
/// `metrics`; 404 without one).
pub fn router(db: Database, config: &Config, metrics: Option<PrometheusHandle>) -> Router {
    let api = Router::new()
        .route("/users", post(users::register))
        .route("/users/login", post(users::login))
        .route("/user", get(users::current).put(users::update))
        .route("/profiles/{username}", get(profiles::get))
        .route("/profiles/{username}/follow", post(profiles::follow).delete(profiles::unfollow))
        .route("/articles", get(articles::list).post(articles::create))
        .route("/articles/feed", get(articles::feed))
        .route(
            "/articles/{slug}",
            get(articles::get).put(articles::update).delete(articles::delete),
        )
        .route("/articles/{slug}/revisions", get(articles::revisions))
        .route("/articles/{slug}/favorite", post(articles::favorite).delete(articles::unfavorite))
        .route("/articles/{slug}/comments", get(comments::list).post(comments::create))
        .route("/articles/{slug}/comments/{id}", delete(comments::delete))
        .route("/tags", get(tags::list))
        .with_state(AppState::new(db.clone(), config));
    Router::new().nest("/api", api).merge(serving::ops_routes(db, metrics)).fallback(no_route)
}

async fn no_route() -> ApiError {
    ApiError::not_found("no such route")
}

/// Connects to `config.db_url` and creates what is missing of the schema
/// ([`schema::ensure_schema`]). With the default URL, the folder of its SQLite file is
/// created first.
///
/// # Errors
///
/// When the URL is invalid, the database cannot be reached, a table exists with another
/// shape, or the default file's folder cannot be made (a `Config` error naming it).
pub async fn open_database(config: &Config) -> dal::Result<Database> {
    if config.db_url == config::default_db_url() {
        config::prepare_default_db().map_err(|e| {
            let message = format!("cannot create the folder of {}: {e}", config.db_url);
            dal::Error::new(dal::ErrorKind::Config, message)
        })?;
    }
    let db = Database::connect(config.db_url.as_str()).await?;
    schema::ensure_schema(&db).await?;
    Ok(db)
}
