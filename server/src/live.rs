//! Live pokes: which users have open `GET /sync/events` streams, and the
//! newest server version of each such user's database.
//!
//! One `watch` channel per user with streams open: a commit that changed the
//! database stores its version there, and every stream of that user wakes and
//! sends it. A slow stream sees only the newest version, so nothing queues.
//! Pokes carry no data and may be coalesced or lost: a client's pull always
//! repairs the gap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::accounts::{SessionDigest, UserId};

/// A user already has as many streams open as allowed.
#[derive(Debug, thiserror::Error)]
#[error("{open} live streams are open for this account (at most {max})")]
pub struct TooManyStreams {
    pub open: usize,
    pub max: usize,
}

#[derive(Default)]
struct Counters {
    opened: AtomicU64,
    pokes: AtomicU64,
}

pub struct Live {
    users: Mutex<HashMap<UserId, UserStreams>>,
    max_per_user: usize,
    /// Cancelled at graceful shutdown: every stream ends, so that the server
    /// can finish its in-flight requests and stop.
    shutdown: CancellationToken,
    next_id: AtomicU64,
    counters: Counters,
}

struct UserStreams {
    version: watch::Sender<i64>,
    streams: HashMap<u64, OpenStream>,
}

struct OpenStream {
    session: SessionDigest,
    end: CancellationToken,
}

/// One open stream of a user. Dropping it (the client went away, or the
/// stream ended) unregisters it.
pub struct Subscription {
    live: Arc<Live>,
    user: UserId,
    id: u64,
    /// The user's newest server version.
    pub version: watch::Receiver<i64>,
    /// Cancelled when the stream must end: its session ended, or the server
    /// is shutting down.
    pub end: CancellationToken,
}

impl Subscription {
    /// The user's version is not known yet (no stream of theirs was open):
    /// the opener reads it from the database and [`Live::poke`]s it.
    pub fn needs_version(&self) -> bool {
        *self.version.borrow() < 0
    }
}

impl Live {
    pub fn new(max_per_user: usize) -> Arc<Self> {
        Arc::new(Self {
            users: Mutex::new(HashMap::new()),
            max_per_user,
            shutdown: CancellationToken::new(),
            next_id: AtomicU64::new(1),
            counters: Counters::default(),
        })
    }

    fn users(&self) -> MutexGuard<'_, HashMap<UserId, UserStreams>> {
        // Every critical section is a few map operations that cannot leave
        // the map half-changed: a poisoned lock is still consistent.
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a stream of `user` opened with the session `session`.
    pub fn subscribe(
        self: &Arc<Self>,
        user: UserId,
        session: SessionDigest,
    ) -> Result<Subscription, TooManyStreams> {
        let mut users = self.users();
        let new_user = !users.contains_key(&user);
        let entry = users.entry(user).or_insert_with(|| UserStreams {
            // Below every real version: the opener stores the real one.
            version: watch::channel(-1).0,
            streams: HashMap::new(),
        });
        if entry.streams.len() >= self.max_per_user {
            let open = entry.streams.len();
            if new_user {
                users.remove(&user);
            }
            return Err(TooManyStreams {
                open,
                max: self.max_per_user,
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let end = self.shutdown.child_token();
        entry.streams.insert(
            id,
            OpenStream {
                session,
                end: end.clone(),
            },
        );
        let version = entry.version.subscribe();
        let open = entry.streams.len();
        drop(users);
        self.counters.opened.fetch_add(1, Ordering::Relaxed);
        tracing::info!(user, streams = open, "live stream opened");
        Ok(Subscription {
            live: self.clone(),
            user,
            id,
            version,
            end,
        })
    }

    /// `user`'s database is now at `version` (after a commit): wakes the
    /// user's streams if that is newer than what they were told.
    pub fn poke(&self, user: UserId, version: i64) {
        if self.raise(user, version) {
            self.counters.pokes.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The version a stream's opener read for a user whose version was not
    /// known yet ([`Subscription::needs_version`]).
    pub fn know(&self, user: UserId, version: i64) {
        self.raise(user, version);
    }

    fn raise(&self, user: UserId, version: i64) -> bool {
        self.users().get(&user).is_some_and(|entry| {
            entry.version.send_if_modified(|current| {
                let newer = version > *current;
                if newer {
                    *current = version;
                }
                newer
            })
        })
    }

    /// Whether `user` has a stream open: only then is a version worth reading.
    pub fn is_watched(&self, user: UserId) -> bool {
        self.users().contains_key(&user)
    }

    /// Ends the streams opened with `session` (signed out).
    pub fn end_session(&self, user: UserId, session: &SessionDigest) {
        if let Some(entry) = self.users().get(&user) {
            for stream in entry.streams.values() {
                if &stream.session == session {
                    stream.end.cancel();
                }
            }
        }
    }

    /// Ends the streams of every session in `sessions` (signed out
    /// everywhere, a changed password, a deleted account).
    pub fn end_sessions(&self, user: UserId, sessions: &[SessionDigest]) {
        if let Some(entry) = self.users().get(&user) {
            for stream in entry.streams.values() {
                if sessions.contains(&stream.session) {
                    stream.end.cancel();
                }
            }
        }
    }

    /// Ends every stream, now and from now on (graceful shutdown).
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    /// Streams open for `user`.
    pub fn streams_of(&self, user: UserId) -> usize {
        self.users().get(&user).map_or(0, |e| e.streams.len())
    }

    /// Streams open in all, and users with at least one.
    pub fn open(&self) -> (usize, usize) {
        let users = self.users();
        (users.values().map(|e| e.streams.len()).sum(), users.len())
    }

    /// Streams opened since start, and pokes that woke streams.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.counters.opened.load(Ordering::Relaxed),
            self.counters.pokes.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut users = self.live.users();
        let left = match users.get_mut(&self.user) {
            Some(entry) => {
                entry.streams.remove(&self.id);
                entry.streams.len()
            }
            None => 0,
        };
        if left == 0 {
            users.remove(&self.user);
        }
        drop(users);
        tracing::info!(user = self.user, streams = left, "live stream closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(n: u8) -> SessionDigest {
        [n; 32]
    }

    #[test]
    fn a_poke_wakes_the_users_streams_with_the_newest_version_only() {
        let live = Live::new(4);
        let mut a = live.subscribe(1, digest(1)).unwrap();
        let mut other = live.subscribe(2, digest(2)).unwrap();
        assert!(a.needs_version());
        live.poke(1, 5);
        live.poke(1, 7);
        live.poke(1, 6); // older than what is there: not news
        assert!(a.version.has_changed().unwrap());
        assert_eq!(*a.version.borrow_and_update(), 7);
        assert!(!other.version.has_changed().unwrap());
        assert_eq!(*other.version.borrow_and_update(), -1);
        assert_eq!(live.totals(), (2, 2));
    }

    #[test]
    fn streams_beyond_the_cap_are_refused_and_closed_ones_free_their_place() {
        let live = Live::new(2);
        let a = live.subscribe(1, digest(1)).unwrap();
        let b = live.subscribe(1, digest(1)).unwrap();
        assert!(b.needs_version(), "nobody told the version yet");
        let refused = live.subscribe(1, digest(1)).err().unwrap();
        assert_eq!((refused.open, refused.max), (2, 2));
        assert!(
            live.subscribe(2, digest(2)).is_ok(),
            "another user is not capped"
        );
        drop(a);
        assert_eq!(live.streams_of(1), 1);
        let _c = live.subscribe(1, digest(1)).unwrap();
        drop(b);
        assert_eq!(live.open(), (1, 1));
    }

    #[test]
    fn the_last_stream_closing_forgets_the_user() {
        let live = Live::new(2);
        live.poke(1, 9); // nobody listens: nothing is kept
        let a = live.subscribe(1, digest(1)).unwrap();
        live.poke(1, 9);
        drop(a);
        assert_eq!(live.open(), (0, 0));
        let again = live.subscribe(1, digest(1)).unwrap();
        assert!(again.needs_version());
    }

    #[test]
    fn signing_out_ends_only_that_sessions_streams_and_shutdown_ends_all() {
        let live = Live::new(4);
        let phone = live.subscribe(1, digest(1)).unwrap();
        let laptop = live.subscribe(1, digest(2)).unwrap();
        let other = live.subscribe(2, digest(1)).unwrap();
        live.end_session(1, &digest(1));
        assert!(phone.end.is_cancelled());
        assert!(!laptop.end.is_cancelled());
        assert!(!other.end.is_cancelled(), "another user's session");
        live.shut_down();
        assert!(laptop.end.is_cancelled() && other.end.is_cancelled());
        let late = live.subscribe(3, digest(3)).unwrap();
        assert!(
            late.end.is_cancelled(),
            "a stream opened while stopping ends at once"
        );
    }
}
