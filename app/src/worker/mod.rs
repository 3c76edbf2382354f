//! The DB worker: one per tab. The worker holding the `notes-db` lock (the
//! leader) owns the database on OPFS; the others forward requests to it over a
//! BroadcastChannel and resend them when a new leader takes over, so a closed
//! leader tab loses no request.

mod account;
mod device;
pub mod leader;
pub mod live;
mod net;
mod notes;
mod transfer;
mod words;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, DedicatedWorkerGlobalScope, MessageEvent};

use crate::locks;
use crate::rpc::{Call, Peer, Request, RpcError, ToUi};
use crate::wire::FromPeer;
use leader::Leader;

const CHANNEL: &str = "notes-db";
const LOCK: &str = "notes-db-leader";
/// A forwarded request unanswered this long is sent again (to whoever leads now).
const RESEND_MS: u32 = 2_000;

struct Worker {
    me: String,
    scope: DedicatedWorkerGlobalScope,
    channel: BroadcastChannel,
    leader: RefCell<Option<Rc<Leader>>>,
    /// Requests of this tab's UI forwarded to the leader and not answered
    /// yet, in the order the UI made them: a new leader must run them in that
    /// order, or an older save of a note could land after a newer one.
    pending: RefCell<Vec<(u64, Request)>>,
    fatal: RefCell<Option<String>>,
    /// This tab's UI was told that another tab runs another release.
    told_other_release: Cell<bool>,
}

/// Entry point of the worker binary.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let channel = match BroadcastChannel::new(CHANNEL) {
        Ok(c) => c,
        Err(_) => {
            post(
                &scope,
                &ToUi::Fatal("this browser has no BroadcastChannel".into()),
            );
            return;
        }
    };
    let w = Rc::new(Worker {
        me: format!("{:x}", (js_sys::Math::random() * 2f64.powi(52)) as u64),
        scope,
        channel,
        leader: RefCell::new(None),
        pending: RefCell::new(Vec::new()),
        fatal: RefCell::new(None),
        told_other_release: Cell::new(false),
    });

    let from_ui = {
        let w = w.clone();
        Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            match crate::wire::decode::<Call>(&e.data()) {
                Some(call) => w.clone().dispatch(call),
                None => web_sys::console::error_1(&"worker: malformed message from the UI".into()),
            }
        })
    };
    w.scope
        .set_onmessage(Some(from_ui.as_ref().unchecked_ref()));
    from_ui.forget(); // lives as long as the worker
    w.to_ui(&ToUi::Ready);

    let from_peers = {
        let w = w.clone();
        Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            match crate::wire::decode_from_peer::<Peer>(&e.data()) {
                FromPeer::Message(peer) => w.clone().on_peer(peer),
                FromPeer::OtherRelease => w.other_release(),
                FromPeer::Malformed => {
                    web_sys::console::error_1(&"worker: malformed message from a tab".into());
                }
            }
        })
    };
    w.channel
        .set_onmessage(Some(from_peers.as_ref().unchecked_ref()));
    from_peers.forget();

    let elected = w.clone();
    if let Err(e) = locks::hold_forever(LOCK, move || {
        wasm_bindgen_futures::spawn_local(elected.become_leader());
    }) {
        w.fail(e);
    }

    wasm_bindgen_futures::spawn_local(w.resend_loop());
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &ToUi) {
    if let Some(data) = crate::wire::encode(msg) {
        let _ = scope.post_message(&data);
    }
}

impl Worker {
    fn to_ui(&self, msg: &ToUi) {
        post(&self.scope, msg);
    }

    fn broadcast(&self, msg: &Peer) {
        if let Some(data) = crate::wire::encode_for_peers(msg) {
            let _ = self.channel.post_message(&data);
        }
    }

    fn leader(&self) -> Option<Rc<Leader>> {
        self.leader.borrow().clone()
    }

    /// A request from this tab's UI: served here if this is the leader,
    /// forwarded otherwise.
    fn dispatch(self: Rc<Self>, call: Call) {
        if let Some(fatal) = self.fatal.borrow().clone() {
            self.to_ui(&ToUi::Reply {
                id: call.id,
                result: Err(RpcError::Storage(fatal)),
            });
            return;
        }
        match self.leader() {
            Some(leader) => wasm_bindgen_futures::spawn_local(async move {
                let writes = !call.request.is_read_only();
                let result = leader.handle(call.request).await;
                self.to_ui(&ToUi::Reply {
                    id: call.id,
                    result,
                });
                // After the answer: the asker waits for it, and the re-reads
                // this starts would otherwise be handled before it.
                if writes {
                    self.changed();
                }
            }),
            None => {
                self.pending
                    .borrow_mut()
                    .push((call.id, call.request.clone()));
                self.broadcast(&Peer::Forward {
                    from: self.me.clone(),
                    id: call.id,
                    request: call.request,
                });
            }
        }
    }

    /// A tab of another release shares the channel: neither can read the
    /// other's requests or answers, so the user is told, once, to reload.
    fn other_release(&self) {
        if !self.told_other_release.replace(true) {
            self.to_ui(&ToUi::OtherRelease);
        }
    }

    fn changed(&self) {
        self.broadcast(&Peer::Changed);
        self.to_ui(&ToUi::Changed);
    }

    fn on_peer(self: Rc<Self>, peer: Peer) {
        match peer {
            Peer::Forward { from, id, request } => {
                if let Some(leader) = self.leader() {
                    wasm_bindgen_futures::spawn_local(async move {
                        let writes = !request.is_read_only();
                        if let Some(result) = leader.dedupe(&from, id, leader.handle(request)).await
                        {
                            self.broadcast(&Peer::Answer {
                                to: from,
                                id,
                                result,
                            });
                            if writes {
                                self.changed();
                            }
                        }
                    });
                }
            }
            Peer::Answer { to, id, result } => {
                if to == self.me && self.answered(id) {
                    self.to_ui(&ToUi::Reply { id, result });
                }
            }
            Peer::LeaderReady => self.resend(),
            Peer::Changed => self.to_ui(&ToUi::Changed),
            Peer::Status(status) => self.to_ui(&ToUi::Status(status)),
            // The leader could not open storage: nobody will answer forwarded
            // requests, so answer them here.
            Peer::Fatal(message) => self.fail_here(message),
        }
    }

    /// Takes request `id` off the pending ones; false if it was not there
    /// (answered already, by an earlier leader or a resend).
    fn answered(&self, id: u64) -> bool {
        let mut pending = self.pending.borrow_mut();
        let at = pending.iter().position(|(p, _)| *p == id);
        at.map(|at| pending.remove(at)).is_some()
    }

    fn resend(&self) {
        if self.leader().is_some() {
            return;
        }
        let pending = self.pending.borrow().clone();
        for (id, request) in pending {
            self.broadcast(&Peer::Forward {
                from: self.me.clone(),
                id,
                request,
            });
        }
    }

    async fn resend_loop(self: Rc<Self>) {
        loop {
            gloo_timers::future::TimeoutFuture::new(RESEND_MS).await;
            if self.leader().is_some() {
                return;
            }
            self.resend();
        }
    }

    /// This worker holds the lock: open the database and serve everyone.
    async fn become_leader(self: Rc<Self>) {
        web_sys::console::info_1(&"notes worker: elected leader, opening the database".into());
        match Leader::start(|leader| self.live_notices(leader)).await {
            Ok(leader) => {
                web_sys::console::info_1(&"notes worker: database open".into());
                *self.leader.borrow_mut() = Some(leader.clone());
                self.broadcast(&Peer::LeaderReady);
                // This tab's own requests that were waiting for a leader.
                let waiting = std::mem::take(&mut *self.pending.borrow_mut());
                let mut wrote = false;
                for (id, request) in waiting {
                    wrote |= !request.is_read_only();
                    let result = leader.handle(request).await;
                    self.to_ui(&ToUi::Reply { id, result });
                }
                // Tabs that had a leader before saw every change it made;
                // only what opening, or this tab's waiting writes, changed is
                // news.
                if wrote || leader.purged_at_open() {
                    self.changed();
                }
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// How the live-sync driver tells every tab what changed.
    fn live_notices(self: &Rc<Self>, leader: Weak<Leader>) -> Rc<dyn Fn(live::Notice)> {
        let worker = Rc::downgrade(self);
        Rc::new(move |notice| {
            let (Some(w), Some(leader)) = (worker.upgrade(), leader.upgrade()) else {
                return;
            };
            match notice {
                live::Notice::Changed => w.changed(),
                live::Notice::Status => {
                    if let Ok(status) = leader.status() {
                        w.broadcast(&Peer::Status(status.clone()));
                        w.to_ui(&ToUi::Status(status));
                    }
                }
            }
        })
    }

    /// Storage cannot work: say so everywhere, in words.
    fn fail(&self, message: String) {
        self.broadcast(&Peer::Fatal(message.clone()));
        self.fail_here(message);
    }

    /// Says so in this tab, and answers its waiting requests with the reason.
    fn fail_here(&self, message: String) {
        web_sys::console::error_1(&format!("notes worker: {message}").into());
        *self.fatal.borrow_mut() = Some(message.clone());
        self.to_ui(&ToUi::Fatal(message.clone()));
        let waiting = std::mem::take(&mut *self.pending.borrow_mut());
        for (id, _) in waiting {
            self.to_ui(&ToUi::Reply {
                id,
                result: Err(RpcError::Storage(message.clone())),
            });
        }
    }
}
