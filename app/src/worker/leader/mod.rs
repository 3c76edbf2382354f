//! The worker that owns the database: it serves every tab's requests.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::rc::{Rc, Weak};

use rusqlite::{Connection, OptionalExtension};
use sqlite_wasm_vfs::sahpool::{OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil, install};
use store::{Journal, OpenOptions, Store, StoreError};
use sync::live::Input;

use super::account::{self, Session};
use super::live::{self, LiveHandle, Notice};
use super::notes;
use super::words::{storage, sync_storage};
use crate::rpc::{Request, Response, RpcError, RpcResult, Status, StatusStamp};

pub mod indexing;
mod manage;
mod rounds;
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
    /// A round is running (set by whoever starts it).
    pub(super) syncing: Cell<bool>,
    /// The server refused the session at the last Sync.
    session_ended: Cell<bool>,
    /// The server refused this release's schema at the last Sync.
    reload_needed: Cell<bool>,
    last_error: RefCell<Option<String>>,
    /// Forwarded requests by (tab, id): `None` while running, then the answer,
    /// so a request resent by an impatient tab runs once.
    seen: RefCell<HashMap<(String, u64), Option<RpcResult>>>,
    /// Opening emptied old notes out of the trash: tabs must re-read.
    purged_at_open: bool,
    /// When to sync: the live-sync driver.
    live: LiveHandle,
    /// This browser syncs by itself.
    auto_sync: Cell<bool>,
    /// When this leader started, and how many statuses it made.
    since_ms: f64,
    statuses: Cell<u64>,
    /// Notes are being indexed in the background (`indexing.rs`).
    indexing: Cell<bool>,
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

impl Leader {
    /// Opens the database and starts live sync; `notices` makes what tells
    /// the tabs of its changes.
    pub async fn start(
        notices: impl FnOnce(Weak<Leader>) -> Rc<dyn Fn(Notice)>,
    ) -> Result<Rc<Self>, OpenError> {
        let (live, from_live) = LiveHandle::new();
        let leader = Rc::new(Self::open(live.clone()).await?);
        let notify = notices(Rc::downgrade(&leader));
        live::start(&live, from_live, Rc::downgrade(&leader), notify.clone());
        leader.configure_live();
        indexing::index_soon(Rc::downgrade(&leader), notify);
        Ok(leader)
    }

    async fn open(live: LiveHandle) -> Result<Self, OpenError> {
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
            None => account::local_db_path(&profile)?,
        };
        let mut store = Store::open(&path, &options())?;
        let purged = store.purge_trash(now_ms())?;
        // A name other devices' conflict copies can show; not worth failing
        // the start for.
        if let Err(e) = super::device::name_this_device(&mut store, None) {
            web_sys::console::warn_1(&format!("notes: this device is not named: {e}").into());
        }
        let auto_sync = account::auto_sync(&profile)?;
        Ok(Self {
            pool,
            profile,
            store: RefCell::new(store),
            session: RefCell::new(session),
            generation: Cell::new(0),
            syncing: Cell::new(false),
            session_ended: Cell::new(false),
            reload_needed: Cell::new(false),
            last_error: RefCell::new(None),
            seen: RefCell::new(HashMap::new()),
            purged_at_open: purged > 0,
            live,
            auto_sync: Cell::new(auto_sync),
            since_ms: js_sys::Date::now(),
            statuses: Cell::new(0),
            indexing: Cell::new(false),
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
            Request::Sync => self.live.sync_now().await,
            Request::SetAutoSync(on) => {
                account::set_auto_sync(&self.profile, on).map_err(storage)?;
                self.auto_sync.set(on);
                self.configure_live();
                Ok(Response::Status(self.status()?))
            }
            Request::SetDeviceName(name) => {
                self.store
                    .borrow_mut()
                    .set_device_name(&name)
                    .map_err(storage)?;
                self.live.send(Input::LocalCommit);
                Ok(Response::Status(self.status()?))
            }
            Request::Presence { visible, online } => {
                self.live.presence(visible, online);
                Ok(Response::Done(true))
            }
            Request::SignIn {
                username,
                password,
                create_account,
            } => self.sign_in(&username, &password, create_account).await,
            Request::SignOut { discard_unsynced } => self.sign_out(discard_unsynced).await,
            Request::ChangePassword {
                password,
                new_password,
            } => self.change_password(&password, &new_password).await,
            Request::SignOutEverywhere => self.sign_out_everywhere().await,
            Request::DeleteAccount { password } => self.delete_account(&password).await,
            note_request => {
                let writes = !note_request.is_read_only();
                let result = notes::handle(&mut self.store.borrow_mut(), &note_request, now_ms())
                    // `handle` declines only the requests matched above.
                    .unwrap_or(Err(RpcError::NotReady));
                if writes && result.is_ok() {
                    self.live.send(Input::LocalCommit);
                }
                result
            }
        }
    }

    /// Tells the live-sync driver what to work for: at start, and after
    /// signing in or out or changing the setting.
    pub fn configure_live(&self) {
        let received = sync::Cursors::load(self.store.borrow().conn())
            .map_or(0, |c| c.received_server_version);
        self.live.send(Input::Configure {
            signed_in: self.session.borrow().is_some(),
            auto: self.auto_sync.get(),
            received,
        });
    }

    /// The session's token, if signed in.
    pub fn token(&self) -> Option<String> {
        self.session.borrow().as_ref().map(|s| s.token.clone())
    }

    /// The server refused the session (on the stream): the account box asks
    /// for the password.
    pub fn session_is_over(&self) {
        // No account any more (deleted): there is no session to sign in to.
        if self.session.borrow().is_none() {
            return;
        }
        self.session_ended.set(true);
        *self.last_error.borrow_mut() = Some(super::net::session_ended().to_string());
    }

    pub fn status(&self) -> Result<Status, RpcError> {
        let (live, retry_at_ms, offline) = self.live.status();
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
            auto_sync: self.auto_sync.get(),
            live,
            retry_at_ms,
            offline,
            reload_needed: self.reload_needed.get(),
            device_name: store.device_name().map_err(storage)?.unwrap_or_default(),
            stamp: {
                let n = self.statuses.get();
                self.statuses.set(n + 1);
                StatusStamp {
                    leader_since_ms: self.since_ms,
                    n,
                }
            },
        })
    }
}
