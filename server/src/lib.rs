//! The notes sync server.
//!
//! - [`config`]: command line and environment.
//! - [`accounts`]: sign up, sign in, sessions (argon2 password hashes, hashed tokens).
//! - [`stores`]: one SQLite + cr-sqlite database per user, a bounded cache of them.
//! - [`live`]: open `/sync/events` streams and the versions they announce.
//! - [`routes`]: the HTTP API (`/sync`, `/api/...`, `/health`) and the app's files.
//! - [`error`]: one error type that answers `{"error": "..."}` and hides internals.

pub mod accounts;
pub mod config;
pub mod error;
mod extract;
mod in_flight;
pub mod live;
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
    serve(listener, state.clone(), &config.static_dir, shutdown)
        .await
        .map_err(error::StartError::Io)?;
    state.close().await;
    Ok(())
}

/// Serves `state` until `shutdown` completes, then ends the live streams
/// (which would otherwise keep their connections, and the server, up) and
/// finishes in-flight requests. The databases stay open: see [`AppState::close`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    static_dir: &std::path::Path,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let live = state.live.clone();
    // A `Router` given as it is would be rebuilt for every connection (its
    // routes turned into services again), and an idle live stream keeps its
    // copy: about 7 KiB each. Made into a service once, each connection
    // shares it. Each request knows the address it came from (limits per
    // client address; /metrics from loopback).
    axum::serve(
        listener,
        router(state, static_dir).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        live.shut_down();
    })
    .await
}
