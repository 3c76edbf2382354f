//! A shard's accounts and sessions, kept outside its node: a JetStream
//! key-value bucket (`notes-accounts`), replicated as NATS is. Written after
//! each change of an account or a session, read by the node that takes the
//! shard over, which brings its `accounts.db` up to it
//! (`Accounts::restore`). So a node with a disk of its own can be lost
//! without losing an account or signing anyone out; the notes come back
//! from the devices (epochs, `docs/PROTOCOL.md` section 6).
//!
//! Keys, all starting with the shard so one filter reads a shard:
//! `<n>.a.<user id>` (an [`AccountRecord`]), `<n>.s.<session digest, hex>`
//! (a [`SessionRecord`]; deleted when the session ends) and `<n>.m` (a
//! mark written before reading, so that the read knows where it ends).

use std::fmt::Write as _;
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use futures_util::StreamExt;

use super::leases::ShardId;
use crate::accounts::{AccountRecord, SessionDigest, SessionRecord, UserId};

pub const BUCKET: &str = "notes-accounts";

/// How long one write or a whole shard's read may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
const READ_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("NATS: {0}")]
    Nats(String),
    #[error("NATS did not answer in time")]
    TimedOut,
    #[error("a record is not ours to read: {0}")]
    Unreadable(String),
}

fn nats(e: impl std::fmt::Display) -> RecordError {
    RecordError::Nats(e.to_string())
}

/// The records of one shard.
#[derive(Clone)]
pub struct ShardRecords {
    kv: kv::Store,
    shard: ShardId,
}

/// What a shard's records hold.
#[derive(Debug, Default)]
pub struct Loaded {
    pub accounts: Vec<AccountRecord>,
    pub sessions: Vec<(SessionDigest, SessionRecord)>,
}

fn hex(digest: &SessionDigest) -> String {
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<SessionDigest> {
    let mut out = [0_u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

async fn in_time<T, E: std::fmt::Display>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, RecordError> {
    tokio::time::timeout(limit, f)
        .await
        .map_err(|_| RecordError::TimedOut)?
        .map_err(nats)
}

impl ShardRecords {
    pub fn new(kv: kv::Store, shard: ShardId) -> Self {
        Self { kv, shard }
    }

    async fn put<T: serde::Serialize>(&self, key: String, value: &T) -> Result<(), RecordError> {
        let bytes =
            serde_json::to_vec(value).map_err(|e| RecordError::Unreadable(e.to_string()))?;
        in_time(WRITE_TIMEOUT, self.kv.put(key, Bytes::from(bytes))).await?;
        Ok(())
    }

    pub async fn put_account(&self, a: &AccountRecord) -> Result<(), RecordError> {
        self.put(format!("{}.a.{}", self.shard, a.id), a).await
    }

    pub async fn put_session(
        &self,
        digest: &SessionDigest,
        s: &SessionRecord,
    ) -> Result<(), RecordError> {
        self.put(format!("{}.s.{}", self.shard, hex(digest)), s)
            .await
    }

    pub async fn end_sessions(&self, digests: &[SessionDigest]) -> Result<(), RecordError> {
        for d in digests {
            let key = format!("{}.s.{}", self.shard, hex(d));
            in_time(WRITE_TIMEOUT, self.kv.delete(key)).await?;
        }
        Ok(())
    }

    /// Every record of the shard, as it is now.
    pub async fn load(&self) -> Result<Loaded, RecordError> {
        tokio::time::timeout(READ_TIMEOUT, self.read_all())
            .await
            .map_err(|_| RecordError::TimedOut)?
    }

    async fn read_all(&self) -> Result<Loaded, RecordError> {
        let mark = format!("{}.m", self.shard);
        let mark_revision = self
            .kv
            .put(&mark, Bytes::from(crate::accounts::now().to_string()))
            .await
            .map_err(nats)?;
        // The newest value of each key, in the order written: the mark,
        // written last, ends the read.
        let mut entries = self
            .kv
            .watch_with_history(format!("{}.>", self.shard))
            .await
            .map_err(nats)?;
        let mut loaded = Loaded::default();
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(nats)?;
            if entry.key == mark && entry.revision >= mark_revision {
                return Ok(loaded);
            }
            if entry.operation != Operation::Put {
                continue;
            }
            let rest = entry
                .key
                .strip_prefix(&format!("{}.", self.shard))
                .unwrap_or_default();
            let unreadable =
                |e: serde_json::Error| RecordError::Unreadable(format!("{}: {e}", entry.key));
            if rest.starts_with("a.") {
                loaded
                    .accounts
                    .push(serde_json::from_slice(&entry.value).map_err(unreadable)?);
            } else if let Some(digest) = rest.strip_prefix("s.").and_then(unhex) {
                loaded.sessions.push((
                    digest,
                    serde_json::from_slice(&entry.value).map_err(unreadable)?,
                ));
            }
        }
        Err(RecordError::Nats(
            "the read of a shard's records ended early".into(),
        ))
    }
}

/// The record key of an account, for tests reading the bucket.
pub fn account_key(shard: ShardId, user: UserId) -> String {
    format!("{shard}.a.{user}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_digest_goes_to_a_key_and_back() {
        let d: SessionDigest = std::array::from_fn(|i| (i * 7) as u8);
        assert_eq!(unhex(&hex(&d)), Some(d));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
    }
}
