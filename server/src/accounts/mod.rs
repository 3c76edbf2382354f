//! Accounts and sessions, in `accounts.db` under the data directory.
//!
//! Passwords are stored as argon2id PHC strings; session tokens are 32 random
//! bytes handed to the client once and stored only as their SHA-256 digest, so
//! a copy of the database does not let anyone sign in. A session ends when it
//! goes unused for the configured idle time, or at the end of its lifetime
//! however much it is used; the device then signs in again and keeps its notes.
//!
//! A deleted account keeps its row (without a name or a password), so its id,
//! which names its database file, is never given to anyone else; its sessions'
//! digests are kept until they would have ended anyway, so that its other
//! devices are told the account is gone rather than asked for a password.

mod names;
mod passwords;
mod records;
mod schema;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

pub use names::{username_key, validate_username};
use passwords::{hash_password, validate_password};
pub use passwords::{measure_verify_time, verify_password};
pub use protocol::{MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_BYTES};
pub use records::{AccountRecord, Restored, SessionRecord};

/// A user's numeric id: the only thing that names their database file.
pub type UserId = i64;

/// What the server keeps of a session token: its SHA-256 digest.
pub type SessionDigest = [u8; 32];

/// A session that was found valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub digest: SessionDigest,
    /// When it ends (seconds since the Unix epoch) unless used before then
    /// (and at the latest at the end of its lifetime).
    pub idle_at: i64,
    pub created_at: i64,
    /// Its last use was written down by this lookup (at most once an hour).
    pub touched: Option<i64>,
}

/// An account as stored.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: UserId,
    /// As spelled at sign-up.
    pub username: String,
    pub password_hash: String,
}

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct SessionTimes {
    /// Unused for this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after it began, however much it is used.
    pub lifetime: Duration,
}

impl SessionTimes {
    pub fn idle(idle: Duration) -> Self {
        Self {
            idle,
            lifetime: Duration::from_secs(365 * 86_400),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("that username is taken")]
    Taken,
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("invalid or expired session; sign in again")]
    BadToken,
    #[error("this account was deleted")]
    Deleted,
    #[error("accounts database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("password hashing: {0}")]
    Hash(String),
}

impl AccountError {
    /// The disk holding `accounts.db` is full: not the client's fault, and
    /// not a bug either.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::Db(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
    }
}

pub fn token_digest(token: &str) -> SessionDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

pub struct Accounts {
    conn: Mutex<Connection>,
    /// Seconds a session may go unused before it ends.
    session_idle: i64,
    /// Seconds a session lasts at most.
    session_lifetime: i64,
    /// What verifying one password takes here: how long a sign-in for a
    /// name without an account waits.
    pub verify_time: Duration,
    /// Starts each token: empty on a single node; in the multi-node mode
    /// the shard, so that any node knows where a token belongs.
    token_prefix: String,
}

impl Accounts {
    pub fn open(path: &Path, times: SessionTimes) -> Result<Self, AccountError> {
        Self::open_with(path, times, passwords::measure_verify_time()?, "")
    }

    /// Opens with a verify time measured once for the whole node, and a
    /// prefix for the tokens of its sessions (a shard's, see `cluster`).
    pub fn open_with(
        path: &Path,
        times: SessionTimes,
        verify_time: Duration,
        token_prefix: &str,
    ) -> Result<Self, AccountError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let _: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&conn)?;
        for group in schema::colliding_names(&conn)? {
            tracing::warn!(
                users = ?group,
                "these accounts' usernames differ only in case or width; each keeps \
                 signing in with its exact spelling, and no new look-alike can be created"
            );
        }
        Ok(Self {
            conn: Mutex::new(conn),
            session_idle: secs(times.idle),
            session_lifetime: secs(times.lifetime),
            verify_time,
            token_prefix: token_prefix.to_owned(),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic mid-statement leaves no open transaction behind (rusqlite
        // rolls back on drop), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates an account. Blocking (argon2): call from a blocking thread.
    pub fn sign_up(&self, username: &str, password: &str) -> Result<UserId, AccountError> {
        validate_username(username)?;
        validate_password(password)?;
        let hash = hash_password(password)?;
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO users (username, username_key, password_hash, created_at)
             SELECT ?1, ?2, ?3, ?4
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE username_key = ?2)
             ON CONFLICT (username) DO NOTHING",
            params![username, username_key(username), hash, now()],
        )?;
        if inserted == 0 {
            return Err(AccountError::Taken);
        }
        Ok(conn.last_insert_rowid())
    }

    /// The account a username signs in to: its exact spelling first (two
    /// look-alikes from before names were compared keep working), else the
    /// one account whose name reads the same.
    pub fn find(&self, username: &str) -> Result<Option<Account>, AccountError> {
        const COLUMNS: &str = "SELECT id, username, password_hash FROM users";
        let row = |r: &rusqlite::Row<'_>| {
            Ok(Account {
                id: r.get(0)?,
                username: r.get(1)?,
                password_hash: r.get(2)?,
            })
        };
        let conn = self.conn();
        let exact = conn
            .query_row(
                &format!("{COLUMNS} WHERE username = ?1 AND deleted_at IS NULL"),
                [username],
                row,
            )
            .optional()?;
        if exact.is_some() {
            return Ok(exact);
        }
        let mut alike = conn
            .prepare(&format!(
                "{COLUMNS} WHERE username_key = ?1 AND deleted_at IS NULL LIMIT 2"
            ))?
            .query_map([username_key(username)], row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if alike.len() == 1 { alike.pop() } else { None })
    }

    /// The account of a signed-in user.
    pub fn account(&self, user: UserId) -> Result<Account, AccountError> {
        self.conn()
            .query_row(
                "SELECT id, username, password_hash FROM users
                 WHERE id = ?1 AND deleted_at IS NULL",
                [user],
                |r| {
                    Ok(Account {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        password_hash: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or(AccountError::Deleted)
    }

    /// Checks the password and opens a session; returns its bearer token and
    /// the account's spelling. Blocking (argon2).
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(String, Account), AccountError> {
        let account = self.find(username)?.ok_or(AccountError::WrongCredentials)?;
        if !verify_password(password, &account.password_hash)? {
            return Err(AccountError::WrongCredentials);
        }
        Ok((self.open_session(account.id)?, account))
    }

    /// A new session of `user`; returns its bearer token.
    pub fn open_session(&self, user: UserId) -> Result<String, AccountError> {
        let token = format!(
            "{}{}",
            self.token_prefix,
            URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
        );
        let (conn, now) = (self.conn(), now());
        // Sessions that ended are forgotten here, so the table holds only
        // those that may still be used.
        conn.execute(
            "DELETE FROM sessions WHERE used_at < ?1 OR created_at < ?2",
            [
                now.saturating_sub(self.session_idle),
                now.saturating_sub(self.session_lifetime),
            ],
        )?;
        conn.execute(
            "DELETE FROM deleted_account_sessions WHERE ends_at < ?1",
            [now],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_sha256, user_id, created_at, used_at)
             VALUES (?1, ?2, ?3, ?3)",
            params![token_digest(&token), user, now],
        )?;
        Ok(token)
    }

    /// Revokes a session; returns whose it was.
    pub fn sign_out(&self, token: &str) -> Result<UserId, AccountError> {
        self.conn()
            .query_row(
                "DELETE FROM sessions WHERE token_sha256 = ?1 RETURNING user_id",
                [token_digest(token)],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(AccountError::BadToken)
    }

    /// Ends every session of `user` but `keep`; returns the digests ended.
    pub fn end_sessions(
        &self,
        user: UserId,
        keep: Option<&SessionDigest>,
    ) -> Result<Vec<SessionDigest>, AccountError> {
        let conn = self.conn();
        let mut ended = conn.prepare(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_sha256 IS NOT ?2
             RETURNING token_sha256",
        )?;
        let rows = ended.query_map(params![user, keep.map(|d| d.as_slice())], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Replaces `user`'s password (already checked by the caller) and ends
    /// every other session: a password changed because it leaked must lock
    /// out whoever used it. Blocking (argon2).
    pub fn change_password(
        &self,
        user: UserId,
        new_password: &str,
        keep: &SessionDigest,
    ) -> Result<Vec<SessionDigest>, AccountError> {
        validate_password(new_password)?;
        let hash = hash_password(new_password)?;
        let changed = self.conn().execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![user, hash],
        )?;
        if changed == 0 {
            return Err(AccountError::Deleted);
        }
        self.end_sessions(user, Some(keep))
    }

    /// Deletes `user`'s account: its name is free again, its sessions end,
    /// and they are remembered as those of a deleted account until they
    /// would have ended anyway. Returns the digests ended. The caller
    /// deletes the database file.
    pub fn delete(&self, user: UserId) -> Result<Vec<SessionDigest>, AccountError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO deleted_account_sessions (token_sha256, ends_at)
             SELECT token_sha256, min(used_at + ?2, created_at + ?3)
             FROM sessions WHERE user_id = ?1",
            params![user, self.session_idle, self.session_lifetime],
        )?;
        let ended = tx
            .prepare("DELETE FROM sessions WHERE user_id = ?1 RETURNING token_sha256")?
            .query_map([user], |r| r.get(0))?
            .collect::<Result<Vec<SessionDigest>, _>>()?;
        // The name can never be typed (it holds a control character), so it
        // neither blocks a new account nor signs in.
        tx.execute(
            "UPDATE users SET username = char(1) || 'deleted ' || id, username_key = NULL,
                 password_hash = '', deleted_at = ?2
             WHERE id = ?1",
            params![user, now()],
        )?;
        tx.commit()?;
        Ok(ended)
    }

    /// The ids of deleted accounts (whose files must not exist).
    pub fn deleted_users(&self) -> Result<Vec<UserId>, AccountError> {
        Ok(self
            .conn()
            .prepare("SELECT id FROM users WHERE deleted_at IS NOT NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The user a bearer token belongs to, if its session has not ended.
    pub fn authenticate(&self, token: &str) -> Result<UserId, AccountError> {
        self.session_at(token, now()).map(|s| s.user)
    }

    /// The session of a bearer token, if it has not ended; counts as a use.
    pub fn session(&self, token: &str) -> Result<Session, AccountError> {
        self.session_at(token, now())
    }

    fn session_at(&self, token: &str, now: i64) -> Result<Session, AccountError> {
        let digest = token_digest(token);
        let conn = self.conn();
        // Every request asks: keep the statements prepared.
        let found: Option<(UserId, i64, i64)> = conn
            .prepare_cached(
                "SELECT user_id, used_at, created_at FROM sessions WHERE token_sha256 = ?1",
            )?
            .query_row([&digest], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((user, mut used_at, created_at)) = found else {
            let deleted = conn
                .prepare_cached(
                    "SELECT 1 FROM deleted_account_sessions WHERE token_sha256 = ?1 AND ends_at >= ?2",
                )?
                .exists(params![&digest, now])?;
            return Err(if deleted {
                AccountError::Deleted
            } else {
                AccountError::BadToken
            });
        };
        let ends_at = created_at.saturating_add(self.session_lifetime);
        if now.saturating_sub(used_at) > self.session_idle || now > ends_at {
            conn.prepare_cached("DELETE FROM sessions WHERE token_sha256 = ?1")?
                .execute([&digest])?;
            return Err(AccountError::BadToken);
        }
        // The last use is written at most once an hour (sooner for a short
        // idle time): a write on every /sync would be a commit, an fsync, each.
        // A failed write (a full disk) only brings the session's end nearer.
        let every = (self.session_idle / 16).min(3600);
        let mut touched = None;
        if now.saturating_sub(used_at) >= every {
            let written = conn
                .prepare_cached("UPDATE sessions SET used_at = ?2 WHERE token_sha256 = ?1")
                .and_then(|mut s| s.execute(params![digest, now]));
            match written {
                Ok(_) => {
                    used_at = now;
                    touched = Some(now);
                }
                Err(e) => tracing::warn!(error = %e, "could not record a session's use"),
            }
        }
        Ok(Session {
            user,
            digest,
            idle_at: used_at.saturating_add(self.session_idle).min(ends_at),
            created_at,
            touched,
        })
    }

    /// When the session `digest` ends, if it has not: what a long-lived
    /// stream asks when its session's time comes, without counting as a use
    /// (requests do that).
    pub fn session_idle_at(&self, digest: &SessionDigest) -> Result<Option<i64>, AccountError> {
        let times: Option<(i64, i64)> = self
            .conn()
            .prepare_cached("SELECT used_at, created_at FROM sessions WHERE token_sha256 = ?1")?
            .query_row([digest], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(times
            .map(|(used, created)| {
                used.saturating_add(self.session_idle)
                    .min(created.saturating_add(self.session_lifetime))
            })
            .filter(|&at| at >= now()))
    }
}
