//! Request extractors whose failures answer in the API's error format.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::{AccountError, UserId};
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body; malformed input gets a 4xx that says what is wrong.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_error(&rejection)),
        }
    }
}

fn json_error(rejection: &JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::TooLarge("request body is too large (at most 8 MiB)".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "expected a JSON body (Content-Type: application/json)".into(),
        ),
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
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(MISSING))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthorized(MISSING))?;
        Ok(Self(token.to_owned()))
    }
}

/// The signed-in user of the request.
pub struct User(pub UserId);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let state = state.clone();
        let found = tokio::task::spawn_blocking(move || state.accounts.authenticate(&token))
            .await
            .map_err(ApiError::internal)?;
        match found {
            Ok(user) => Ok(Self(user)),
            Err(AccountError::BadToken) => Err(ApiError::Unauthorized(
                "invalid or expired session; sign in again",
            )),
            Err(e) => Err(ApiError::internal(e)),
        }
    }
}
