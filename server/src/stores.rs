//! One SQLite + cr-sqlite database per user, `users/<id>.db` under the data
//! directory, named by the numeric user id only. A bounded LRU keeps the most
//! recently used ones open; an evicted database closes (and finalizes) once
//! the last request using it is done.

use std::collections::HashSet;
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
    /// Users whose accounts were deleted while the server ran: a request
    /// that authenticated just before must not write their database again.
    gone: Mutex<HashSet<UserId>>,
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
            gone: Mutex::new(HashSet::new()),
        }
    }

    /// Whether `user`'s account was deleted since the server started.
    pub fn is_gone(&self, user: UserId) -> bool {
        self.gone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&user)
    }

    /// Deletes `user`'s database for good: closed once the requests using
    /// it are done, then its file, WAL and shared-memory file removed.
    /// Blocking: call from a blocking thread.
    pub fn remove(&self, user: UserId) -> std::io::Result<()> {
        self.gone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user);
        let cached = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop(&user);
        if let Some(store) = cached {
            // Waits for a request that is merging into it right now.
            drop(store.lock());
            drop(store);
        }
        remove_database_files(&self.path(user))
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

/// Removes a database file and the files SQLite keeps beside it; a file
/// that is not there is already removed.
pub fn remove_database_files(path: &std::path::Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}
