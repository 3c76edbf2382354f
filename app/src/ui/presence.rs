//! What the leader's live sync needs to know of this tab: whether it is
//! visible (a visible tab holds the shared lock `locks::VISIBLE`), and
//! whether the page sees a network. Told at start and on every change.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::VisibilityState;

use super::ask;
use crate::locks;
use crate::rpc::Request;

pub fn watch() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let held: Rc<RefCell<Option<locks::Shared>>> = Rc::new(RefCell::new(None));
    let tell = {
        let (window, document) = (window.clone(), document.clone());
        move || {
            let visible = document.visibility_state() == VisibilityState::Visible;
            let online = window.navigator().on_line();
            let mut held = held.borrow_mut();
            if visible && held.is_none() {
                match locks::hold_shared(locks::VISIBLE) {
                    Ok(lock) => *held = Some(lock),
                    Err(e) => web_sys::console::warn_1(&format!("notes: {e}").into()),
                }
            } else if !visible {
                *held = None;
            }
            leptos::task::spawn_local(async move {
                // Nothing to show: the live connection acts on it.
                let _ = ask::done(Request::Presence { visible, online }).await;
            });
        }
    };
    tell();
    let on_change = Closure::<dyn Fn()>::new(tell);
    let callback = on_change.as_ref().unchecked_ref();
    let _ = document.add_event_listener_with_callback("visibilitychange", callback);
    let _ = window.add_event_listener_with_callback("online", callback);
    let _ = window.add_event_listener_with_callback("offline", callback);
    on_change.forget(); // for the page's life
}
