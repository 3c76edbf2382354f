//! The key-value buckets of the multi-node mode: made the way nats-server
//! 2.9 takes, and written with a deadline.

use std::time::Duration;

use async_nats::jetstream::kv::{self, UpdateErrorKind};

use crate::error::StartError;

/// How long one write to a bucket may take before it counts as unknown.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

pub(super) fn cluster_error(what: &str, e: impl std::fmt::Display) -> StartError {
    StartError::Cluster(format!("{what}: {e}"))
}

/// A bucket to open (and make, the first time).
pub(super) struct BucketSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// Values kept per key.
    pub history: i64,
    /// Copies JetStream keeps, on as many NATS servers (at most 5).
    pub replicas: usize,
}

/// Opens a key-value bucket, making it first if it is not there yet.
pub(super) async fn bucket(
    js: &async_nats::jetstream::Context,
    spec: &BucketSpec<'_>,
) -> Result<kv::Store, StartError> {
    let name = spec.name;
    if let Ok(kv) = js.get_key_value(name).await {
        return Ok(kv);
    }
    make_bucket(js, spec).await?;
    js.get_key_value(name)
        .await
        .map_err(|e| cluster_error(&format!("cannot open the bucket {name}"), e))
}

/// Makes a bucket's stream as a key-value bucket's is made.
/// `create_key_value` first asks for the account's info, whose answer from
/// nats-server 2.9 (Debian's) async-nats 0.52 cannot read (it lacks
/// `reserved_memory`); the stream itself is all 2.9 needs.
async fn make_bucket(
    js: &async_nats::jetstream::Context,
    spec: &BucketSpec<'_>,
) -> Result<(), StartError> {
    use async_nats::jetstream::stream::{Config, DiscardPolicy, StorageType};
    let name = spec.name;
    let made = js
        .create_stream(Config {
            name: format!("KV_{name}"),
            description: Some(spec.description.into()),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: spec.history,
            storage: StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            num_replicas: spec.replicas,
            discard: DiscardPolicy::New,
            ..Default::default()
        })
        .await;
    match made {
        Ok(_) => Ok(()),
        // Another node made it meanwhile.
        Err(_) if js.get_key_value(name).await.is_ok() => Ok(()),
        Err(e) => Err(cluster_error(
            &format!("cannot make the bucket {name} (is JetStream on?)"),
            e,
        )),
    }
}

/// A bucket write that failed: the kind, as `op:Kind`, or a timeout.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failed {
    #[error("NATS answered {0}")]
    Nats(String),
    #[error("no answer within {WRITE_TIMEOUT:?}")]
    TimedOut,
}

pub(super) trait Kinded {
    fn kinded(&self) -> String;
}

impl Kinded for kv::CreateError {
    fn kinded(&self) -> String {
        format!("create:{:?}", self.kind())
    }
}

impl Kinded for kv::UpdateError {
    fn kinded(&self) -> String {
        let kind = self.kind();
        if kind == UpdateErrorKind::WrongLastRevision {
            "update:WrongLastRevision".into()
        } else {
            format!("update:{kind:?} ({self})")
        }
    }
}

impl Kinded for kv::PutError {
    fn kinded(&self) -> String {
        format!("put: {self}")
    }
}

pub(super) async fn timeout<T, E: Kinded>(
    write: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, Failed> {
    match tokio::time::timeout(WRITE_TIMEOUT, write).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failed::Nats(e.kinded())),
        Err(_) => Err(Failed::TimedOut),
    }
}
