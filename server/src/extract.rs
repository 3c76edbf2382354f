//! Request extractors whose failures answer in the API's error format.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::{AccountError, Session, UserId};
use crate::error::ApiError;
use crate::in_flight::Slot;
use crate::state::AppState;

/// A JSON body; malformed input gets a 4xx that says what is wrong.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        // The same checks as axum's `Json`, in the same order, but the body is
        // parsed by serde_json directly: axum tracks the path of every value
        // it parses (for its error message), which made parsing a push of
        // 1,000 changes take 1.3 ms instead of 0.7 ms.
        if !json_content_type(req.headers()) {
            return Err(not_json());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| json_error(&rejection.into()))?;
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(Self(value)),
            // Only for input that is wrong anyway: parse again with axum to
            // say where (`changes[3].pk: ...`).
            Err(_) => match Json::<T>::from_bytes(&bytes) {
                Ok(Json(value)) => Ok(Self(value)),
                Err(rejection) => Err(json_error(&rejection)),
            },
        }
    }
}

/// `application/json` or any `application/*+json`, as axum's `Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == "application" && (m.subtype() == "json" || m.suffix() == Some(mime::JSON))
        })
}

/// What a body over its route's limit gets.
pub const TOO_LARGE: &str = "request body is too large (at most 8 MiB for /sync, 16 KiB for /api)";

fn not_json() -> ApiError {
    ApiError::UnsupportedMediaType("expected a JSON body (Content-Type: application/json)".into())
}

fn json_error(rejection: &JsonRejection) -> ApiError {
    if let Some(t) = crate::body::timed_out(rejection) {
        return ApiError::RequestTimeout { secs: t.as_secs() };
    }
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(TOO_LARGE.into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => not_json(),
        // Syntax and data errors describe the client's own input: safe to echo.
        _ => ApiError::BadRequest(rejection.body_text()),
    }
}

/// The bearer token of the request, not yet checked.
pub struct Bearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        const MISSING: &str = "missing Authorization: Bearer <token> header; sign in first";
        let token = bearer(&parts.headers)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthorized(MISSING))?;
        Ok(Self(token.to_owned()))
    }
}

/// The token of an `Authorization: Bearer <token>` header, trimmed.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Whether `given` is `secret`, compared in constant time. Digests first:
/// equal lengths, so the comparison says nothing of the secret's length.
pub fn same_secret(given: &str, secret: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    bool::from(Sha256::digest(given).ct_eq(&Sha256::digest(secret)))
}

/// The signed-in user of the request.
pub struct User(pub UserId);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self(session.user))
    }
}

/// The session of the request, for what outlives the request's start (a
/// live stream ends with its session).
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let st = state.clone();
        let found = tokio::task::spawn_blocking(move || st.accounts.session(&token))
            .await
            .map_err(ApiError::internal)?;
        match found {
            Ok(session) => {
                // Into the request's span (telemetry.rs): its log line says whose it was.
                tracing::Span::current().record("user", session.user);
                keep_last_use(state, &session);
                Ok(Self(session))
            }
            Err(AccountError::BadToken) => Err(ApiError::Unauthorized(
                "invalid or expired session; sign in again",
            )),
            Err(AccountError::Deleted) => Err(ApiError::AccountDeleted),
            Err(e) => Err(ApiError::internal(e)),
        }
    }
}

/// Multi-node mode: a session's last use, when written down here, is kept
/// with its record too (at most once an hour), so that a node taking the
/// shard over ends it when it goes unused for too long, and not before.
fn keep_last_use(state: &AppState, session: &Session) {
    let (Some(used_at), Some(records)) = (session.touched, state.records.clone()) else {
        return;
    };
    let record = crate::accounts::SessionRecord {
        user: session.user,
        created_at: session.created_at,
        used_at,
    };
    let digest = session.digest;
    tokio::spawn(async move {
        if let Err(e) = records.put_session(&digest, &record).await {
            tracing::warn!(error = %e, "a session's last use could not be kept outside this node");
        }
    });
}

/// A signed-in user's turn to sync: within the user's rate and number of
/// syncs under way. Taken from the headers, so a request refused for either
/// is answered before its body (up to 8 MiB) is read.
pub struct SyncTurn {
    pub user: UserId,
    /// Held until the request's work is done, wherever that ends.
    pub slot: Slot<UserId>,
}

impl FromRequestParts<AppState> for SyncTurn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let User(user) = User::from_request_parts(parts, state).await?;
        state
            .sync_rate
            .check(&user)
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs(),
            })?;
        let slot = state
            .syncs
            .try_acquire(&user)
            .ok_or(ApiError::TooManySyncs {
                max: state.syncs.max(),
            })?;
        Ok(Self { user, slot })
    }
}
