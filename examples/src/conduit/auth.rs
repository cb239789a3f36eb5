//! Who is asking: passwords hashed with argon2, tokens signed with HS256 (JWT), and the
//! extractors that read `Authorization: Token <jwt>` ([`AuthUser`] where the spec requires a
//! user, [`MaybeUser`] where it is optional).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use dal::types::Uuid;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::entities::UserId;
use super::error::ApiError;

/// How long a token stays valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Signs and verifies tokens. `Debug` shows no key.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens { key: <redacted> }")
    }
}

/// What a token says: whose it is (`sub`, the user id) and until when (`exp`, Unix seconds).
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
}

impl Tokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// A token for `user`, valid for [`TOKEN_LIFETIME`].
    ///
    /// # Errors
    ///
    /// When signing fails (it does not with an HMAC key; the error is kept for the type).
    pub fn issue(&self, user: UserId) -> Result<String, ApiError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let claims = Claims { sub: user.0.to_string(), exp: (now + TOKEN_LIFETIME).as_secs() };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| internal(format!("cannot sign a token: {e}")))
    }

    /// The user a token was issued to, when it verifies and has not expired.
    ///
    /// # Errors
    ///
    /// 401 when the signature, the expiry or the subject is wrong.
    pub fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let validation = Validation::new(Algorithm::HS256);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| ApiError::unauthorized(format!("invalid token: {e}")))?;
        let id = Uuid::parse_str(&data.claims.sub)
            .map_err(|_| ApiError::unauthorized("invalid token: the subject is not a user id"))?;
        Ok(UserId(id))
    }
}

/// Hashes `password` with argon2id and a fresh random salt, off the async threads (a hash
/// takes tens of milliseconds of CPU on purpose).
///
/// # Errors
///
/// 500 when hashing fails (it does not for passwords of sane length).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        // 16 bytes from the operating system's generator, the salt length argon2 recommends.
        let salt = SaltString::encode_b64(Uuid::new_v4().as_bytes())
            .map_err(|e| internal(format!("cannot make a salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| internal(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| internal(format!("the hashing task failed: {e}")))?
}

/// Whether `password` matches `hash` (a PHC string from [`hash_password`]); off the async
/// threads like the hashing.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn internal(message: String) -> ApiError {
    ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, message)
}

/// The token of a request: `Authorization: Token <jwt>` (the spec's form) or `Bearer <jwt>`.
/// `None` without the header; 401 for a header of another form.
fn token_of(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(None) };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized("the Authorization header must be `Token <jwt>`")),
    }
}

/// The signed-in user, where the spec requires one: 401 without a valid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser(pub UserId);

/// The signed-in user where the spec makes it optional: `None` without a token, 401 for an
/// invalid one (a client that sends a token means to be someone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeUser(pub Option<UserId>);

impl<S> FromRequestParts<S> for AuthUser
where
    Tokens: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token =
            token_of(parts)?.ok_or_else(|| ApiError::unauthorized("sign in first: no token"))?;
        Tokens::from_ref(state).verify(token).map(AuthUser)
    }
}

impl<S> FromRequestParts<S> for MaybeUser
where
    Tokens: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match token_of(parts)? {
            Some(token) => Tokens::from_ref(state).verify(token).map(|id| MaybeUser(Some(id))),
            None => Ok(MaybeUser(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_user_and_another_key_refuses_it() {
        let user = UserId(Uuid::now_v7());
        let token = Tokens::new(b"one key").issue(user).expect("signs");
        assert_eq!(Tokens::new(b"one key").verify(&token), Ok(user));
        let refused = Tokens::new(b"another key").verify(&token).expect_err("wrong key");
        assert_eq!(refused.status, axum::http::StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse".into()).await.expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse".into(), hash).await);
    }
}
