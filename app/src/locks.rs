//! `navigator.locks`, which web-sys only exposes behind its unstable flag:
//! the leader's election among the tabs' workers, and which tabs are visible.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type LockManager;

    #[wasm_bindgen(method, js_name = request)]
    fn request(this: &LockManager, name: &str, callback: &js_sys::Function) -> js_sys::Promise;

    #[wasm_bindgen(method, js_name = request)]
    fn request_with_options(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> js_sys::Promise;

    #[wasm_bindgen(method)]
    fn query(this: &LockManager) -> js_sys::Promise;
}

/// Held in shared mode by the page of every visible tab, so that the
/// leader can tell whether any is (a closed tab holds none).
pub const VISIBLE: &str = "notes-visible";

/// A shared hold on a lock; dropping it lets go.
pub struct Shared {
    release: js_sys::Function,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::NULL);
    }
}

/// Holds `name` in shared mode (granted at once unless someone holds it
/// exclusively) until the returned value is dropped.
pub fn hold_shared(name: &str) -> Result<Shared, String> {
    let locks = lock_manager()?;
    let mut release = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let release = release.ok_or("no promise")?;
    let callback = Closure::once_into_js(move |_lock: JsValue| held);
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"mode".into(), &"shared".into())
        .map_err(|_| "cannot ask for a shared lock")?;
    let _ = locks.request_with_options(name, &options, callback.unchecked_ref());
    Ok(Shared { release })
}

fn lock_manager() -> Result<LockManager, String> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .map_err(|_| "no navigator here".to_owned())?;
    js_sys::Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|l| !l.is_undefined())
        .map(JsCast::unchecked_into)
        .ok_or_else(|| "this browser has no Web Locks (navigator.locks)".to_owned())
}

/// How many holders the lock `name` has now (a shared lock may have many).
pub async fn held(name: &str) -> Result<usize, String> {
    let snapshot = wasm_bindgen_futures::JsFuture::from(lock_manager()?.query())
        .await
        .map_err(|_| "the locks could not be read".to_owned())?;
    let held = js_sys::Reflect::get(&snapshot, &"held".into())
        .ok()
        .and_then(|h| h.dyn_into::<js_sys::Array>().ok())
        .ok_or_else(|| "the locks could not be read".to_owned())?;
    Ok(held
        .iter()
        .filter(|lock| {
            js_sys::Reflect::get(lock, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .is_some_and(|n| n == name)
        })
        .count())
}

/// Waits for the exclusive lock `name` and calls `on_granted` once it is held.
/// The lock is never released on purpose: it goes when this worker's tab
/// closes, and the next tab waiting for it is granted it.
pub fn hold_forever(name: &str, on_granted: impl FnOnce() + 'static) -> Result<(), String> {
    let locks = lock_manager()?;
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        on_granted();
        // Never settles: the lock is held for the worker's life.
        js_sys::Promise::new(&mut |_, _| {})
    });
    let _ = locks.request(name, callback.unchecked_ref());
    Ok(())
}
