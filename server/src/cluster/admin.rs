//! `server shard list` and `server shard move`: what an operator asks of a
//! cluster, through its NATS bucket (no node needs to be reachable).

use std::time::{Duration, Instant};

use async_nats::jetstream::kv;
use bytes::Bytes;

use super::directory::{BUCKET, move_key, shard_key};
use super::leases::{LeaseValue, ShardId};
use crate::config::ShardCommand;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("cannot reach NATS at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("no cluster uses this NATS yet (no bucket {BUCKET})")]
    NoCluster,
    #[error("NATS: {0}")]
    Nats(String),
    #[error("this cluster has {shards} shards: there is no shard {shard}")]
    NoSuchShard { shard: ShardId, shards: ShardId },
    #[error("no node {0} has been heard of in this cluster")]
    NoSuchNode(String),
    #[error("shard {shard} is not on {to} after {waited:?}; it stays asked for")]
    NotMoved {
        shard: ShardId,
        to: String,
        waited: Duration,
    },
}

fn nats(e: impl std::fmt::Display) -> AdminError {
    AdminError::Nats(e.to_string())
}

async fn bucket(url: &str) -> Result<kv::Store, AdminError> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| AdminError::Unreachable {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    async_nats::jetstream::new(client)
        .get_key_value(BUCKET)
        .await
        .map_err(|_| AdminError::NoCluster)
}

async fn shard_count(kv: &kv::Store) -> Result<ShardId, AdminError> {
    let config = kv
        .get("config")
        .await
        .map_err(nats)?
        .ok_or(AdminError::NoCluster)?;
    serde_json::from_slice::<serde_json::Value>(&config)
        .ok()
        .and_then(|v| v["shards"].as_u64())
        .and_then(|n| ShardId::try_from(n).ok())
        .ok_or(AdminError::NoCluster)
}

async fn holder(kv: &kv::Store, shard: ShardId) -> Result<LeaseValue, AdminError> {
    Ok(kv
        .get(shard_key(shard))
        .await
        .map_err(nats)?
        .and_then(|v| serde_json::from_slice::<LeaseValue>(&v).ok())
        .flatten())
}

/// Runs an operator's command; returns what to print.
pub async fn run(url: &str, command: &ShardCommand, lease: Duration) -> Result<String, AdminError> {
    let kv = bucket(url).await?;
    let shards = shard_count(&kv).await?;
    match command {
        ShardCommand::List => {
            let mut out = String::from("shard\tnode\taddress\n");
            for shard in 0..shards {
                let line = match holder(&kv, shard).await? {
                    Some(h) => format!("{shard}\t{}\t{}\n", h.node, h.url),
                    None => format!("{shard}\t-\t-\n"),
                };
                out.push_str(&line);
            }
            Ok(out)
        }
        ShardCommand::Move { shard, to } => {
            let shard = *shard;
            if shard >= shards {
                return Err(AdminError::NoSuchShard { shard, shards });
            }
            if kv.get(format!("node.{to}")).await.map_err(nats)?.is_none() {
                return Err(AdminError::NoSuchNode(to.clone()));
            }
            let from = holder(&kv, shard).await?.map(|h| h.node);
            if from.as_deref() == Some(to.as_str()) {
                return Ok(format!("shard {shard} is on {to} already\n"));
            }
            kv.put(move_key(shard), Bytes::from(to.clone()))
                .await
                .map_err(nats)?;
            let asked = Instant::now();
            let waited = lease * 3;
            while asked.elapsed() < waited {
                if holder(&kv, shard).await?.is_some_and(|h| &h.node == to) {
                    return Ok(format!(
                        "shard {shard} moved from {} to {to} in {} ms\n",
                        from.as_deref().unwrap_or("no node"),
                        asked.elapsed().as_millis()
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(AdminError::NotMoved {
                shard,
                to: to.clone(),
                waited,
            })
        }
    }
}
