//! A sync round as the live-sync driver runs it: push and pull until both
//! sides are done, then say how it went.

use futures::channel::oneshot;
use protocol::{SyncRequest, SyncResponse};
use sync::client::{FIRST_PUSH_PAGE, MAX_PUSH_PAGE};
use sync::live::Failure;
use wasm_bindgen::JsValue;

use super::{LAST_SYNCED, Leader, now_ms};
use crate::rpc::{Response, RpcError};
use crate::worker::live::RoundOutcome;
use crate::worker::net::{self, Refusal};
use crate::worker::words::{storage, sync_storage};

type Answer = oneshot::Receiver<Result<SyncResponse, Refusal>>;

/// Sends `request` now and returns where its answer will arrive: the
/// request is on its way when this returns, even if the caller then runs
/// without yielding for a while.
async fn ask_ahead(token: String, request: SyncRequest) -> Answer {
    let (tx, rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tx.send(net::sync(&token, &request).await);
    });
    // Let the spawned task run up to its fetch.
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    rx
}

/// What the scheduler makes of a failed round.
fn failure(e: &RpcError, retry_after_ms: u64) -> Failure {
    match e {
        RpcError::Offline(_) => Failure::Offline,
        RpcError::SessionEnded(_) | RpcError::Auth(_) | RpcError::AccountDeleted(_) => {
            Failure::Unauthorized
        }
        RpcError::Outdated(_) => Failure::Outdated,
        RpcError::Storage(_) => Failure::Local,
        _ => Failure::Server {
            retry_after: retry_after_ms,
        },
    }
}

impl Leader {
    /// One round, start to end; failures are recorded for the status.
    pub async fn round(&self) -> RoundOutcome {
        self.syncing.set(true);
        let result = match self.sync_rounds().await {
            Ok(pulled) => self.synced(pulled),
            Err(refusal) => Err(refusal),
        };
        self.syncing.set(false);
        match result {
            Ok(changed) => {
                let received = sync::Cursors::load(self.store.borrow().conn())
                    .map_or(0, |c| c.received_server_version);
                RoundOutcome {
                    result: Ok(received),
                    answer: self.status().map(Response::Status),
                    changed,
                }
            }
            Err(Refusal {
                error,
                retry_after_ms,
                ..
            }) => {
                if matches!(error, RpcError::SessionEnded(_)) {
                    self.session_ended.set(true);
                }
                if matches!(error, RpcError::AccountDeleted(_))
                    && let Err(e) = self.account_gone()
                {
                    web_sys::console::error_1(
                        &format!("notes: keeping a deleted account's notes failed: {e}").into(),
                    );
                }
                self.reload_needed
                    .set(matches!(error, RpcError::Outdated(_)));
                *self.last_error.borrow_mut() = Some(error.to_string());
                RoundOutcome {
                    result: Err(failure(&error, retry_after_ms)),
                    answer: Err(error),
                    changed: false,
                }
            }
        }
    }

    /// Records a round that ended well; whether the notes changed.
    fn synced(&self, pulled: usize) -> Result<bool, Refusal> {
        self.session_ended.set(false);
        self.reload_needed.set(false);
        *self.last_error.borrow_mut() = None;
        // Notes trashed long ago on another device go here too.
        let purged = self
            .store
            .borrow_mut()
            .purge_trash(now_ms())
            .map_err(storage)?;
        self.store
            .borrow()
            .conn()
            .execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (LAST_SYNCED, now_ms()),
            )
            .map_err(storage)?;
        Ok(pulled > 0 || purged > 0)
    }

    /// Another copy of this browser's notes (a copied profile, a restored
    /// backup) syncs with this one's site id, so neither would ever receive
    /// the other's edits: this copy becomes a device of its own and syncs
    /// everything again. Nothing local changes but the id and the cursors.
    fn take_new_site(&self) -> Result<(), Refusal> {
        web_sys::console::warn_1(
            &"notes: another copy of these notes synced with this browser's identity               (a copied profile or restored backup); this copy takes a new one and               syncs everything again"
                .into(),
        );
        sync::new_site::take_new_site(&mut self.store.borrow_mut()).map_err(sync_storage)?;
        Ok(())
    }

    /// Push and pull until both sides are done; how many changes arrived. A
    /// failed round changes nothing locally, so the next one simply starts
    /// again.
    async fn sync_rounds(&self) -> Result<usize, Refusal> {
        let token = self.token().ok_or_else(|| {
            RpcError::Auth("Sign in to sync your notes with your account.".into())
        })?;
        let generation = self.generation.get();
        let mut round =
            sync::client::prepare(&self.store.borrow(), FIRST_PUSH_PAGE).map_err(sync_storage)?;
        let mut asked_ahead: Option<Answer> = None;
        let mut pulled = 0;
        let mut renamed = false;
        loop {
            let answer = match asked_ahead.take() {
                Some(answer) => answer,
                None => ask_ahead(token.clone(), round.request.clone()).await,
            };
            // While it travels, the next page of the push is read and sent.
            // If this one fails, the next one's answer is dropped with
            // `asked_ahead` (and absorb would refuse it): both go again at
            // the next round.
            let mut next = round
                .next_push(&self.store.borrow(), MAX_PUSH_PAGE)
                .map_err(sync_storage)?;
            if let Some(next) = &next {
                asked_ahead = Some(ask_ahead(token.clone(), next.request.clone()).await);
            }
            let response = match answer
                .await
                .map_err(|_| RpcError::Offline("the request was dropped".into()))?
            {
                Ok(response) => response,
                Err(refusal) if refusal.site_shared && !renamed => {
                    self.take_new_site()?;
                    renamed = true;
                    // What was asked ahead was refused too: start afresh.
                    asked_ahead = None;
                    round = sync::client::prepare(&self.store.borrow(), FIRST_PUSH_PAGE)
                        .map_err(sync_storage)?;
                    continue;
                }
                Err(refusal) => return Err(refusal),
            };
            if self.generation.get() != generation {
                return Err(RpcError::Auth("The account changed during the sync.".into()).into());
            }
            // Nothing left to push: the next page of the pull travels while
            // this one merges (a big first sync is mostly pages of the pull).
            if next.is_none() {
                next = round.next_pull(&response);
                if let Some(next) = &next {
                    asked_ahead = Some(ask_ahead(token.clone(), next.request.clone()).await);
                }
            }
            let progress = sync::client::absorb(&mut self.store.borrow_mut(), &round, &response)
                .map_err(sync_storage)?;
            pulled += progress.pulled;
            if progress.done {
                return Ok(pulled);
            }
            if progress.resent {
                // The server lost history (a restored backup, a new server):
                // what was asked ahead came from the old cursors.
                asked_ahead = None;
                next = None;
            }
            round = match next {
                Some(next) => next,
                None => sync::client::prepare(&self.store.borrow(), FIRST_PUSH_PAGE)
                    .map_err(sync_storage)?,
            };
        }
    }
}
