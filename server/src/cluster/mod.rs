//! The multi-node mode (`--nats`): accounts split into shards, each served
//! by one node at a time, every node answering every request.
//!
//! - [`leases`]: which shards this node takes, renews and gives up
//!   (decisions only, tested without NATS).
//! - [`directory`]: the shard → node directory, a JetStream key-value
//!   bucket; carries out the leases' writes and follows everyone else's.
//! - [`front`]: each request to the shard's state here, or forwarded to the
//!   node holding it.
//! - [`accounts`]: each shard's accounts and sessions kept in NATS too, so
//!   that a node taking a shard over needs nothing from the last one's disk.
//! - [`merge_back`]: a node that comes back with files of shards others
//!   took merges them into the holders.
//!
//! A shard is a directory of its own (`<data dir>/shards/<n>/`, with its
//! `accounts.db` and `users/`): on shared storage a node taking a shard
//! over opens what the last holder wrote; on a disk of its own, it starts
//! from the shard's account records and the devices send the notes again. A session's token starts with
//! its shard (`<n>.`), so any node knows where a request belongs.

pub mod accounts;
pub mod admin;
mod bucket;
pub mod directory;
mod forward;
pub mod front;
pub mod leases;
pub mod merge_back;
pub mod moves;

use std::future::Future;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::StartError;
use leases::ShardId;

/// The shard of an account, from its username as compared (see
/// `accounts::username_key`).
pub fn shard_of(username_key: &str, shards: ShardId) -> ShardId {
    let digest = Sha256::digest(username_key.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    let shards = u64::from(shards.max(1));
    ShardId::try_from(u64::from_be_bytes(first) % shards).unwrap_or(0)
}

/// The shard a bearer token belongs to: `<n>.` starts it.
pub fn token_shard(token: &str, shards: ShardId) -> Option<ShardId> {
    let (n, rest) = token.split_once('.')?;
    if n.is_empty() || n.len() > 5 || !n.bytes().all(|b| b.is_ascii_digit()) || rest.is_empty() {
        return None;
    }
    n.parse::<ShardId>().ok().filter(|&s| s < shards)
}

/// What a shard's session tokens start with.
pub fn token_prefix(shard: ShardId) -> String {
    format!("{shard}.")
}

/// Where a shard's files live.
pub fn shard_dir(data_dir: &Path, shard: ShardId) -> PathBuf {
    data_dir.join("shards").join(format!("{shard:03}"))
}

/// This node's name in the cluster: `--node-id`, or from the port.
pub fn node_id(config: &Config, port: u16) -> Result<String, StartError> {
    let id = config
        .node_id
        .clone()
        .unwrap_or_else(|| format!("node-{port}"));
    let fine = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fine {
        Ok(id)
    } else {
        Err(StartError::Config(
            "the node id may hold only letters, digits, - and _ (at most 64)".into(),
        ))
    }
}

/// Serves as one node of a cluster until `shutdown` completes, then gives
/// its shards up (so others take them at once) and closes their databases.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: &Config,
    nats_url: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    if config.shards == 0 {
        return Err(StartError::Config("shards must be at least 1".into()));
    }
    if config.lease < std::time::Duration::from_secs(1) {
        return Err(StartError::Config("the lease must be at least 1 s".into()));
    }
    let addr = listener.local_addr().map_err(StartError::Io)?;
    let me = leases::Holder {
        node: node_id(config, addr.port())?,
        url: config
            .advertise
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned(),
    };
    let node = front::Node::new(config, &me)?;
    let directory = directory::Directory::connect(nats_url, config, me, node.clone()).await?;
    let (stop_directory, directory_stopped) = tokio::sync::oneshot::channel::<()>();
    let directory_task = tokio::spawn(directory.run(async {
        let _ = directory_stopped.await;
    }));
    let merging = config.cluster_secret.as_ref().map(|secret| {
        let (node, secret, every) = (node.clone(), secret.0.clone(), config.lease);
        tokio::spawn(async move {
            // Once the other nodes' holdings are known, and again now and
            // then for holders that could not take them yet.
            loop {
                tokio::time::sleep(every).await;
                merge_back::send_back(&node, &secret).await;
            }
        })
    });
    let app = front::router(node.clone(), &config.static_dir);
    let streams = node.clone();
    crate::serve::serve_connections(
        listener,
        app,
        node.connection_limits(),
        move || streams.end_streams(),
        shutdown,
    )
    .await
    .map_err(StartError::Io)?;
    if let Some(task) = merging {
        task.abort();
    }
    let _ = stop_directory.send(());
    let _ = directory_task.await;
    node.close_all().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_shard_comes_from_its_compared_name_and_spreads_evenly() {
        assert_eq!(shard_of("alice", 256), shard_of("alice", 256));
        let mut counts = [0_u32; 16];
        for i in 0..16_000 {
            counts[usize::from(shard_of(&format!("user{i}"), 16))] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn a_token_names_its_shard_and_anything_else_names_none() {
        assert_eq!(token_shard("17.abcDEF-_", 256), Some(17));
        assert_eq!(token_shard(&format!("{}x", token_prefix(3)), 256), Some(3));
        for bad in [
            "", "abc", ".abc", "17.", "256.abc", "-1.abc", "1x.abc", "999999.a",
        ] {
            assert_eq!(token_shard(bad, 256), None, "{bad}");
        }
    }
}
