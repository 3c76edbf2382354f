//! The shard → node directory: a JetStream key-value bucket on NATS.
//!
//! Keys: `shard.<n>` (a [`LeaseValue`] as JSON; the entry's revision is the
//! fencing token every take and renewal compares and sets), `node.<id>`
//! (each node's heartbeat, so the others know how many share the shards),
//! `move.<n>` (a node an operator asked the shard to move to; see
//! `moves.rs`) and `config` (the shard count, fixed when the bucket is made). This task
//! follows the bucket with a watch, and once a round carries out what the
//! [`Book`] decides.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation};
use bytes::Bytes;
use futures_util::StreamExt;

use super::bucket::{BucketSpec, Failed, bucket, cluster_error, timeout};
use super::front::Node;
use super::leases::{Action, Book, Change, Holder, LeaseValue, Outcome, ShardId};
use crate::config::Config;
use crate::error::StartError;

pub const BUCKET: &str = "notes-shards";

pub fn shard_key(shard: ShardId) -> String {
    format!("shard.{shard}")
}

/// Where an operator asks for a shard to move: the value is the node.
pub fn move_key(shard: ShardId) -> String {
    format!("move.{shard}")
}

fn node_key(node: &str) -> String {
    format!("node.{node}")
}

pub struct Directory {
    kv: kv::Store,
    book: Arc<Mutex<Book>>,
    node: Node,
}

impl Directory {
    /// Connects, makes the bucket if it is not there, and checks that the
    /// cluster's shard count is this node's.
    pub async fn connect(
        url: &str,
        config: &Config,
        me: Holder,
        node: Node,
    ) -> Result<Self, StartError> {
        let client = async_nats::ConnectOptions::new()
            .name(format!("notes {}", me.node))
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| cluster_error(&format!("cannot reach NATS at {url}"), e))?;
        let js = async_nats::jetstream::new(client);
        // Every take and renewal stays readable for a while: the tests
        // check from it that no shard ever had two holders at once.
        let replicas = usize::from(config.nats_replicas);
        let kv = bucket(
            &js,
            &BucketSpec {
                name: BUCKET,
                description: "notes: which node serves each shard",
                history: 64,
                replicas,
            },
        )
        .await?;
        let records = bucket(
            &js,
            &BucketSpec {
                name: super::accounts::BUCKET,
                description: "notes: each shard's accounts and sessions",
                history: 1,
                replicas,
            },
        )
        .await?;
        node.set_records(records);
        let shards = config.shards;
        let ours = Bytes::from(serde_json::json!({ "shards": shards }).to_string());
        match kv.create("config", ours).await {
            Ok(_) => {}
            Err(e) if e.kind() == CreateErrorKind::AlreadyExists => {
                let theirs = kv
                    .get("config")
                    .await
                    .map_err(|e| cluster_error("cannot read the cluster's settings", e))?
                    .and_then(|v| serde_json::from_slice::<serde_json::Value>(&v).ok())
                    .and_then(|v| v["shards"].as_u64());
                if theirs != Some(u64::from(shards)) {
                    return Err(StartError::Config(format!(
                        "this cluster has {} shards, this node was started with --shards {shards}",
                        theirs.map_or("an unknown number of".into(), |n| n.to_string())
                    )));
                }
            }
            Err(e) => return Err(cluster_error("cannot write the cluster's settings", e)),
        }
        let book = Arc::new(Mutex::new(Book::new(
            me,
            shards,
            config.lease,
            Instant::now(),
        )));
        node.set_book(book.clone());
        Ok(Self { kv, book, node })
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows the bucket and runs the rounds until `stop`, then gives every
    /// shard up so that other nodes take them at once.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        let round = self.book().round();
        let mut ticks = tokio::time::interval(round);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut watch = None;
        loop {
            if watch.is_none() {
                // Each key's current value first, then every change: a
                // watch of changes only would never see the entries of a
                // cluster that stopped whole (nothing renews them), and
                // every take would be a create that finds the key there.
                match self.kv.watch_with_history(">").await {
                    Ok(w) => watch = Some(w),
                    Err(e) => tracing::warn!(error = %e, "cannot follow the shard bucket"),
                }
            }
            tokio::select! {
                () = &mut stop => break,
                entry = next_entry(&mut watch) => match entry {
                    Some(entry) => {
                        if self.follow(entry).await {
                            // A move to carry out: now, not at the next round.
                            self.round().await;
                        }
                    }
                    None => {
                        // The watch ended (NATS went away): follow again
                        // once it answers; the rounds go on meanwhile.
                        watch = None;
                        tokio::time::sleep(round / 4).await;
                    }
                },
                _ = ticks.tick() => self.round().await,
            }
        }
        self.give_up_all().await;
    }

    /// Takes in what the bucket says; whether a move asks for a round now
    /// (a shard to give up, or a shard asked here that became free).
    async fn follow(&self, entry: kv::Entry) -> bool {
        let now = Instant::now();
        if let Some(node) = entry.key.strip_prefix("node.") {
            self.book().observe_node(node, entry.revision, now);
            return false;
        }
        if let Some(shard) = entry
            .key
            .strip_prefix("move.")
            .and_then(|n| n.parse::<ShardId>().ok())
        {
            let target = (entry.operation == Operation::Put)
                .then(|| String::from_utf8(entry.value.to_vec()).ok())
                .flatten();
            let mut book = self.book();
            book.observe_move(shard, target, now);
            return book.holds(shard) && !book.asked_here(shard) && book.move_asked(shard);
        }
        let Some(shard) = entry
            .key
            .strip_prefix("shard.")
            .and_then(|n| n.parse::<ShardId>().ok())
        else {
            return false;
        };
        let holder: LeaseValue = match entry.operation {
            Operation::Put => serde_json::from_slice(&entry.value).unwrap_or_else(|e| {
                tracing::warn!(shard, error = %e, "a shard entry is not ours to read; taken as free");
                None
            }),
            Operation::Delete | Operation::Purge => None,
        };
        let free = holder.is_none();
        let change = self.book().observe(shard, entry.revision, holder, now);
        if let Some(change) = change {
            self.apply(change).await;
        }
        free && self.book().asked_here(shard)
    }

    async fn round(&self) {
        let me = self.book().me().clone();
        let value = Bytes::from(me.url.clone());
        let mut nats_away = false;
        if let Err(e) = timeout(self.kv.put(node_key(&me.node), value)).await {
            tracing::warn!(error = %e, "cannot send this node's heartbeat to NATS");
            nats_away = true;
        }
        let expired = self.book().expire(Instant::now());
        for change in expired {
            tracing::warn!(?change, "a shard's lease ran out unrenewed");
            self.apply(change).await;
        }
        let actions = self.book().plan(Instant::now());
        let mine = Bytes::from(serde_json::to_vec(&Some(me)).unwrap_or_default());
        for action in actions {
            if nats_away {
                // Not sent: the rest would each wait out their timeout too,
                // holding up the next round and the watch.
                self.book()
                    .settle(&action, Outcome::Unknown, Instant::now());
                continue;
            }
            if let Action::Release { shard, .. } = action {
                // Not served from here on, before anyone can take it.
                self.node.stop(shard).await;
            }
            let sent = Instant::now();
            let moved_here = self.book().asked_here(action.shard());
            let outcome = self.write(&action, mine.clone()).await;
            nats_away = outcome == Outcome::Unknown;
            let change = self.book().settle(&action, outcome, sent);
            if moved_here && matches!(change, Some(Change::Serve { .. })) {
                // The move asked for is done.
                let key = move_key(action.shard());
                if let Err(e) = timeout(self.kv.delete(&key)).await {
                    tracing::warn!(key, error = %e, "cannot clear a move done");
                }
                tracing::info!(shard = action.shard(), "shard moved here as asked");
            }
            if let Some(change) = change {
                self.apply(change).await;
            }
        }
    }

    async fn write(&self, action: &Action, mine: Bytes) -> Outcome {
        let key = shard_key(action.shard());
        let free = Bytes::from_static(b"null");
        let written = match *action {
            Action::Create { .. } => timeout(self.kv.create(&key, mine)).await.map_err(|e| {
                let lost = matches!(&e, Failed::Nats(k) if k == "create:AlreadyExists");
                (lost, e)
            }),
            Action::Take { revision, .. } | Action::Renew { revision, .. } => {
                timeout(self.kv.update(&key, mine, revision))
                    .await
                    .map_err(|e| {
                        (
                            matches!(&e, Failed::Nats(k) if k == "update:WrongLastRevision"),
                            e,
                        )
                    })
            }
            Action::Release { revision, .. } => timeout(self.kv.update(&key, free, revision))
                .await
                .map_err(|e| {
                    (
                        matches!(&e, Failed::Nats(k) if k == "update:WrongLastRevision"),
                        e,
                    )
                }),
        };
        match written {
            Ok(revision) => Outcome::Done(revision),
            Err((true, _)) => Outcome::Lost,
            Err((false, e)) => {
                tracing::warn!(?action, error = %e, "a shard lease write got no answer");
                Outcome::Unknown
            }
        }
    }

    async fn apply(&self, change: Change) {
        match change {
            Change::Serve { shard, until } => {
                if let Err(e) = self.node.serve(shard, until).await {
                    tracing::error!(shard, error = %e, "cannot open a shard taken: giving it up");
                    let held = self.book().held();
                    if let Some((_, revision)) = held.into_iter().find(|(s, _)| *s == shard) {
                        let action = Action::Release { shard, revision };
                        let outcome = self.write(&action, Bytes::new()).await;
                        self.book().settle(&action, outcome, Instant::now());
                    }
                }
            }
            Change::Stop { shard } => self.node.stop(shard).await,
        }
    }

    async fn give_up_all(&self) {
        let held = self.book().held();
        for (shard, revision) in held {
            self.node.stop(shard).await;
            let action = Action::Release { shard, revision };
            let outcome = self.write(&action, Bytes::new()).await;
            self.book().settle(&action, outcome, Instant::now());
        }
    }
}

async fn next_entry(watch: &mut Option<kv::Watch>) -> Option<kv::Entry> {
    match watch {
        Some(w) => match w.next().await {
            Some(Ok(entry)) => Some(entry),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "the shard bucket's watch failed");
                None
            }
            None => None,
        },
        None => std::future::pending().await,
    }
}
