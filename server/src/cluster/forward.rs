//! Where a request of an account goes, and how it gets there: its shard
//! from its token (or, signing up or in, from the name in its body), and
//! forwarding to the node serving that shard, streamed both ways.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};

use super::front::Node;
use super::leases::ShardId;
use super::{shard_of, token_shard};
use crate::accounts::username_key;
use crate::error::ApiError;
use crate::extract::{TOO_LARGE, bearer};
use crate::routes::{MAX_API_BODY_BYTES, announces_too_large_for_api};

/// Marks a request one node forwarded to another: never forwarded again
/// (two nodes that disagree for a moment on a shard's holder answer 503
/// rather than bounce it between them).
pub const FORWARDED_BY: HeaderName = HeaderName::from_static("notes-forwarded-by");

/// How long connecting to the holder may take before the client is told
/// to try again.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The shard a request belongs to: its token's, or for a sign-up or
/// sign-in, its username's (read from the body, which is put back).
pub(super) async fn shard_for(
    node: &Node,
    request: Request,
) -> Result<(ShardId, Request), ApiError> {
    let shards = node.config().shards;
    let token = bearer(request.headers()).filter(|t| !t.is_empty());
    if let Some(token) = token {
        let shard = token_shard(token, shards).ok_or(ApiError::Unauthorized(
            "invalid or expired session; sign in again",
        ))?;
        return Ok((shard, request));
    }
    let names_an_account = request.method() == Method::POST
        && matches!(request.uri().path(), "/api/accounts" | "/api/sessions");
    if !names_an_account {
        // Refused as any shard would: no token.
        return Err(ApiError::Unauthorized(
            "missing Authorization: Bearer <token> header; sign in first",
        ));
    }
    if announces_too_large_for_api(request.headers()) {
        return Err(ApiError::TooLarge(TOO_LARGE.into()));
    }
    let (parts, body) = request.into_parts();
    let wait = node.config().body_timeout;
    let bytes =
        match tokio::time::timeout(wait, axum::body::to_bytes(body, MAX_API_BODY_BYTES)).await {
            Err(_) => {
                return Err(ApiError::RequestTimeout {
                    secs: wait.as_secs(),
                });
            }
            Ok(Err(_)) => return Err(ApiError::TooLarge(TOO_LARGE.into())),
            Ok(Ok(bytes)) => bytes,
        };
    #[derive(serde::Deserialize)]
    struct Named {
        username: String,
    }
    // A body without a username goes to shard 0, whose answer says what is
    // wrong with it, as a single server's would.
    let shard = serde_json::from_slice::<Named>(&bytes)
        .map(|n| shard_of(&username_key(&n.username), shards))
        .unwrap_or(0);
    Ok((shard, Request::from_parts(parts, Body::from(bytes))))
}

/// Headers that describe one connection, not the request.
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::UPGRADE,
    header::HOST,
];

pub(super) async fn forward(node: &Node, url: &str, mut request: Request) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let Ok(uri) = format!("{url}{path}").parse::<Uri>() else {
        tracing::error!(url, "a holder's address is not a URL");
        return ApiError::Moving.into_response();
    };
    *request.uri_mut() = uri;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let headers = request.headers_mut();
    for h in &HOP_BY_HOP {
        headers.remove(h);
    }
    if let Some(ip) = peer
        && let Ok(v) = HeaderValue::from_str(&ip.to_string())
    {
        headers.append("x-forwarded-for", v);
    }
    if let Ok(v) = HeaderValue::from_str(&node.me().node) {
        headers.insert(FORWARDED_BY, v);
    }
    match node.send(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::warn!(url, error = %e, "cannot reach a shard's holder");
            ApiError::Moving.into_response()
        }
    }
}
