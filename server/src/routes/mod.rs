//! The HTTP surface: API routes, then the app's static files for everything else.

mod accounts;
mod app_files;
mod events;
mod metrics;
mod security_headers;
mod sync;

use std::path::Path;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = protocol::MAX_REQUEST_BYTES;

pub fn router(state: AppState, static_dir: &Path) -> Router {
    if !static_dir.join("index.html").is_file() {
        tracing::warn!(dir = %static_dir.display(), "no built app to serve (run trunk build --release)");
    }
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
        .fallback(|| async { ApiError::NotFound });
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
