//! One SQLite + cr-sqlite database per user, `users/<id>.db` under the data
//! directory, named by the numeric user id only. A bounded LRU keeps the most
//! recently used ones open; an evicted database closes (and finalizes) once
//! the last request using it is done.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;
use store::{OpenOptions, Store, StoreError};

use crate::accounts::UserId;

/// A user's database, shared by the requests that use it at the same time.
#[derive(Clone)]
pub struct UserStore(Arc<Mutex<Store>>);

impl UserStore {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        // Transactions roll back when a panic unwinds through them, so the
        // store behind a poisoned lock is consistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct StoreCache {
    dir: PathBuf,
    open: Mutex<LruCache<UserId, UserStore>>,
    options: OpenOptions,
}

impl StoreCache {
    /// `max_bytes`: the most one user's database may take.
    pub fn new(dir: PathBuf, capacity: NonZeroUsize, max_bytes: Option<u64>) -> Self {
        Self {
            dir,
            open: Mutex::new(LruCache::new(capacity)),
            options: OpenOptions {
                max_size_bytes: max_bytes,
                ..OpenOptions::default()
            },
        }
    }

    /// The file of a user's database.
    pub fn path(&self, user: UserId) -> PathBuf {
        self.dir.join(format!("{user}.db"))
    }

    /// The user's open database, opening (and creating) it if needed.
    /// Blocking: call from a blocking thread.
    pub fn get(&self, user: UserId) -> Result<UserStore, StoreError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = open.get(&user) {
            return Ok(s.clone());
        }
        let store = Store::open(self.path(user), &self.options)?;
        // Whatever happened to the file while it was closed (a restore from
        // a backup, say), answers from now on come from a new epoch.
        // On a full database the epoch waits for the next opening: nothing
        // can be written before then anyway, and reading stays possible.
        match store.begin_server_epoch() {
            Err(e) if e.is_disk_full() => {
                tracing::warn!(user, error = %e, "no room to start a new epoch");
            }
            other => {
                other?;
            }
        }
        let store = UserStore(Arc::new(Mutex::new(store)));
        // The evicted entry is dropped here or by its last user.
        open.put(user, store.clone());
        Ok(store)
    }

    /// How many databases are open in the cache.
    pub fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes every cached database, reporting finalize errors to the log.
    pub fn close_all(&self) {
        let drained: Vec<(UserId, UserStore)> = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            std::iter::from_fn(|| open.pop_lru()).collect()
        };
        for (user, s) in drained {
            match Arc::try_unwrap(s.0) {
                Ok(m) => {
                    let store = m.into_inner().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = store.close() {
                        tracing::warn!(user, error = %e, "closing a user database failed");
                    }
                }
                // Still in use by a straggling task: it finalizes on drop.
                Err(_) => tracing::debug!(user, "database still in use at shutdown"),
            }
        }
    }
}
