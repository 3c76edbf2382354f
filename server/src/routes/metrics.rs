//! `GET /metrics`: what the server is doing, in Prometheus' text format
//! (kept by [`crate::telemetry`]). Counts only, never a name: the numbers of
//! one account are nobody's business.
//!
//! Reachable from loopback (a Prometheus on the same machine), or by anyone
//! with the configured token. With a token set, loopback is not trusted: a
//! reverse proxy on the same machine makes every request come from there.
//! Everyone else gets the same 404 as any unknown API path.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::{bearer, same_secret};
use crate::state::AppState;
use crate::telemetry::{Gauges, Telemetry};

pub async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    answer(
        &request,
        state.metrics_token.as_deref(),
        &state.telemetry,
        Gauges::of(&state),
    )
}

/// The metrics for whoever may read them, else the 404 of an unknown path.
pub(crate) fn answer(
    request: &Request,
    token: Option<&str>,
    telemetry: &Telemetry,
    gauges: Gauges,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    if !allowed(peer, bearer(request.headers()), token) {
        return ApiError::NotFound.into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry.render(gauges),
    )
        .into_response()
}

/// Whether a request from `peer` with bearer token `given` may read the metrics.
fn allowed(peer: Option<SocketAddr>, given: Option<&str>, token: Option<&str>) -> bool {
    match token {
        Some(token) => given.is_some_and(|given| same_secret(given, token)),
        // `to_canonical`: a server on `[::]` sees IPv4 peers as `::ffff:a.b.c.d`.
        None => peer.is_some_and(|p| p.ip().to_canonical().is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn loopback_without_a_token_and_only_the_token_with_one() {
        let local = "127.0.0.1:5000".parse().ok();
        let local6 = "[::1]:5000".parse().ok();
        let mapped = "[::ffff:127.0.0.1]:5000".parse().ok();
        let remote = "203.0.113.7:5000".parse().ok();
        assert!(allowed(local, None, None));
        assert!(allowed(local6, None, None));
        assert!(allowed(mapped, None, None));
        assert!(!allowed(remote, None, None));
        assert!(!allowed(remote, Some("guess"), None));
        assert!(!allowed(None, None, None));

        let token = Some("s3cret-token");
        assert!(allowed(remote, Some("s3cret-token"), token));
        assert!(!allowed(remote, Some("s3cret-tokem"), token));
        assert!(!allowed(remote, Some("s3cret"), token));
        assert!(!allowed(remote, None, token));
        // Behind a proxy every peer is loopback: with a token, that is not enough.
        assert!(!allowed(local, None, token));
        assert!(allowed(local, Some("s3cret-token"), token));
    }
}
