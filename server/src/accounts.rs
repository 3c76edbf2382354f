//! Accounts and sessions, in `accounts.db` under the data directory.
//!
//! Passwords are stored as argon2id PHC strings; session tokens are 32 random
//! bytes handed to the client once and stored only as their SHA-256 digest, so
//! a copy of the database does not let anyone sign in. A session ends when it
//! goes unused for the configured idle time; the device then signs in again
//! and keeps its notes.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// A user's numeric id: the only thing that names their database file.
pub type UserId = i64;

/// What the server keeps of a session token: its SHA-256 digest.
pub type SessionDigest = [u8; 32];

/// A session that was found valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub digest: SessionDigest,
    /// When it ends (seconds since the Unix epoch) unless used before then.
    pub idle_at: i64,
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

pub use protocol::{MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_BYTES};

/// Usernames are free text (any script) but never touch the file system.
pub fn validate_username(u: &str) -> Result<(), AccountError> {
    if u.is_empty() {
        return Err(AccountError::Invalid("username is empty"));
    }
    if u.chars().count() > MAX_USERNAME_CHARS {
        return Err(AccountError::Invalid(
            "username is longer than 64 characters",
        ));
    }
    if u.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "username contains control characters",
        ));
    }
    if u.trim() != u {
        return Err(AccountError::Invalid(
            "username starts or ends with white space",
        ));
    }
    Ok(())
}

fn validate_password(p: &str) -> Result<(), AccountError> {
    if p.len() < MIN_PASSWORD_BYTES {
        return Err(AccountError::Invalid(
            "password is shorter than 8 characters",
        ));
    }
    if p.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::Invalid("password is longer than 1024 bytes"));
    }
    Ok(())
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

pub struct Accounts {
    conn: Mutex<Connection>,
    // Verified against when the username does not exist, so that a wrong
    // username costs as much time as a wrong password.
    dummy_hash: String,
    /// Seconds a session may go unused before it ends.
    session_idle: i64,
}

impl Accounts {
    pub fn open(path: &Path, session_idle: Duration) -> Result<Self, AccountError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let _: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS users (
                 id INTEGER PRIMARY KEY,
                 username TEXT NOT NULL UNIQUE,
                 password_hash TEXT NOT NULL,
                 created_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS sessions (
                 token_sha256 BLOB PRIMARY KEY,
                 user_id INTEGER NOT NULL REFERENCES users (id),
                 created_at INTEGER NOT NULL,
                 used_at INTEGER NOT NULL
             );",
        )?;
        add_last_use(&conn)?;
        let dummy_hash = hash_password("not a real password")?;
        Ok(Self {
            conn: Mutex::new(conn),
            dummy_hash,
            session_idle: i64::try_from(session_idle.as_secs()).unwrap_or(i64::MAX),
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
            "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (username) DO NOTHING",
            params![username, hash, now()],
        )?;
        if inserted == 0 {
            return Err(AccountError::Taken);
        }
        Ok(conn.last_insert_rowid())
    }

    /// Checks the password and opens a session; returns its bearer token.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<String, AccountError> {
        let found: Option<(UserId, String)> = self
            .conn()
            .query_row(
                "SELECT id, password_hash FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (user, hash) = match found {
            Some((id, hash)) => (Some(id), hash),
            None => (None, self.dummy_hash.clone()),
        };
        let ok = verify_password(password, &hash)?;
        let user = match (user, ok) {
            (Some(user), true) => user,
            _ => return Err(AccountError::WrongCredentials),
        };
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let (conn, now) = (self.conn(), now());
        // Sessions that ended are forgotten here, so the table holds only
        // those that may still be used.
        conn.execute(
            "DELETE FROM sessions WHERE used_at < ?1",
            [now.saturating_sub(self.session_idle)],
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

    /// The user a bearer token belongs to, if its session has not ended.
    pub fn authenticate(&self, token: &str) -> Result<UserId, AccountError> {
        self.session_at(token, now()).map(|s| s.user)
    }

    /// The session of a bearer token, if it has not ended; counts as a use.
    pub fn session(&self, token: &str) -> Result<Session, AccountError> {
        self.session_at(token, now())
    }

    #[cfg(test)]
    fn authenticate_at(&self, token: &str, now: i64) -> Result<UserId, AccountError> {
        self.session_at(token, now).map(|s| s.user)
    }

    fn session_at(&self, token: &str, now: i64) -> Result<Session, AccountError> {
        let digest = token_digest(token);
        let conn = self.conn();
        // Every request asks: keep the statements prepared.
        let (user, mut used_at): (UserId, i64) = conn
            .prepare_cached("SELECT user_id, used_at FROM sessions WHERE token_sha256 = ?1")?
            .query_row([&digest], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(AccountError::BadToken)?;
        if now.saturating_sub(used_at) > self.session_idle {
            conn.prepare_cached("DELETE FROM sessions WHERE token_sha256 = ?1")?
                .execute([&digest])?;
            return Err(AccountError::BadToken);
        }
        // The last use is written at most once an hour (sooner for a short
        // idle time): a write on every /sync would be a commit, an fsync, each.
        // A failed write (a full disk) only brings the session's end nearer.
        let every = (self.session_idle / 16).min(3600);
        if now.saturating_sub(used_at) >= every {
            let touched = conn
                .prepare_cached("UPDATE sessions SET used_at = ?2 WHERE token_sha256 = ?1")
                .and_then(|mut s| s.execute(params![digest, now]));
            match touched {
                Ok(_) => used_at = now,
                Err(e) => tracing::warn!(error = %e, "could not record a session's use"),
            }
        }
        Ok(Session {
            user,
            digest,
            idle_at: used_at.saturating_add(self.session_idle),
        })
    }

    /// When the session `digest` idles out, if it has not ended: what a
    /// long-lived stream asks when its session's time comes, without counting
    /// as a use (requests do that).
    pub fn session_idle_at(&self, digest: &SessionDigest) -> Result<Option<i64>, AccountError> {
        let used_at: Option<i64> = self
            .conn()
            .prepare_cached("SELECT used_at FROM sessions WHERE token_sha256 = ?1")?
            .query_row([digest], |r| r.get(0))
            .optional()?;
        Ok(used_at
            .map(|u| u.saturating_add(self.session_idle))
            .filter(|&at| at >= now()))
    }
}

/// An `accounts.db` of an earlier release has sessions without a last use:
/// they count from when they began.
fn add_last_use(conn: &Connection) -> rusqlite::Result<()> {
    let has: bool = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'used_at'",
        [],
        |r| r.get(0),
    )?;
    if !has {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             ALTER TABLE sessions ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;
             UPDATE sessions SET used_at = created_at;
             COMMIT;",
        )?;
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> Result<bool, AccountError> {
    let parsed = PasswordHash::new(hash).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn usernames_that_look_like_paths_are_just_names() {
        for ok in ["../x", "a/b", "%2e%2e", "名前", "ünïcödé user", "."] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", " lead", "trail ", "nul\0", "tab\t", &"x".repeat(65)] {
            assert!(validate_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tokens_are_stored_hashed_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("a.db"), DAY).unwrap();
        let id = accounts.sign_up("ann", "correct horse").unwrap();
        assert!(matches!(
            accounts.sign_up("ann", "another one"),
            Err(AccountError::Taken)
        ));
        assert!(matches!(
            accounts.sign_in("ann", "wrong pass"),
            Err(AccountError::WrongCredentials)
        ));
        assert!(matches!(
            accounts.sign_in("bob", "correct horse"),
            Err(AccountError::WrongCredentials)
        ));
        let token = accounts.sign_in("ann", "correct horse").unwrap();
        assert_eq!(accounts.authenticate(&token).unwrap(), id);
        let stored: Vec<u8> = accounts
            .conn()
            .query_row("SELECT token_sha256 FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, token.as_bytes());
        accounts.sign_out(&token).unwrap();
        assert!(matches!(
            accounts.authenticate(&token),
            Err(AccountError::BadToken)
        ));
    }

    #[test]
    fn a_full_accounts_disk_answers_507_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("a.db"), DAY).unwrap();
        // A disk with room for the pages there are now and no more.
        let pages: i64 = accounts
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        let _: i64 = accounts
            .conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .unwrap();
        let err = (0..100)
            .find_map(|i| {
                accounts
                    .sign_up(&format!("user {i}"), "correct horse")
                    .err()
            })
            .expect("the file filled up");
        assert!(err.is_disk_full(), "{err}");
        assert!(!AccountError::Taken.is_disk_full());

        // Answered as the server's lack of room, in words, not as a bug.
        let api = crate::error::ApiError::from(err);
        let words = api.to_string();
        assert!(words.contains("disk is full"), "{words}");
        let response = axum::response::IntoResponse::into_response(api);
        assert_eq!(
            response.status(),
            axum::http::StatusCode::INSUFFICIENT_STORAGE
        );
    }

    #[test]
    fn a_session_ends_when_unused_for_the_idle_time_and_use_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("a.db"), DAY).unwrap();
        let id = accounts.sign_up("ann", "correct horse").unwrap();
        let token = accounts.sign_in("ann", "correct horse").unwrap();
        let start = now();
        let day = 86_400;
        // Used just before the day is over, and again a day after that.
        assert_eq!(
            accounts.authenticate_at(&token, start + day - 10).unwrap(),
            id
        );
        assert_eq!(
            accounts
                .authenticate_at(&token, start + 2 * day - 20)
                .unwrap(),
            id
        );
        // Then unused for more than a day: ended, and for good.
        let later = start + 3 * day;
        assert!(matches!(
            accounts.authenticate_at(&token, later),
            Err(AccountError::BadToken)
        ));
        assert!(matches!(
            accounts.authenticate_at(&token, start),
            Err(AccountError::BadToken)
        ));
        // Signing in again gives a session that works.
        let again = accounts.sign_in("ann", "correct horse").unwrap();
        assert_eq!(accounts.authenticate(&again).unwrap(), id);
    }

    #[test]
    fn sessions_that_ended_are_forgotten_at_the_next_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("a.db"), DAY).unwrap();
        let id = accounts.sign_up("ann", "correct horse").unwrap();
        accounts
            .conn()
            .execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, used_at)
                 VALUES (x'00', ?1, 0, 0)",
                [id],
            )
            .unwrap();
        accounts.sign_in("ann", "correct horse").unwrap();
        let left: i64 = accounts
            .conn()
            .query_row("SELECT count(*) FROM sessions WHERE used_at = 0", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn sessions_of_an_earlier_release_still_work_and_count_from_their_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let id = Accounts::open(&path, DAY)
            .unwrap()
            .sign_up("ann", "correct horse")
            .unwrap();
        // The sessions table as releases before the idle time made it.
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP TABLE sessions;
                 CREATE TABLE sessions (
                     token_sha256 BLOB PRIMARY KEY,
                     user_id INTEGER NOT NULL REFERENCES users (id),
                     created_at INTEGER NOT NULL
                 );",
            )
            .unwrap();
            conn.execute(
                "INSERT INTO sessions VALUES (?1, ?2, ?3)",
                params![token_digest("old token"), id, now() - 100],
            )
            .unwrap();
        }
        let accounts = Accounts::open(&path, DAY).unwrap();
        assert_eq!(accounts.authenticate("old token").unwrap(), id);
        assert!(matches!(
            accounts.authenticate_at("old token", now() + 86_400),
            Err(AccountError::BadToken)
        ));
        // Opening it again leaves it as it is.
        drop(accounts);
        Accounts::open(&path, DAY).unwrap();
    }
}
