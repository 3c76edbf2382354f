//! A shard's accounts as records kept outside its node (the multi-node
//! mode, `cluster::accounts`), and bringing an `accounts.db` up to them when
//! a node takes the shard: with disks of their own, the new holder's file is
//! empty, or older than the records.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{AccountError, Accounts, SessionDigest, UserId, now, username_key};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub created_at: i64,
    /// A deleted account stays a record, so that a node holding an older
    /// file does not bring it back.
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user: UserId,
    pub created_at: i64,
    /// Its last use written down (kept up to date at most once an hour):
    /// a session idle for too long is not brought back.
    pub used_at: i64,
}

/// What [`Accounts::restore`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Restored {
    pub accounts: usize,
    pub sessions_added: usize,
    pub sessions_ended: usize,
    /// Records that clashed with this file (a name taken by another id).
    pub skipped: usize,
}

impl Accounts {
    /// `user`'s account as a record.
    pub fn record(&self, user: UserId) -> Result<AccountRecord, AccountError> {
        self.conn()
            .query_row(
                "SELECT id, username, password_hash, created_at, deleted_at IS NOT NULL
                 FROM users WHERE id = ?1",
                [user],
                |r| {
                    Ok(AccountRecord {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        password_hash: r.get(2)?,
                        created_at: r.get(3)?,
                        deleted: r.get(4)?,
                    })
                },
            )
            .optional()?
            .ok_or(AccountError::Deleted)
    }

    /// The session of `token` as a record.
    pub fn session_record(&self, token: &str) -> Result<SessionRecord, AccountError> {
        self.conn()
            .query_row(
                "SELECT user_id, created_at, used_at FROM sessions WHERE token_sha256 = ?1",
                [super::token_digest(token)],
                |r| {
                    Ok(SessionRecord {
                        user: r.get(0)?,
                        created_at: r.get(1)?,
                        used_at: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or(AccountError::BadToken)
    }

    /// Undoes a sign-up whose record could not be kept: as if it never was.
    pub fn forget(&self, user: UserId) -> Result<(), AccountError> {
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user])?;
        conn.execute("DELETE FROM users WHERE id = ?1", [user])?;
        Ok(())
    }

    /// Brings this file up to the records, in one transaction: each
    /// account as recorded (deleted ones first, so their names are free),
    /// and exactly the recorded sessions (a session missing from the
    /// records was ended elsewhere).
    pub fn restore(
        &self,
        accounts: &[AccountRecord],
        sessions: &[(SessionDigest, SessionRecord)],
    ) -> Result<Restored, AccountError> {
        let mut done = Restored::default();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let now = now();
        let (deleted, live): (Vec<&AccountRecord>, Vec<&AccountRecord>) =
            accounts.iter().partition(|a| a.deleted);
        for a in deleted.into_iter().chain(live) {
            let (name, key, hash, deleted_at) = if a.deleted {
                (
                    format!("\u{1}deleted {}", a.id),
                    None,
                    String::new(),
                    Some(now),
                )
            } else {
                (
                    a.username.clone(),
                    Some(username_key(&a.username)),
                    a.password_hash.clone(),
                    None,
                )
            };
            tx.execute("SAVEPOINT record", [])?;
            let written = tx.execute(
                "INSERT INTO users (id, username, username_key, password_hash, created_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET username = excluded.username,
                     username_key = excluded.username_key, password_hash = excluded.password_hash,
                     deleted_at = coalesce(users.deleted_at, excluded.deleted_at)",
                params![a.id, name, key, hash, a.created_at, deleted_at],
            );
            match written {
                Ok(_) => {
                    tx.execute("RELEASE record", [])?;
                    done.accounts += 1;
                }
                Err(e) => {
                    tx.execute("ROLLBACK TO record", [])?;
                    tx.execute("RELEASE record", [])?;
                    tracing::warn!(user = a.id, error = %e, "an account record clashes with this file");
                    done.skipped += 1;
                }
            }
        }
        tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS kept (token_sha256 BLOB PRIMARY KEY); DELETE FROM kept;")?;
        {
            let mut keep = tx.prepare("INSERT OR IGNORE INTO kept VALUES (?1)")?;
            let mut add = tx.prepare(
                "INSERT OR IGNORE INTO sessions (token_sha256, user_id, created_at, used_at)
                 SELECT ?1, id, ?3, ?4 FROM users WHERE id = ?2 AND deleted_at IS NULL",
            )?;
            for (digest, s) in sessions {
                // Ended by time meanwhile: not brought back.
                let idle = now.saturating_sub(s.used_at) > self.session_idle;
                if idle || now > s.created_at.saturating_add(self.session_lifetime) {
                    continue;
                }
                keep.execute([digest.as_slice()])?;
                done.sessions_added +=
                    add.execute(params![digest.as_slice(), s.user, s.created_at, s.used_at])?;
            }
        }
        done.sessions_ended = tx.execute(
            "DELETE FROM sessions WHERE token_sha256 NOT IN (SELECT token_sha256 FROM kept)",
            [],
        )?;
        tx.execute_batch("DROP TABLE kept;")?;
        tx.commit()?;
        Ok(done)
    }
}
