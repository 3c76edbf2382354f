//! The built app's files (trunk's dist/): precompressed copies for browsers
//! that accept them, and caching by name.
//!
//! trunk names the wasm, its JS and the CSS by their content hash, so a browser
//! may keep them for good; `index.html` and `db_worker.js` keep their names
//! across releases, so the browser asks each time whether they changed.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

/// Serves `static_dir`; unknown paths get its `index.html` (one-page app).
pub fn router(static_dir: &Path) -> Router {
    // A release build has brotli and gzip copies of the wasm, JS and CSS
    // beside them (scripts/compress-dist.sh): the wasm is a third of its size.
    let files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(static_dir.join("index.html")));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(caching))
}

async fn caching(request: Request, next: Next) -> Response {
    let hashed = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let policy = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    // A cache must not hand one browser's encoding to another.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether a path names a file trunk stamped with its content hash:
/// `name-<16 hex digits>[_bg].ext`, such as `app-7048413397ffbaad_bg.wasm`.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((name, hash)) => {
            !name.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn only_trunks_hashed_names_count_as_hashed() {
        for hashed in [
            "/app-7048413397ffbaad_bg.wasm",
            "/app-7048413397ffbaad.js",
            "/main-2070cf8096300a65.css",
        ] {
            assert!(has_content_hash(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/db_worker.js",
            "/some/app/route",
            "/app-7048413397FFBAAD.js",
            "/app-70484133.js",
            "/-7048413397ffbaad.js",
            "/notes-are-great",
        ] {
            assert!(!has_content_hash(plain), "{plain}");
        }
    }
}
