//! A small HTTP service over a dal repository: notes you can create, read, list and
//! soft-delete, with the pool's health report and Prometheus metrics.
//!
//! | method and path | answer |
//! |---|---|
//! | `POST /notes` with `{"text": "..."}` | 201 and the saved note |
//! | `GET /notes/{id}` | 200 and the note, or 404 |
//! | `GET /notes` | 200 and up to 100 notes, newest first |
//! | `DELETE /notes/{id}` | 204 (soft delete), or 404 |
//! | `GET /health` | the pool's [`dal::observe::HealthReport`]: 200 when its score is at least 50, else 503 |
//! | `GET /metrics` | Prometheus text: dal's pool and query metrics |
//!
//! Errors are JSON, `{"error": kind, "message": ...}`, with the status [`status_for`] gives a
//! [`dal::ErrorKind`]. The messages are dal's, which never hold a password.
//!
//! The handlers call services, as a larger application would: [`Notes`] and [`Journal`], each
//! holding its own [`Database`] handle. Their methods are `#[auto_transaction]`: each request
//! runs in one transaction that follows its task, so `Notes::create` and the `Journal` calls it
//! makes commit together or not at all, and concurrent requests never see each other's
//! uncommitted rows (`Notes::create` checks that it sees no open journal entry but its own).
//!
//! The pieces are public so that a test can run the service: [`install_metrics`] (before any
//! pool exists: dal's pools register their metrics when they are created), [`open_database`],
//! then [`serve`] on a bound listener until a shutdown future completes. `/health`, `/metrics`
//! and the shutdown are [`serving`]'s, shared with the [`conduit`](crate::conduit) example.

use std::future::Future;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dal::prelude::*;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::serving;
pub use crate::serving::{CLOSE_TIMEOUT, install_metrics, shutdown_signal};

/// The database used when `DAL_URL` is not set: an SQLite file in the current directory.
pub const DEFAULT_URL: &str = "sqlite://web_service.db";

/// The most notes `GET /notes` returns.
pub const LIST_LIMIT: u64 = 100;

/// A note, stored in table `notes`. Deleting one sets `deleted_at` (a soft delete).
#[derive(Entity, Debug, Clone, PartialEq, Serialize)]
#[dal(table = "notes", soft_delete)]
pub struct Note {
    /// Generated (UUID v7) on the first save.
    #[dal(id)]
    pub id: Uuid,
    /// What the note says.
    pub text: String,
    /// When the note was first saved.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// When the note was deleted; deleted notes are not served.
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What the journal records of a note: `open` while the transaction that creates it runs,
/// `closed` by the time it commits. Stored in table `journal`.
#[derive(Entity, Debug, Clone, PartialEq, Serialize)]
#[dal(table = "journal")]
pub struct JournalEntry {
    /// Generated (UUID v7) on the first save.
    #[dal(id)]
    pub id: Uuid,
    /// The note the entry is about.
    pub note_id: Uuid,
    /// `open` or `closed`.
    pub state: String,
}

/// The notes service: the note store, and the journal it records to.
#[derive(Debug, Clone)]
pub struct Notes {
    db: Database,
    journal: Journal,
}

/// The journal service, with a handle of its own (on the same pool as [`Notes`]').
#[derive(Debug, Clone)]
pub struct Journal {
    db: Database,
}

impl Journal {
    /// A journal over `db`.
    pub fn new(db: Database) -> Self {
        Journal { db }
    }

    /// Opens an entry for `note`; it joins the caller's transaction.
    #[auto_transaction]
    pub async fn open(&self, note: Uuid) -> dal::Result<JournalEntry> {
        let entry = JournalEntry { id: Uuid::nil(), note_id: note, state: "open".into() };
        self.db.repo::<JournalEntry>().save(&entry).await
    }

    /// The open entries this transaction sees.
    #[auto_transaction(mandatory)]
    pub async fn open_entries(&self) -> dal::Result<i64> {
        self.db.repo::<JournalEntry>().find().filter(JournalEntry::STATE.eq("open")).count().await
    }

    /// Closes `entry`.
    #[auto_transaction(mandatory)]
    pub async fn close(&self, entry: JournalEntry) -> dal::Result<JournalEntry> {
        self.db.repo::<JournalEntry>().save(&JournalEntry { state: "closed".into(), ..entry }).await
    }
}

impl Notes {
    /// The service over `db`, with a [`Journal`] on a handle of its own.
    pub fn new(db: Database) -> Self {
        Notes { journal: Journal::new(db.clone()), db }
    }

    /// Saves a new note and journals it, in one transaction: the note, its journal entry and
    /// the entry's closing commit together. Inside it, the only open entry visible is this
    /// call's own: another request's is uncommitted (and every committed one is closed), so
    /// seeing one would mean isolation failed, and the call fails instead of committing.
    #[auto_transaction]
    pub async fn create(&self, text: String) -> Result<Note, ApiError> {
        let note = Note { id: Uuid::nil(), text, created_at: Utc::now(), deleted_at: None };
        let saved = self.db.repo::<Note>().save(&note).await?;
        let entry = self.journal.open(saved.id).await?;
        let open = self.journal.open_entries().await?;
        if open != 1 {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "isolation",
                format!(
                    "saw {open} open journal entries; only this request's own should be visible"
                ),
            ));
        }
        self.journal.close(entry).await?;
        Ok(saved)
    }

    /// The note with `id`, if it exists and is not deleted.
    #[auto_transaction(read_only)]
    pub async fn get(&self, id: Uuid) -> dal::Result<Option<Note>> {
        self.db.repo::<Note>().get(id).await
    }

    /// Up to [`LIST_LIMIT`] notes, newest first.
    #[auto_transaction(read_only)]
    pub async fn list(&self) -> dal::Result<Vec<Note>> {
        self.db
            .repo::<Note>()
            .find()
            .order_by(Note::CREATED_AT.desc())
            .order_by(Note::ID.desc())
            .limit(LIST_LIMIT)
            .all()
            .await
    }

    /// Soft-deletes the note with `id`; whether there was one.
    #[auto_transaction]
    pub async fn delete(&self, id: Uuid) -> dal::Result<bool> {
        self.db.repo::<Note>().delete(id).await
    }
}

/// The body of `POST /notes`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NewNote {
    /// What the note says.
    pub text: String,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ErrorBody {
    /// The error's category: a [`dal::ErrorKind`] name (`not_found`, `pool_timeout`, ...), or
    /// `invalid_body` / `invalid_id` for a request the service could not read.
    pub error: String,
    /// What went wrong.
    pub message: String,
}

/// An error answer: a status and an [`ErrorBody`].
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error answer with `status`, category `error` and `message`.
    pub fn new(status: StatusCode, error: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { status, body: ErrorBody { error: error.into(), message: message.into() } }
    }

    fn note_not_found(id: Uuid) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, ErrorKind::NotFound.as_str(), format!("no note {id}"))
    }
}

/// The HTTP status for an error of `kind`: not found 404, constraint and conflict 409, the
/// kinds that mean "overloaded or unavailable, try later" 503, bad values 400, the rest 500.
pub fn status_for(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Constraint | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Timeout
        | ErrorKind::PoolTimeout
        | ErrorKind::PoolExhausted
        | ErrorKind::CircuitOpen => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Data | ErrorKind::Parameters => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<dal::Error> for ApiError {
    fn from(error: dal::Error) -> Self {
        let status = status_for(error.kind());
        if status.is_server_error() {
            eprintln!("web_service: {} error: {error}", error.kind());
        }
        ApiError::new(status, error.kind().as_str(), error.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_id", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// What the handlers share.
#[derive(Debug, Clone)]
struct AppState {
    notes: Notes,
}

/// Connects to `DAL_URL` (default [`DEFAULT_URL`]) and creates the tables when missing.
///
/// # Errors
///
/// When the URL is invalid, the database cannot be reached or a table exists with another shape.
pub async fn open_database() -> dal::Result<Database> {
    let url = std::env::var("DAL_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let db = Database::connect(url).await?;
    ensure_schema(&db).await?;
    Ok(db)
}

/// Creates the service's tables (`notes`, `journal`) when missing.
///
/// # Errors
///
/// When the database cannot be reached or a table exists with another shape.
pub async fn ensure_schema(db: &Database) -> dal::Result<()> {
    db.ensure_schema::<Note>().await?;
    db.ensure_schema::<JournalEntry>().await
}

/// The service's routes over `db`, with `/health` and `/metrics` ([`serving::ops_routes`]);
/// `/metrics` renders `metrics` (404 without one).
pub fn router(db: Database, metrics: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/notes", get(list_notes).post(create_note))
        .route("/notes/{id}", get(get_note).delete(delete_note))
        .with_state(AppState { notes: Notes::new(db.clone()) })
        .merge(serving::ops_routes(db, metrics))
        .fallback(not_found)
}

/// Serves the service on `listener` until `shutdown` completes, lets requests in flight finish,
/// then closes and unregisters `db`'s pool (waiting up to [`CLOSE_TIMEOUT`] for work in flight);
/// see [`serving::serve`].
///
/// # Errors
///
/// When the server fails to accept connections.
pub async fn serve(
    listener: TcpListener,
    db: Database,
    metrics: Option<PrometheusHandle>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(db.clone(), metrics.clone());
    serving::serve(listener, app, &db, metrics, shutdown).await
}

async fn create_note(
    State(state): State<AppState>,
    body: Result<Json<NewNote>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = body?;
    let saved = state.notes.create(new.text).await?;
    let location = format!("/notes/{}", saved.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(saved)).into_response())
}

async fn get_note(
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> Result<Json<Note>, ApiError> {
    let Path(id) = id?;
    match state.notes.get(id).await? {
        Some(note) => Ok(Json(note)),
        None => Err(ApiError::note_not_found(id)),
    }
}

async fn list_notes(State(state): State<AppState>) -> Result<Json<Vec<Note>>, ApiError> {
    Ok(Json(state.notes.list().await?))
}

async fn delete_note(
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id?;
    if state.notes.delete(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::note_not_found(id))
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
