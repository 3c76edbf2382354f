//! The transfer worker: a dedicated worker of its own, started by the page
//! for one export or import and ended after. It answers one
//! [`portable::Job`] (postcard bytes) with a [`portable::Done`]. Zip, deflate
//! and YAML live here, out of the app's first download.

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let bytes = js_sys::Uint8Array::new(&e.data()).to_vec();
        let done = match postcard::from_bytes::<portable::Job>(&bytes) {
            Ok(job) => portable::job::run(job),
            // Only the app's own page posts here, in its own build's format.
            Err(_) => portable::Done::Failed("the request could not be read".into()),
        };
        let answer = postcard::to_allocvec(&done).unwrap_or_default();
        let _ = reply.post_message(&js_sys::Uint8Array::from(answer.as_slice()));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Answers for as long as the worker lives.
    on_message.forget();
    // A message posted before the wasm had loaded would have found no
    // handler: the page sends its job once told this one is listening.
    let _ = scope.post_message(&wasm_bindgen::JsValue::NULL);
}

/// Natively there is nothing to run: the crate builds so that the
/// workspace's checks cover it.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
