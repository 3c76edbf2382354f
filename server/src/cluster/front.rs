//! What a node answers: each request goes to the state of its shard when
//! this node serves it, or is forwarded (forward.rs), unchanged and
//! streamed both ways, to the node that does. Live streams are forwarded too: the poke of a
//! commit on the holder reaches a client connected anywhere, with no second
//! path for pokes to keep in step.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;

use super::accounts::ShardRecords;
use super::forward::{CONNECT_TIMEOUT, FORWARDED_BY, forward, shard_for};
use super::leases::{Book, Holder, ShardId};
use super::merge_back;
use super::{shard_dir, token_prefix};
use crate::config::Config;
use crate::error::{ApiError, StartError};
use crate::routes::{app_files_router, metrics, router as shard_router};
use crate::serve::ConnectionLimits;
use crate::state::{AppState, NodeParts};
use crate::telemetry::Gauges;

/// See [`Node::share_databases`].
const MIN_OPEN_PER_SHARD: usize = 4;

/// A shard this node serves.
#[derive(Clone)]
struct Local {
    state: AppState,
    router: Router,
    /// Served until then, unless a renewal moves it on.
    until: Instant,
}

#[derive(Clone)]
pub struct Node(Arc<Inner>);

pub struct Inner {
    me: Holder,
    config: Config,
    parts: NodeParts,
    static_dir: PathBuf,
    local: RwLock<HashMap<ShardId, Local>>,
    book: RwLock<Option<Arc<Mutex<Book>>>>,
    /// The bucket of every shard's account records.
    records: RwLock<Option<async_nats::jetstream::kv::Store>>,
    client: Client<HttpConnector, Body>,
}

impl Node {
    pub fn new(config: &Config, me: &Holder) -> Result<Self, StartError> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.set_nodelay(true);
        Ok(Self(Arc::new(Inner {
            me: me.clone(),
            config: config.clone(),
            parts: NodeParts::new(config)?,
            static_dir: config.static_dir.clone(),
            local: RwLock::new(HashMap::new()),
            book: RwLock::new(None),
            records: RwLock::new(None),
            client: Client::builder(TokioExecutor::new()).build(connector),
        })))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn me(&self) -> &Holder {
        &self.0.me
    }

    pub fn set_book(&self, book: Arc<Mutex<Book>>) {
        *self.0.book.write().unwrap_or_else(|e| e.into_inner()) = Some(book);
    }

    pub fn set_records(&self, kv: async_nats::jetstream::kv::Store) {
        *self.0.records.write().unwrap_or_else(|e| e.into_inner()) = Some(kv);
    }

    fn records_of(&self, shard: ShardId) -> Option<ShardRecords> {
        let kv = self.0.records.read().unwrap_or_else(|e| e.into_inner());
        kv.as_ref().map(|kv| ShardRecords::new(kv.clone(), shard))
    }

    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.0.config.max_connections.max(1),
            header_timeout: self.0.config.idle_timeout,
        }
    }

    fn locals(&self) -> std::sync::RwLockReadGuard<'_, HashMap<ShardId, Local>> {
        self.0.local.read().unwrap_or_else(|e| e.into_inner())
    }

    fn locals_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ShardId, Local>> {
        self.0.local.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves `shard` until `until`: opens its state the first time.
    pub async fn serve(&self, shard: ShardId, until: Instant) -> Result<(), StartError> {
        if let Some(local) = self.locals_mut().get_mut(&shard) {
            local.until = until;
            return Ok(());
        }
        let records = self.records_of(shard);
        let loaded = match &records {
            Some(r) => Some(r.load().await.map_err(|e| {
                StartError::Cluster(format!("cannot read shard {shard}'s accounts: {e}"))
            })?),
            None => None,
        };
        let node = self.clone();
        let state = tokio::task::spawn_blocking(move || {
            let dir = shard_dir(&node.0.config.data_dir, shard);
            let prefix = token_prefix(shard);
            let state = AppState::open_part(&node.0.config, &node.0.parts, &dir, &prefix, records)?;
            merge_back::mark_holder(&dir, &node.0.me.node).map_err(StartError::Io)?;
            if let Some(loaded) = loaded {
                let done = state.accounts.restore(&loaded.accounts, &loaded.sessions)?;
                tracing::info!(shard, ?done, "accounts brought up to their records");
                // Accounts deleted elsewhere meanwhile: their files go here too.
                for user in state.accounts.deleted_users()? {
                    let path = state.stores.path(user);
                    if let Err(e) = crate::stores::remove_database_files(&path) {
                        tracing::warn!(user, error = %e, "cannot remove a deleted account's database");
                    }
                }
            }
            Ok::<_, StartError>(state)
        })
        .await
        .map_err(|e| StartError::Cluster(e.to_string()))??;
        let router = shard_router(state.clone(), &self.0.static_dir);
        self.locals_mut().insert(
            shard,
            Local {
                state,
                router,
                until,
            },
        );
        tracing::info!(shard, "serving shard");
        self.share_databases().await;
        Ok(())
    }

    /// `--max-open-databases` is the node's: each shard served keeps an
    /// equal part of it open, and at least [`MIN_OPEN_PER_SHARD`] so that
    /// a shard's few active users do not reopen their files in turn.
    async fn share_databases(&self) {
        let states: Vec<AppState> = self.locals().values().map(|l| l.state.clone()).collect();
        let each = (self.0.config.max_open_databases / states.len().max(1)).max(MIN_OPEN_PER_SHARD);
        let each = std::num::NonZeroUsize::new(each).unwrap_or(std::num::NonZeroUsize::MIN);
        let _ = tokio::task::spawn_blocking(move || {
            for state in states {
                state.stores.set_capacity(each);
            }
        })
        .await;
    }

    /// Stops serving `shard`: its live streams end (their clients come
    /// back through whichever node, to the next holder) and its databases
    /// close once the requests under way are done with them.
    pub async fn stop(&self, shard: ShardId) {
        let Some(local) = self.locals_mut().remove(&shard) else {
            return;
        };
        tracing::info!(shard, "stopped serving shard");
        local.state.live.shut_down();
        local.state.close().await;
        self.share_databases().await;
    }

    pub fn end_streams(&self) {
        for local in self.locals().values() {
            local.state.live.shut_down();
        }
    }

    pub async fn close_all(&self) {
        let shards: Vec<ShardId> = self.locals().keys().copied().collect();
        for shard in shards {
            self.stop(shard).await;
        }
    }

    /// The router of `shard` if this node serves it now.
    fn local_router(&self, shard: ShardId) -> Option<Router> {
        let locals = self.locals();
        let local = locals.get(&shard)?;
        (Instant::now() < local.until).then(|| local.router.clone())
    }

    /// The state of `shard` if this node serves it now.
    fn local_state(&self, shard: ShardId) -> Option<AppState> {
        let locals = self.locals();
        let local = locals.get(&shard)?;
        (Instant::now() < local.until).then(|| local.state.clone())
    }

    pub fn serves(&self, shard: ShardId) -> bool {
        self.local_state(shard).is_some()
    }

    /// This node's id, data directory and the cluster's shard count.
    pub fn identity(&self) -> (String, PathBuf, ShardId) {
        let c = &self.0.config;
        (self.0.me.node.clone(), c.data_dir.clone(), c.shards)
    }

    /// Sends a request to another node.
    pub async fn send(
        &self,
        request: Request,
    ) -> Result<axum::http::Response<hyper::body::Incoming>, hyper_util::client::legacy::Error>
    {
        self.0.client.request(request).await
    }

    /// Where another node serving `shard` takes requests.
    pub fn holder_url(&self, shard: ShardId) -> Option<String> {
        let book = self.0.book.read().unwrap_or_else(|e| e.into_inner());
        let book = book.as_ref()?.lock().unwrap_or_else(|e| e.into_inner());
        book.owner_url(shard).map(str::to_owned)
    }

    fn gauges(&self) -> Gauges {
        let locals = self.locals();
        let sum = locals
            .values()
            .map(|l| Gauges::of(&l.state))
            .fold(Gauges::default(), Gauges::plus);
        Gauges {
            shards: Some(locals.len()),
            ..sum
        }
    }
}

pub fn router(node: Node, static_dir: &Path) -> Router {
    crate::routes::warn_if_no_app(static_dir);
    let files = app_files_router(static_dir);
    Router::new()
        .fallback(move |State(node): State<Node>, request: Request| {
            let files = files.clone();
            async move { dispatch(node, files, request).await }
        })
        .with_state(node)
}

/// Whether a path belongs to an account (and so to a shard).
fn is_account_path(path: &str) -> bool {
    path == "/sync" || path == protocol::EVENTS_PATH || path == "/api" || path.starts_with("/api/")
}

async fn dispatch(node: Node, files: Router, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/health" {
        return health(&node);
    }
    if path == "/metrics" {
        return node_metrics(&node, &request);
    }
    if let Some(rest) = path.strip_prefix("/internal/") {
        return internal(&node, rest, request).await;
    }
    if !is_account_path(&path) {
        return files.oneshot(request).await.into_response();
    }
    let (shard, request) = match shard_for(&node, request).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    if let Some(local) = node.local_router(shard) {
        return local.oneshot(request).await.into_response();
    }
    let forwarded = request.headers().contains_key(&FORWARDED_BY);
    match node.holder_url(shard) {
        Some(url) if !forwarded => forward(&node, &url, request).await,
        _ => ApiError::Moving.into_response(),
    }
}

/// Node to node: `shards/<n>/users/<id>` merges an old database file
/// (merge_back.rs). Anyone without the cluster's secret gets the 404 of an
/// unknown path.
async fn internal(node: &Node, rest: &str, request: Request) -> Response {
    let secret = node.0.config.cluster_secret.as_ref().map(|s| s.0.as_str());
    if request.method() != Method::POST || !merge_back::authorized(&request, secret) {
        return ApiError::NotFound.into_response();
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let (shard, user) = match parts.as_slice() {
        ["shards", shard, "users", user] => (shard.parse::<ShardId>(), user.parse::<i64>()),
        _ => return ApiError::NotFound.into_response(),
    };
    let (Ok(shard), Ok(user)) = (shard, user) else {
        return ApiError::NotFound.into_response();
    };
    let Some(state) = node.local_state(shard) else {
        return ApiError::Moving.into_response();
    };
    let limit = match node.0.config.max_user_mib {
        0 => u64::MAX,
        mib => mib.saturating_mul(2 << 20),
    };
    merge_back::receive(state, user, limit, request).await
}

fn health(node: &Node) -> Response {
    let mut held: Vec<ShardId> = node.locals().keys().copied().collect();
    held.sort_unstable();
    axum::Json(serde_json::json!({
        "status": "ok",
        "node": node.0.me.node,
        "shards": held.len(),
        "held": held,
    }))
    .into_response()
}

fn node_metrics(node: &Node, request: &Request) -> Response {
    let token = node.0.config.metrics_token.as_ref().map(|t| t.0.as_str());
    metrics::answer(request, token, &node.0.parts.telemetry, node.gauges())
}
