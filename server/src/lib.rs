//! The notes sync server.
//!
//! - [`config`]: command line and environment.
//! - [`accounts`]: sign up, sign in, sessions, password change, deletion
//!   (argon2 password hashes, hashed tokens, names compared caseless).
//! - [`stores`]: one SQLite + cr-sqlite database per user, a bounded cache of them.
//! - [`live`]: open `/sync/events` streams and the versions they announce.
//! - [`cluster`]: the multi-node mode (`--nats`): shards, leases, forwarding.
//! - [`routes`]: the HTTP API (`/sync`, `/api/...`, `/health`) and the app's files.
//! - [`telemetry`]: `/metrics` (Prometheus) and the log line of each request.
//! - [`error`]: one error type that answers `{"error": "..."}` and hides internals.

pub mod accounts;
mod body;
mod client_addr;
pub mod cluster;
pub mod config;
pub mod error;
mod extract;
mod in_flight;
pub mod live;
mod rate_limit;
pub mod routes;
mod serve;
mod state;
pub mod stores;
mod telemetry;

use std::future::Future;

pub use config::Config;
pub use routes::router;
pub use state::{AppState, NodeParts};

/// Serves until `shutdown` completes, then finishes in-flight requests and
/// closes every database (running `crsql_finalize()`).
pub async fn run(
    listener: tokio::net::TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), error::StartError> {
    if let Some(nats) = &config.nats {
        return cluster::run(listener, config, nats, shutdown).await;
    }
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
    routes::warn_if_no_app(static_dir);
    let (live, limits) = (state.live.clone(), state.connection_limits);
    // Made into a service once; each connection shares it (a `Router` made
    // into one per connection cost about 7 KiB for each idle live stream).
    serve::serve_connections(
        listener,
        router(state, static_dir),
        limits,
        move || live.shut_down(),
        shutdown,
    )
    .await
}
