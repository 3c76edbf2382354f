//! The HTTP surface: API routes, then the app's static files for everything else.

mod accounts;
mod sync;

use std::path::Path;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

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
        .fallback(|| async { ApiError::NotFound });
    // The app is a single page: unknown paths get index.html. A release build
    // has brotli and gzip copies of its wasm, JS and CSS beside them
    // (scripts/compress-dist.sh), sent to browsers that accept them: the wasm
    // is a third of its size that way.
    let app_files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(static_dir.join("index.html")));
    // A cache must not hand one browser's encoding to another.
    let app_files = SetResponseHeader::appending(
        app_files,
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    );
    Router::new()
        // A first sync's pages are megabytes of JSON: compressed (zstd where
        // the browser takes it, else gzip) at the fastest level, which costs
        // milliseconds per page and sends a fraction of the bytes.
        .route(
            "/sync",
            post(sync::sync).layer(CompressionLayer::new().quality(CompressionLevel::Fastest)),
        )
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) }),
        )
        .nest("/api", api)
        .fallback_service(app_files)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
