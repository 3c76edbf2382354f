//! The UI's handle on its tab's DB worker: typed calls with request ids.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::rpc::{Call, Request, RpcError, RpcResult, ToUi};

/// What the worker tells the UI without being asked.
pub enum Event {
    Changed,
    Fatal(String),
    OtherRelease,
    /// Sync's state, as the leader sees it now.
    Status(crate::rpc::Status),
}

#[derive(Clone)]
pub struct Db(Rc<Inner>);

struct Inner {
    worker: Worker,
    next_id: Cell<u64>,
    waiting: RefCell<HashMap<u64, oneshot::Sender<RpcResult>>>,
    /// Calls made before the worker said it listens; sent on `Ready`.
    unsent: RefCell<Option<Vec<JsValue>>>,
}

impl Inner {
    fn post(&self, message: JsValue) -> bool {
        if let Some(queue) = self.unsent.borrow_mut().as_mut() {
            queue.push(message);
            return true;
        }
        self.worker.post_message(&message).is_ok()
    }
}

thread_local! {
    static DB: RefCell<Option<Db>> = const { RefCell::new(None) };
}

/// The worker index.html started, what it said meanwhile, and how it failed
/// if it did before this code could listen.
struct Early {
    worker: Worker,
    messages: Vec<JsValue>,
    failed: Option<String>,
}

fn early_worker() -> Result<Early, String> {
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &key.into()).ok();
    let started = web_sys::window()
        .and_then(|w| get(&w, "__notesWorker"))
        .filter(|v| !v.is_undefined())
        .ok_or("the page did not start it")?;
    if let Some(error) = get(&started, "error").and_then(|e| e.as_string()) {
        return Err(error);
    }
    let worker = get(&started, "worker")
        .and_then(|w| w.dyn_into::<Worker>().ok())
        .ok_or("the page did not start it")?;
    let messages = get(&started, "early")
        .and_then(|e| e.dyn_into::<js_sys::Array>().ok())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let failed = get(&started, "failed").and_then(|e| e.as_string());
    Ok(Early {
        worker,
        messages,
        failed,
    })
}

/// This tab's database handle (after [`Db::start`]).
pub fn db() -> Option<Db> {
    DB.with(|d| d.borrow().clone())
}

impl Db {
    /// Adopts the worker that index.html started (on this page's own wasm)
    /// and keeps the handle for [`db`].
    pub fn start(on_event: impl Fn(Event) + 'static) -> Result<Db, String> {
        let Early {
            worker,
            messages: early,
            failed,
        } = early_worker().map_err(|e| format!("the database worker could not start: {e}"))?;
        let db = Db(Rc::new(Inner {
            worker,
            next_id: Cell::new(1),
            waiting: RefCell::new(HashMap::new()),
            unsent: RefCell::new(Some(Vec::new())),
        }));
        let on_event = Rc::new(on_event);

        let inner = db.0.clone();
        let events = on_event.clone();
        let handle = Rc::new(move |data: JsValue| {
            let Some(msg) = crate::wire::decode::<ToUi>(&data) else {
                web_sys::console::error_1(
                    &"notes: unreadable message from the database worker".into(),
                );
                return;
            };
            match msg {
                ToUi::Ready => {
                    let queued = inner.unsent.borrow_mut().take().unwrap_or_default();
                    for message in queued {
                        let _ = inner.worker.post_message(&message);
                    }
                }
                ToUi::Reply { id, result } => {
                    if let Some(tx) = inner.waiting.borrow_mut().remove(&id) {
                        let _ = tx.send(result);
                    }
                }
                ToUi::Changed => events(Event::Changed),
                ToUi::Fatal(message) => events(Event::Fatal(message)),
                ToUi::OtherRelease => events(Event::OtherRelease),
                ToUi::Status(status) => events(Event::Status(status)),
            }
        });
        // What the worker said before this page's code ran (at least `Ready`).
        for data in early {
            handle(data);
        }
        let on_message =
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| handle(e.data()));
        db.0.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget(); // as long as the page lives

        let fatal = move |why: String| {
            on_event(Event::Fatal(format!(
                "The database worker failed: {why}. Notes already saved stay in this \
                 browser; reload the page to try again."
            )));
        };
        if let Some(why) = failed {
            fatal(why);
        }
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |e: ErrorEvent| fatal(e.message()));
        db.0.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();

        DB.with(|d| *d.borrow_mut() = Some(db.clone()));
        Ok(db)
    }

    /// Sends a request and waits for its answer.
    pub async fn call(&self, request: Request) -> RpcResult {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        let (tx, rx) = oneshot::channel();
        self.0.waiting.borrow_mut().insert(id, tx);
        let message = crate::wire::encode(&Call { id, request }).ok_or(RpcError::Unexpected)?;
        if !self.0.post(message) {
            self.0.waiting.borrow_mut().remove(&id);
            return Err(RpcError::NotReady);
        }
        rx.await.unwrap_or(Err(RpcError::NotReady))
    }
}

/// Calls the database from UI code; an error if it never started.
pub async fn call(request: Request) -> RpcResult {
    match db() {
        Some(db) => db.call(request).await,
        None => Err(RpcError::NotReady),
    }
}
