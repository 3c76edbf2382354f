//! A node that comes back with the files of shards others took meanwhile
//! (killed, or cut off from NATS, with its disk kept) merges each user's
//! database into the shard's holder: a cr-sqlite merge is idempotent, so
//! whatever the holder has already is unchanged, and what only these files
//! held — acknowledged to a device that is gone since — is not lost.
//!
//! Node to node only: `POST /internal/shards/<n>/users/<id>` with the file
//! as the body and `Authorization: Bearer <--cluster-secret>`. Without a
//! secret nothing is sent nor taken.
//!
//! Which files are whose: a node writes its id into `<shard dir>/holder`
//! when it starts serving a shard. On storage shared by the nodes, the next
//! holder writes its own id there, so nobody sends a shard's live files.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::front::Node;
use super::leases::ShardId;
use super::shard_dir;
use crate::accounts::UserId;
use crate::error::ApiError;
use crate::extract::{bearer, same_secret};
use crate::state::AppState;

/// The file in a shard's directory naming the node that last took it.
pub const HOLDER_FILE: &str = "holder";

/// What a shard's directory says after its files were merged into the holder.
const MERGED: &str = "merged";

/// Changes read from the old file per merged transaction.
const PAGE: usize = 5_000;

pub fn mark_holder(dir: &Path, node: &str) -> std::io::Result<()> {
    std::fs::write(dir.join(HOLDER_FILE), node)
}

fn holder_of(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(HOLDER_FILE)).ok()
}

/// The shards whose files here were last written by `me`.
fn own_shard_dirs(data_dir: &Path, me: &str, shards: ShardId) -> Vec<(ShardId, PathBuf)> {
    (0..shards)
        .map(|s| (s, shard_dir(data_dir, s)))
        .filter(|(_, dir)| holder_of(dir).as_deref() == Some(me))
        .collect()
}

fn user_files(dir: &Path) -> Vec<(UserId, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir.join("users")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let user = name.strip_suffix(".db")?.parse::<UserId>().ok()?;
            Some((user, e.path()))
        })
        .collect()
}

/// Sends this node's files of every shard another node holds now to that
/// node, once; a shard whose files all went is marked so.
pub async fn send_back(node: &Node, secret: &str) {
    let (me, data_dir, shards) = node.identity();
    for (shard, dir) in own_shard_dirs(&data_dir, &me, shards) {
        if node.serves(shard) {
            continue;
        }
        let Some(url) = node.holder_url(shard) else {
            continue;
        };
        let mut all_sent = true;
        for (user, file) in user_files(&dir) {
            match send_file(node, &url, secret, shard, user, &file).await {
                Ok(()) => {
                    tracing::info!(shard, user, "a user's old database merged into the holder")
                }
                Err(e) => {
                    all_sent = false;
                    tracing::warn!(shard, user, error = %e, "cannot merge a user's old database into the holder yet");
                }
            }
        }
        if all_sent && let Err(e) = std::fs::write(dir.join(HOLDER_FILE), MERGED) {
            tracing::warn!(shard, error = %e, "cannot mark a shard's files merged");
        }
    }
}

async fn send_file(
    node: &Node,
    url: &str,
    secret: &str,
    shard: ShardId,
    user: UserId,
    file: &Path,
) -> Result<(), String> {
    // A node killed mid-way leaves its last commits in the write-ahead log:
    // folded into the file first, so that the file alone holds them all.
    let path = file.to_owned();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(&path)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot fold in the write-ahead log: {e}"))?;
    let opened = tokio::fs::File::open(file)
        .await
        .map_err(|e| e.to_string())?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(opened));
    let request = Request::post(format!("{url}/internal/shards/{shard}/users/{user}"))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .body(body)
        .map_err(|e| e.to_string())?;
    let answer = node.send(request).await.map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("the holder answered {}", answer.status()))
    }
}

/// Whether `request` carries the cluster's secret.
pub fn authorized(request: &Request, secret: Option<&str>) -> bool {
    match (bearer(request.headers()), secret) {
        (Some(given), Some(secret)) => same_secret(given, secret),
        _ => false,
    }
}

/// `POST /internal/shards/<n>/users/<id>`: merges the body, a user's
/// database file of at most `limit` bytes, into that user's database here.
pub async fn receive(state: AppState, user: UserId, limit: u64, request: Request) -> Response {
    let incoming = state.stores.path(user).with_extension("merging");
    let written = async {
        let mut out = tokio::fs::File::create(&incoming).await?;
        let mut body = request.into_body().into_data_stream();
        let mut total = 0_u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(std::io::Error::other)?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(std::io::Error::other(
                    "larger than a user's database may be",
                ));
            }
            out.write_all(&chunk).await?;
        }
        out.sync_all().await
    }
    .await;
    if let Err(e) = written {
        let _ = crate::stores::remove_database_files(&incoming);
        tracing::warn!(user, error = %e, "cannot receive an old database to merge");
        return ApiError::BadRequest("the file did not arrive whole".into()).into_response();
    }
    let (st, path) = (state.clone(), incoming.clone());
    let merged = tokio::task::spawn_blocking(move || merge_file(&st, user, &path)).await;
    if let Err(e) = crate::stores::remove_database_files(&incoming) {
        tracing::warn!(user, error = %e, "cannot remove a merged old database");
    }
    match merged {
        Ok(Ok(n)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "merged": n })),
        )
            .into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Merges every change of the file at `path` into `user`'s database;
/// returns how many were read. A deleted account takes nothing.
fn merge_file(state: &AppState, user: UserId, path: &Path) -> Result<usize, ApiError> {
    match state.accounts.record(user) {
        Ok(r) if !r.deleted => {}
        _ => return Ok(0),
    }
    let old = store::Store::open(path, &store::OpenOptions::default())?;
    let target = state.stores.get(user)?;
    let mut since = 0;
    let mut read = 0;
    loop {
        let page = old.changes_since(since, store::ChangeFilter::All, PAGE)?;
        read += page.changes.len();
        let mut store = target.lock();
        store.apply_changes(&page.changes)?;
        if !page.changes.is_empty() && state.live.is_watched(user) {
            state.live.poke(user, store.db_version()?);
        }
        if !page.more {
            break;
        }
        since = page.next_since;
    }
    drop(old);
    Ok(read)
}
