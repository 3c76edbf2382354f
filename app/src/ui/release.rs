//! Says when a new release of the app has taken over. The service worker
//! (app/boot/sw.js) serves each visit from its kept copy and fetches a new
//! release in the background; a page already open goes on running the old
//! one, so the user is told that a reload brings the new one, with a button
//! for it.

use std::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::{Action, Ctx};

pub fn watch(ctx: Ctx) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    // Absent outside secure contexts (plain http to another host).
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let workers = navigator.service_worker();
    // The first worker taking over an uncontrolled page is no news.
    let had = Cell::new(workers.controller().is_some());
    let changed = Closure::<dyn Fn()>::new(move || {
        if had.replace(true) {
            ctx.offer(
                "A new version of Notes is ready: reload the page to use it.",
                Action::Reload,
            );
        }
    });
    workers.set_oncontrollerchange(Some(changed.as_ref().unchecked_ref()));
    changed.forget(); // as long as the page
}
