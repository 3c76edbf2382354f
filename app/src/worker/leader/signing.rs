//! Signing in and out: which account's database the leader serves, and the
//! session it syncs with.

use sqlite_wasm_rs::vfs::VfsFilesManager;
use store::Store;

use super::{Leader, options};
use crate::rpc::{Response, RpcError, RpcResult};
use crate::worker::account::{self, Session};
use crate::worker::net;
use crate::worker::words::{storage, sync_storage};

/// Longest a sign-in or sign-out waits for a round to end.
const ROUND_WAIT_MS: u32 = 30_000;

impl Leader {
    /// Waits for the round in flight, if any: rounds run by themselves now,
    /// and signing in or out between two of them is what the user wants.
    pub(super) async fn round_finished(&self) -> Result<(), RpcError> {
        let mut waited = 0;
        while self.syncing.get() {
            if waited >= ROUND_WAIT_MS {
                return Err(RpcError::Server(
                    "A sync is taking long; try again when it has finished.".into(),
                ));
            }
            gloo_timers::future::TimeoutFuture::new(50).await;
            waited += 50;
        }
        Ok(())
    }

    pub(super) async fn sign_in(&self, username: &str, password: &str, create: bool) -> RpcResult {
        self.round_finished().await?;
        let current = self.session.borrow().clone();
        if let Some(current) = current {
            return if !create && current.username == username {
                self.sign_in_again(current, password).await
            } else {
                Err(RpcError::Auth("Sign out first.".into()))
            };
        }
        let created = if create {
            net::create_account(username, password).await?
        } else {
            false
        };
        let signed_in = match net::sign_in(username, password).await {
            Err(RpcError::Auth(_)) if create && !created => {
                return Err(RpcError::Auth(
                    "That username is taken; choose another.".into(),
                ));
            }
            other => other?,
        };
        // The server's spelling ("alice" signs in to "Alice"): one account,
        // one file here, however its name is typed.
        let (username, token) = (signed_in.username.as_str(), signed_in.token);
        // The account's own database; the local notebook's notes move into it
        // as new local writes, so that they sync. Written there before being
        // removed here: a crash in between duplicates, never loses.
        let path = account::db_path(&self.profile, username).map_err(storage)?;
        let mut account_store = Store::open(&path, &options()).map_err(storage)?;
        let name = self.store.borrow().device_name().map_err(storage)?;
        super::super::device::name_this_device(&mut account_store, name).map_err(storage)?;
        let local_notes = self.store.borrow().all_notes().map_err(storage)?;
        for note in &local_notes {
            account_store.import_note(note).map_err(storage)?;
        }
        self.store.borrow_mut().clear_notes().map_err(storage)?;
        let session = Session {
            username: username.to_owned(),
            token,
        };
        account::save_session(&self.profile, &session).map_err(storage)?;
        *self.store.borrow_mut() = account_store;
        *self.session.borrow_mut() = Some(session);
        *self.last_error.borrow_mut() = None;
        self.generation.set(self.generation.get() + 1);
        self.configure_live();
        Ok(Response::Status(self.status()?))
    }

    /// A new session for the account signed in here (its last one ended):
    /// the account's notes and their unsynced changes stay as they are.
    async fn sign_in_again(&self, current: Session, password: &str) -> RpcResult {
        let token = net::sign_in(&current.username, password).await?.token;
        let session = Session {
            username: current.username,
            token,
        };
        account::save_session(&self.profile, &session).map_err(storage)?;
        *self.session.borrow_mut() = Some(session);
        self.session_ended.set(false);
        *self.last_error.borrow_mut() = None;
        self.configure_live();
        // The old session, should the server still know it, is not needed.
        let _ = net::sign_out(&current.token).await;
        Ok(Response::Status(self.status()?))
    }

    /// How many notes have unsynced changes (at least 1 if any row has),
    /// or `None` if nothing is unsynced.
    fn unsynced(&self) -> Result<Option<i64>, RpcError> {
        let store = self.store.borrow();
        if !sync::client::has_unsynced_changes(&store).map_err(sync_storage)? {
            return Ok(None);
        }
        Ok(Some(
            sync::client::pending_changes(&store)
                .map_err(sync_storage)?
                .max(1),
        ))
    }

    pub(super) async fn sign_out(&self, discard_unsynced: bool) -> RpcResult {
        let session = self
            .session
            .borrow()
            .clone()
            .ok_or_else(|| RpcError::Auth("You are not signed in.".into()))?;
        self.round_finished().await?;
        let mut unsynced = self.unsynced()?;
        if unsynced.is_some() && !discard_unsynced && self.auto_sync.get() {
            // Syncing by itself, the words typed last go to the server first
            // (a failure, offline say, is what the question below is for).
            let _ = self.live.sync_now().await;
            unsynced = self.unsynced()?;
        }
        if let Some(pending) = unsynced
            && !discard_unsynced
        {
            return Err(RpcError::Unsynced { pending });
        }
        // Offline sign-out still signs out here; the server token then expires unused.
        let _ = net::sign_out(&session.token).await;
        let path = account::db_path(&self.profile, &session.username).map_err(storage)?;
        let local_path = account::local_db_path(&self.profile).map_err(storage)?;
        let mut local = Store::open(&local_path, &options()).map_err(storage)?;
        let name = self.store.borrow().device_name().map_err(storage)?;
        super::super::device::name_this_device(&mut local, name).map_err(storage)?;
        let account_store = std::mem::replace(&mut *self.store.borrow_mut(), local);
        account_store.close().map_err(storage)?;
        // The next person on this browser must never see this account's notes.
        for file in [
            path.clone(),
            format!("{path}-journal"),
            format!("{path}-wal"),
        ] {
            let _ = self.pool.remove(&file);
        }
        account::forget(&self.profile, &session.username).map_err(storage)?;
        *self.session.borrow_mut() = None;
        self.session_ended.set(false);
        *self.last_error.borrow_mut() = None;
        self.generation.set(self.generation.get() + 1);
        self.configure_live();
        Ok(Response::Status(self.status()?))
    }
}
