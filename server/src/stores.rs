//! One SQLite + cr-sqlite database per user, `users/<id>.db` under the data
//! directory, named by the numeric user id only. A bounded LRU keeps the most
//! recently used ones open.
//!
//! Opening (and migrating) a file and closing (finalizing) one take
//! milliseconds to seconds, so they happen outside the cache's lock: other
//! users' requests go on meanwhile. A user whose file is being opened or
//! closed is marked busy, and that user's other requests wait for it, so a
//! file never has two connections. A database a request still holds is never
//! evicted: the cache goes over its capacity until that request is done.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use lru::LruCache;
use store::{OpenOptions, Store, StoreError};

use crate::accounts::UserId;

/// A user's database, shared by the requests that use it at the same time.
#[derive(Clone)]
pub struct UserStore(Arc<Entry>);

struct Entry {
    // Declared first: dropped (finalized and closed) before `_connection`.
    store: Mutex<Store>,
    _connection: Connection,
}

impl UserStore {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        // Transactions roll back when a panic unwinds through them, so the
        // store behind a poisoned lock is consistent.
        self.0.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Only the cache holds it: no request is using it.
    fn unused(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }
}

/// Counts the open connections to each file while it lives: two at once
/// would let one connection's cached schema and cr-sqlite's clock go stale
/// under the other's writes.
struct Connection {
    user: UserId,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    open: Mutex<HashMap<UserId, u32>>,
    /// The most connections one file ever had at once.
    most: AtomicU32,
}

impl Connection {
    fn new(user: UserId, counts: &Arc<Counts>) -> Self {
        let mut open = counts.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(user).or_insert(0);
        *n += 1;
        counts.most.fetch_max(*n, Ordering::Relaxed);
        Self {
            user,
            counts: counts.clone(),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

struct Open {
    lru: LruCache<UserId, UserStore>,
    /// Users whose file is being opened or closed outside the lock.
    busy: HashSet<UserId>,
}

pub struct StoreCache {
    dir: PathBuf,
    /// Changes in the multi-node mode: a node's databases are shared out
    /// among the shards it serves.
    capacity: AtomicUsize,
    open: Mutex<Open>,
    /// Signalled when a user stops being busy.
    settled: Condvar,
    options: OpenOptions,
    /// Users whose accounts were deleted while the server ran: a request
    /// that authenticated just before must not write their database again.
    gone: Mutex<HashSet<UserId>>,
    opens: AtomicU64,
    connections: Arc<Counts>,
}

impl StoreCache {
    /// `max_bytes`: the most one user's database may take.
    pub fn new(dir: PathBuf, capacity: NonZeroUsize, max_bytes: Option<u64>) -> Self {
        Self {
            dir,
            capacity: AtomicUsize::new(capacity.get()),
            // Unbounded: entries in use stay even over capacity (see `evict`).
            open: Mutex::new(Open {
                lru: LruCache::unbounded(),
                busy: HashSet::new(),
            }),
            settled: Condvar::new(),
            options: OpenOptions {
                max_size_bytes: max_bytes,
                ..OpenOptions::default()
            },
            gone: Mutex::new(HashSet::new()),
            opens: AtomicU64::new(0),
            connections: Arc::default(),
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
        let mut open = self.lock_open();
        while open.busy.contains(&user) {
            open = self.settled.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        let cached = open.lru.pop(&user);
        drop(open);
        if let Some(store) = cached {
            // Waits for a request that is merging into it right now.
            drop(store.lock());
            close_store(user, store);
        }
        remove_database_files(&self.path(user))
    }

    /// The file of a user's database.
    pub fn path(&self, user: UserId) -> PathBuf {
        self.dir.join(format!("{user}.db"))
    }

    /// Whether the user's database file and its write-ahead log together
    /// take the user's whole space or more. SQLite keeps the file within
    /// its share; the log outgrows its share only during one large
    /// transaction, and is cut back at a checkpoint, tried here first so
    /// that an oversized log never stays in the way.
    pub fn is_full(&self, user: UserId, store: &Store) -> bool {
        let Some(max) = self.options.max_size_bytes else {
            return false;
        };
        let path = self.path(user);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let used = || {
            let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
            size(&path) + size(std::path::Path::new(&wal))
        };
        if used() < max {
            return false;
        }
        if let Err(e) = store
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::warn!(user, error = %e, "cannot checkpoint a full database");
        }
        used() >= max
    }

    fn lock_open(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user's open database, opening (and creating) it if needed.
    /// Blocking: call from a blocking thread.
    pub fn get(&self, user: UserId) -> Result<UserStore, StoreError> {
        let mut open = self.lock_open();
        loop {
            if let Some(s) = open.lru.get(&user) {
                return Ok(s.clone());
            }
            if !open.busy.contains(&user) {
                break;
            }
            open = self.settled.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        open.busy.insert(user);
        drop(open);

        // A panic while opening must not leave the user busy for ever (each
        // of its later requests would wait on a blocking thread).
        let opened =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.open_file(user)));

        let mut open = self.lock_open();
        open.busy.remove(&user);
        let opened = match opened {
            Ok(o) => o,
            Err(panic) => {
                drop(open);
                self.settled.notify_all();
                std::panic::resume_unwind(panic);
            }
        };
        let store = opened.map(|s| {
            let s = UserStore(Arc::new(Entry {
                store: Mutex::new(s),
                _connection: Connection::new(user, &self.connections),
            }));
            open.lru.put(user, s.clone());
            s
        });
        let evicted = self.evict(&mut open);
        drop(open);
        self.settled.notify_all();
        self.close(evicted);
        store
    }

    fn open_file(&self, user: UserId) -> Result<Store, StoreError> {
        let store = Store::open(self.path(user), &self.options)?;
        self.opens.fetch_add(1, Ordering::Relaxed);
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
        Ok(store)
    }

    /// Takes the least recently used databases no request holds out of the
    /// cache until it is back within capacity, marking their users busy
    /// until [`Self::close`] is done with them.
    fn evict(&self, open: &mut Open) -> Vec<(UserId, UserStore)> {
        let over = open
            .lru
            .len()
            .saturating_sub(self.capacity.load(Ordering::Relaxed));
        if over == 0 {
            return Vec::new();
        }
        // Oldest first: `iter` goes from the most recently used.
        let unused: Vec<UserId> = open
            .lru
            .iter()
            .rev()
            .filter(|(_, s)| s.unused())
            .map(|(u, _)| *u)
            .take(over)
            .collect();
        let mut evicted = Vec::with_capacity(unused.len());
        for user in unused {
            if let Some(s) = open.lru.pop(&user) {
                open.busy.insert(user);
                evicted.push((user, s));
            }
        }
        evicted
    }

    /// Finalizes and closes evicted databases, outside the cache's lock.
    fn close(&self, evicted: Vec<(UserId, UserStore)>) {
        if evicted.is_empty() {
            return;
        }
        let users: Vec<UserId> = evicted.iter().map(|(u, _)| *u).collect();
        for (user, s) in evicted {
            close_store(user, s);
        }
        let mut open = self.lock_open();
        for user in users {
            open.busy.remove(&user);
        }
        drop(open);
        self.settled.notify_all();
    }

    /// Keeps at most `capacity` databases open from now on, closing the
    /// least recently used ones no request holds at once. Blocking.
    pub fn set_capacity(&self, capacity: NonZeroUsize) {
        self.capacity.store(capacity.get(), Ordering::Relaxed);
        let evicted = self.evict(&mut self.lock_open());
        self.close(evicted);
    }

    /// How many databases are open in the cache.
    pub fn len(&self) -> usize {
        self.lock_open().lru.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times a database file was opened since the start (a cache
    /// that thrashes opens often).
    pub fn opens(&self) -> u64 {
        self.opens.load(Ordering::Relaxed)
    }

    /// The most connections one database file ever had open at once: 1
    /// unless something is wrong.
    pub fn most_connections_per_file(&self) -> u32 {
        self.connections.most.load(Ordering::Relaxed)
    }

    /// Closes every cached database, reporting finalize errors to the log.
    pub fn close_all(&self) {
        let drained: Vec<(UserId, UserStore)> = {
            let mut open = self.lock_open();
            std::iter::from_fn(|| open.lru.pop_lru()).collect()
        };
        for (user, s) in drained {
            close_store(user, s);
        }
    }
}

fn close_store(user: UserId, s: UserStore) {
    match Arc::try_unwrap(s.0) {
        Ok(entry) => {
            let store = entry.store.into_inner().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = store.close() {
                tracing::warn!(user, error = %e, "closing a user database failed");
            }
        }
        // Still in use by a straggling task: it finalizes on drop.
        Err(_) => tracing::debug!(user, "database still in use at close"),
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
