//! The notes sync server.
//!
//! - [`config`]: command line and environment.
//! - [`accounts`]: sign up, sign in, sessions (argon2 password hashes, hashed tokens).
//! - [`stores`]: one SQLite + cr-sqlite database per user, a bounded cache of them.
//! - [`routes`]: the HTTP API (`/sync`, `/api/...`, `/health`) and the app's files.
//! - [`error`]: one error type that answers `{"error": "..."}` and hides internals.

pub mod accounts;
pub mod config;
pub mod error;
mod extract;
mod rate_limit;
pub mod routes;
mod state;
pub mod stores;

use std::future::Future;

pub use config::Config;
pub use routes::router;
pub use state::AppState;

/// Serves until `shutdown` completes, then finishes in-flight requests and
/// closes every database (running `crsql_finalize()`).
pub async fn run(
    listener: tokio::net::TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), error::StartError> {
    let state = AppState::open(config)?;
    let app = router(state.clone(), &config.static_dir);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(error::StartError::Io)?;
    state.close().await;
    Ok(())
}
