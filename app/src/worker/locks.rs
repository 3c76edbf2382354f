//! `navigator.locks`, which web-sys only exposes behind its unstable flag.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type LockManager;

    #[wasm_bindgen(method, js_name = request)]
    fn request(this: &LockManager, name: &str, callback: &js_sys::Function) -> js_sys::Promise;
}

/// Waits for the exclusive lock `name` and calls `on_granted` once it is held.
/// The lock is never released on purpose: it goes when this worker's tab
/// closes, and the next tab waiting for it is granted it.
pub fn hold_forever(name: &str, on_granted: impl FnOnce() + 'static) -> Result<(), String> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .map_err(|_| "no navigator in this worker".to_owned())?;
    let locks = js_sys::Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|l| !l.is_undefined())
        .ok_or_else(|| "this browser has no Web Locks (navigator.locks)".to_owned())?;
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        on_granted();
        // Never settles: the lock is held for the worker's life.
        js_sys::Promise::new(&mut |_, _| {})
    });
    let _ = locks
        .unchecked_into::<LockManager>()
        .request(name, callback.unchecked_ref());
    Ok(())
}
