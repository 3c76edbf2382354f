//! What a signed-in user does with their account: a new password, signing
//! out everywhere, deleting it; and what this browser does when the account
//! is gone from the server (deleted here or on another device).

use sqlite_wasm_rs::vfs::VfsFilesManager;
use store::Store;

use super::{Leader, options};
use crate::rpc::{Response, RpcError, RpcResult};
use crate::worker::account;
use crate::worker::net;
use crate::worker::words::storage;

impl Leader {
    fn signed_in_token(&self) -> Result<String, RpcError> {
        self.token()
            .ok_or_else(|| RpcError::Auth("You are not signed in.".into()))
    }

    pub(super) async fn change_password(&self, password: &str, new_password: &str) -> RpcResult {
        let token = self.signed_in_token()?;
        if new_password.len() < protocol::MIN_PASSWORD_BYTES {
            return Err(RpcError::Refused(format!(
                "That new password is too short: use {} or more characters.",
                protocol::MIN_PASSWORD_BYTES
            )));
        }
        net::change_password(&token, password, new_password).await?;
        Ok(Response::Status(self.status()?))
    }

    /// Every session ends, this one too: this browser asks for the password
    /// again and keeps its notes and unsynced changes meanwhile.
    pub(super) async fn sign_out_everywhere(&self) -> RpcResult {
        let token = self.signed_in_token()?;
        net::sign_out_everywhere(&token).await?;
        self.session_is_over();
        Ok(Response::Status(self.status()?))
    }

    pub(super) async fn delete_account(&self, password: &str) -> RpcResult {
        let token = self.signed_in_token()?;
        self.round_finished().await?;
        net::delete_account(&token, password).await?;
        self.account_gone()?;
        Ok(Response::Status(self.status()?))
    }

    /// The account signed in here was deleted: its database here becomes
    /// the notebook without an account, so every note, version and
    /// conflict copy stays where it is, and nothing syncs any more.
    pub fn account_gone(&self) -> Result<(), RpcError> {
        let Some(session) = self.session.borrow().clone() else {
            return Ok(());
        };
        let current = account::db_path(&self.profile, &session.username).map_err(storage)?;
        let previous =
            account::keep_as_local_notebook(&self.profile, &session.username).map_err(storage)?;
        // The notebook until now is normally empty (its notes joined the
        // account at sign-in); whatever it holds joins this one before it
        // is removed.
        if previous != current {
            let old = Store::open(&previous, &options()).map_err(storage)?;
            let notes = old.all_notes().map_err(storage)?;
            old.close().map_err(storage)?;
            let mut store = self.store.borrow_mut();
            for note in &notes {
                store.import_note(note).map_err(storage)?;
            }
            for file in [
                previous.clone(),
                format!("{previous}-journal"),
                format!("{previous}-wal"),
            ] {
                let _ = self.pool.remove(&file);
            }
        }
        *self.session.borrow_mut() = None;
        self.session_ended.set(false);
        *self.last_error.borrow_mut() = Some(net::account_deleted().to_string());
        self.generation.set(self.generation.get() + 1);
        self.configure_live();
        Ok(())
    }
}
