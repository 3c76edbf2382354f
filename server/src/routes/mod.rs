//! The HTTP surface: API routes, then the app's static files for everything else.

mod accounts;
mod app_files;
mod events;
pub(crate) mod metrics;
mod security_headers;
mod sync;

use std::path::Path;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::map_request_body::MapRequestBodyLayer;

use crate::body::DeadlineBody;
use crate::error::ApiError;
use crate::extract::TOO_LARGE;
use crate::state::AppState;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = protocol::MAX_REQUEST_BYTES;

/// Largest body accepted under `/api`: a username and a password need far
/// less, and a slow client sending 8 MiB would hold a buffer that large.
pub const MAX_API_BODY_BYTES: usize = 16 * 1024;

/// Refuses a body announced larger than `/api` takes before reading any of
/// it (a body without a length is cut at the limit as it is read).
async fn api_body_cap(request: Request, next: Next) -> Response {
    if announces_too_large_for_api(request.headers()) {
        return ApiError::TooLarge(TOO_LARGE.into()).into_response();
    }
    next.run(request).await
}

/// Whether a request's `Content-Length` is more than `/api` takes.
pub(crate) fn announces_too_large_for_api(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_API_BODY_BYTES as u64)
}

/// Says so in the log when there is no app to serve.
pub fn warn_if_no_app(static_dir: &Path) {
    if !static_dir.join("index.html").is_file() {
        tracing::warn!(dir = %static_dir.display(), "no built app to serve (run trunk build --release)");
    }
}

/// The app's files alone, with the headers every answer gets (the
/// multi-node mode's front serves them itself).
pub fn app_files_router(static_dir: &Path) -> Router {
    app_files::router(static_dir).layer(middleware::map_response_with_state(
        security_headers::SecurityHeaders::for_app(static_dir),
        security_headers::add,
    ))
}

pub fn router(state: AppState, static_dir: &Path) -> Router {
    let body_timeout = state.body_timeout;
    // Unknown paths under the API are errors in the API's format, not the app.
    let api = Router::new()
        .route("/accounts", post(accounts::sign_up))
        .route(
            "/sessions",
            post(accounts::sign_in).delete(accounts::sign_out),
        )
        .route("/account", delete(accounts::delete_account))
        .route("/account/password", put(accounts::change_password))
        .route("/account/sessions", delete(accounts::sign_out_everywhere))
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .layer(middleware::from_fn(api_body_cap));
    Router::new()
        // A first sync's pages are megabytes of JSON: compressed (zstd where
        // the browser takes it, else gzip) at the fastest level, which costs
        // milliseconds per page and sends a fraction of the bytes.
        .route(
            "/sync",
            post(sync::sync).layer(CompressionLayer::new().quality(CompressionLevel::Fastest)),
        )
        // Pokes only, never compressed: a compressor would hold them back
        // until its buffer fills.
        .route(protocol::EVENTS_PATH, get(events::events))
        .route("/metrics", get(metrics::metrics))
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) }),
        )
        .nest("/api", api)
        .fallback_service(app_files::router(static_dir))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(MapRequestBodyLayer::new(move |b| {
            DeadlineBody::wrap(b, body_timeout)
        }))
        .layer(middleware::map_response_with_state(
            security_headers::SecurityHeaders::for_app(static_dir),
            security_headers::add,
        ))
        // Outermost: it sees each request's final status and whole time.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::telemetry::track,
        ))
        .with_state(state)
}
