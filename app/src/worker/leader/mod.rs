//! The worker that owns the database: it serves every tab's requests.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;

use futures::channel::oneshot;
use protocol::{SyncRequest, SyncResponse};
use rusqlite::{Connection, OptionalExtension};
use sqlite_wasm_vfs::sahpool::{OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil, install};
use store::{Journal, OpenOptions, Store, StoreError};
use sync::client::{FIRST_PUSH_PAGE, MAX_PUSH_PAGE};
use wasm_bindgen::JsValue;

use super::account::{self, LOCAL_DB, Session};
use super::net;
use super::notes;
use super::words::{storage, sync_storage};
use crate::rpc::{Request, Response, RpcError, RpcResult, Status};

mod signing;

const VFS: &str = "notes";
const LAST_SYNCED: &str = "last_synced_ms";

/// Why the database could not be opened, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "This browser cannot store notes here (OPFS is unavailable: {0}). Private windows and some \
         browsers do not allow it; open the app in a normal window of a recent browser."
    )]
    NoOpfs(String),
    #[error("The notes database could not be opened: {0}")]
    Store(#[from] StoreError),
    #[error("The account list could not be opened: {0}")]
    Profile(#[from] rusqlite::Error),
}

pub struct Leader {
    pool: OpfsSAHPoolUtil,
    profile: Connection,
    store: RefCell<Store>,
    session: RefCell<Option<Session>>,
    /// Bumped whenever `store` is swapped for another account's database.
    generation: Cell<u64>,
    syncing: Cell<bool>,
    /// The server refused the session at the last Sync.
    session_ended: Cell<bool>,
    last_error: RefCell<Option<String>>,
    /// Forwarded requests by (tab, id): `None` while running, then the answer,
    /// so a request resent by an impatient tab runs once.
    seen: RefCell<HashMap<(String, u64), Option<RpcResult>>>,
    /// Opening emptied old notes out of the trash: tabs must re-read.
    purged_at_open: bool,
}

fn options() -> OpenOptions {
    OpenOptions {
        journal: Journal::WalExclusive,
        vfs: Some(VFS.into()),
        ..Default::default()
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Sends `request` now and returns where its answer will arrive: the
/// request is on its way when this returns, even if the caller then runs
/// without yielding for a while.
async fn ask_ahead(
    token: String,
    request: SyncRequest,
) -> oneshot::Receiver<Result<SyncResponse, RpcError>> {
    let (tx, rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tx.send(net::sync(&token, &request).await);
    });
    // Let the spawned task run up to its fetch.
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    rx
}

impl Leader {
    pub async fn open() -> Result<Self, OpenError> {
        let cfg = OpfsSAHPoolCfgBuilder::new()
            .vfs_name(VFS)
            .directory("notes")
            .initial_capacity(12)
            .build();
        let pool = install::<sqlite_wasm_rs::WasmOsCallback>(&cfg, false)
            .await
            .map_err(|e| OpenError::NoOpfs(e.to_string()))?;
        let profile = account::open_profile(VFS)?;
        let session = account::current(&profile)?;
        let path = match &session {
            Some(s) => account::db_path(&profile, &s.username)?,
            None => LOCAL_DB.to_owned(),
        };
        let mut store = Store::open(&path, &options())?;
        let purged = store.purge_trash(now_ms())?;
        Ok(Self {
            pool,
            profile,
            store: RefCell::new(store),
            session: RefCell::new(session),
            generation: Cell::new(0),
            syncing: Cell::new(false),
            session_ended: Cell::new(false),
            last_error: RefCell::new(None),
            seen: RefCell::new(HashMap::new()),
            purged_at_open: purged > 0,
        })
    }

    /// Whether opening changed the notes (trash past its 30 days purged).
    pub fn purged_at_open(&self) -> bool {
        self.purged_at_open
    }

    /// Runs a forwarded request once, however often it is resent.
    pub async fn dedupe(
        &self,
        from: &str,
        id: u64,
        run: impl Future<Output = RpcResult>,
    ) -> Option<RpcResult> {
        let key = (from.to_owned(), id);
        match self.seen.borrow().get(&key) {
            Some(Some(answer)) => return Some(answer.clone()),
            Some(None) => return None, // still running; its answer will come
            None => {}
        }
        {
            let mut seen = self.seen.borrow_mut();
            if seen.len() > 1_000 {
                seen.retain(|_, answer| answer.is_none());
            }
            seen.insert(key.clone(), None);
        }
        let answer = run.await;
        self.seen.borrow_mut().insert(key, Some(answer.clone()));
        Some(answer)
    }

    pub async fn handle(&self, request: Request) -> RpcResult {
        match request {
            Request::Status => Ok(Response::Status(self.status()?)),
            Request::Sync => self.sync().await,
            Request::SignIn {
                username,
                password,
                create_account,
            } => self.sign_in(&username, &password, create_account).await,
            Request::SignOut { discard_unsynced } => self.sign_out(discard_unsynced).await,
            note_request => notes::handle(&mut self.store.borrow_mut(), &note_request, now_ms())
                // `handle` declines only the four requests matched above.
                .unwrap_or(Err(RpcError::NotReady)),
        }
    }

    pub fn status(&self) -> Result<Status, RpcError> {
        let store = self.store.borrow();
        let last_synced_ms: Option<i64> = store
            .conn()
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [LAST_SYNCED],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        Ok(Status {
            account: self.session.borrow().as_ref().map(|s| s.username.clone()),
            // Only an account has somewhere to sync to.
            pending_changes: if self.session.borrow().is_some() {
                sync::client::pending_changes(&store).map_err(sync_storage)?
            } else {
                0
            },
            last_synced_ms: last_synced_ms.map(|v| v as f64),
            syncing: self.syncing.get(),
            last_error: self.last_error.borrow().clone(),
            session_ended: self.session_ended.get(),
        })
    }

    async fn sync(&self) -> RpcResult {
        if self.syncing.get() {
            return Ok(Response::Status(self.status()?));
        }
        self.syncing.set(true);
        let result = self.sync_rounds().await;
        self.syncing.set(false);
        match result {
            Ok(()) => {
                self.session_ended.set(false);
                *self.last_error.borrow_mut() = None;
                // Notes trashed long ago on another device go here too.
                self.store
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
                Ok(Response::Status(self.status()?))
            }
            Err(e) => {
                if matches!(e, RpcError::SessionEnded(_)) {
                    self.session_ended.set(true);
                }
                *self.last_error.borrow_mut() = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Push and pull until both sides are done. A failed round changes nothing
    /// locally, so the next press of Sync simply starts again.
    async fn sync_rounds(&self) -> Result<(), RpcError> {
        let token = self
            .session
            .borrow()
            .as_ref()
            .map(|s| s.token.clone())
            .ok_or_else(|| {
                RpcError::Auth("Sign in to sync your notes with your account.".into())
            })?;
        let generation = self.generation.get();
        let mut round =
            sync::client::prepare(&self.store.borrow(), FIRST_PUSH_PAGE).map_err(sync_storage)?;
        let mut asked_ahead: Option<oneshot::Receiver<Result<SyncResponse, RpcError>>> = None;
        loop {
            let answer = match asked_ahead.take() {
                Some(answer) => answer,
                None => ask_ahead(token.clone(), round.request.clone()).await,
            };
            // While it travels, the next page of the push is read and sent.
            // If this one fails, the next one's answer is dropped with
            // `asked_ahead` (and absorb would refuse it): both go again at
            // the next Sync.
            let mut next = round
                .next_push(&self.store.borrow(), MAX_PUSH_PAGE)
                .map_err(sync_storage)?;
            if let Some(next) = &next {
                asked_ahead = Some(ask_ahead(token.clone(), next.request.clone()).await);
            }
            let response = answer
                .await
                .map_err(|_| RpcError::Offline("the request was dropped".into()))??;
            if self.generation.get() != generation {
                return Err(RpcError::Auth(
                    "The account changed during the sync.".into(),
                ));
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
            if progress.done {
                return Ok(());
            }
            round = match next {
                Some(next) => next,
                None => sync::client::prepare(&self.store.borrow(), FIRST_PUSH_PAGE)
                    .map_err(sync_storage)?,
            };
        }
    }
}
