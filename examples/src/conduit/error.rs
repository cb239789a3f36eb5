//! Errors as the RealWorld spec answers them: a status and `{"errors": {"body": [messages]}}`.
//!
//! | cause | status |
//! |---|---|
//! | a body, path or query the API cannot read, a value it refuses, a taken username, e-mail or slug (`ErrorKind::Constraint`) | 422 |
//! | no token, or one that does not verify; a wrong password | 401 |
//! | a change to someone else's article or comment | 403 |
//! | no such user, article, comment or route | 404 |
//! | a concurrent change won (`ErrorKind::Conflict`) | 409 |
//! | the database is overloaded or unreachable | 503 |
//! | anything else | 500, logged; the body names only the error's kind |

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dal::ErrorKind;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, one sentence each.
    pub messages: Vec<String>,
    /// The category of the dal error it came from, if it came from one.
    pub kind: Option<ErrorKind>,
}

/// `{"errors": {"body": [...]}}`, the spec's `GenericErrorModel`.
#[derive(Debug, Serialize)]
struct ErrorsBody<'a> {
    errors: Messages<'a>,
}

#[derive(Debug, Serialize)]
struct Messages<'a> {
    body: &'a [String],
}

impl ApiError {
    /// An error with `status` and one message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, messages: vec![message.into()], kind: None }
    }

    /// Whether a unique index refused a write (`ErrorKind::Constraint`): when a service checks
    /// before it writes, two requests racing for the same value.
    pub fn is_unique_violation(&self) -> bool {
        self.kind == Some(ErrorKind::Constraint)
    }

    /// 422: the request is understood but refused.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: valid credentials, but not this user's to change.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 422 for a unique value that is taken: `"<what> has already been taken"`.
    pub fn taken(what: &str) -> Self {
        Self::unprocessable(format!("{what} has already been taken"))
    }
}

/// The status for a dal error of `kind`.
pub fn status_for(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Constraint | ErrorKind::Data => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Timeout
        | ErrorKind::PoolTimeout
        | ErrorKind::PoolExhausted
        | ErrorKind::CircuitOpen
        | ErrorKind::Closed => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<dal::Error> for ApiError {
    fn from(error: dal::Error) -> Self {
        let kind = error.kind();
        let status = status_for(kind);
        let message = match kind {
            // The services check the unique values that have a message of their own before
            // they write, so this is the rare race between two requests (or a reference to a
            // row deleted meanwhile); dal's message names the constraint's table.
            ErrorKind::Constraint => format!("the change breaks a constraint: {error}"),
            _ if status == StatusCode::INTERNAL_SERVER_ERROR => {
                eprintln!("conduit: {kind} error: {error}");
                format!("internal error ({kind})")
            }
            _ => format!("{kind}: {error}"),
        };
        ApiError { kind: Some(kind), ..ApiError::new(status, message) }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::unprocessable(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::unprocessable(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::unprocessable(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorsBody { errors: Messages { body: &self.messages } };
        (self.status, Json(body)).into_response()
    }
}

/// What a handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_specs_generic_error_model() {
        let error = ApiError::taken("username");
        let body = serde_json::to_value(ErrorsBody { errors: Messages { body: &error.messages } })
            .expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({"errors": {"body": ["username has already been taken"]}})
        );
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn unique_violations_are_422_and_conflicts_409() {
        assert_eq!(status_for(ErrorKind::Constraint), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status_for(ErrorKind::Conflict), StatusCode::CONFLICT);
        assert_eq!(status_for(ErrorKind::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_for(ErrorKind::PoolTimeout), StatusCode::SERVICE_UNAVAILABLE);
    }
}
