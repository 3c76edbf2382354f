//! The poke stream: `GET /sync/events` read with `fetch()` (which, unlike
//! `EventSource`, can send the Bearer header) and a streamed body.

use futures::channel::mpsc::UnboundedSender;
use gloo_net::http::Request;
use protocol::{EVENTS_PATH, EventParser, Poke, StreamItem};
use sync::live::{Failure, Input};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestCache};

use super::Msg;
use crate::worker::net;

/// An open (or opening) stream; dropping it aborts it.
pub struct Stream {
    abort: AbortController,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// Opens stream number `id`; what happens on it arrives on `tx` as that id's
/// inputs, ending with exactly one `StreamEnded` (unless it is dropped).
pub fn open(id: u64, token: String, tx: UnboundedSender<Msg>) -> Option<Stream> {
    let abort = AbortController::new().ok()?;
    let signal = abort.signal();
    wasm_bindgen_futures::spawn_local(async move {
        let send = |input| {
            let _ = tx.unbounded_send(Msg::Stream { id, input });
        };
        let ended = read(&token, &signal, &send).await;
        if !signal.aborted() {
            send(Input::StreamEnded(ended));
        }
    });
    Some(Stream { abort })
}

/// Reads the stream until it ends: `None` if the server ended it, else why
/// it failed.
async fn read(
    token: &str,
    signal: &web_sys::AbortSignal,
    send: &impl Fn(Input),
) -> Option<Failure> {
    let response = Request::get(EVENTS_PATH)
        .header("Authorization", &format!("Bearer {token}"))
        .cache(RequestCache::NoStore)
        .abort_signal(Some(signal))
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(_) => return Some(Failure::Offline),
    };
    match response.status() {
        200 => {}
        401 => return Some(Failure::Unauthorized),
        _ => {
            return Some(Failure::Server {
                retry_after: net::retry_after_ms(&response),
            });
        }
    }
    let Some(reader) = response.body().and_then(|b| {
        b.get_reader()
            .dyn_into::<ReadableStreamDefaultReader>()
            .ok()
    }) else {
        return Some(Failure::Server { retry_after: 0 });
    };
    send(Input::StreamOpened);
    let mut parser = EventParser::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return Some(Failure::Offline);
        };
        let field = |name: &str| js_sys::Reflect::get(&chunk, &JsValue::from_str(name));
        if field("done").ok().and_then(|d| d.as_bool()) != Some(false) {
            return None;
        }
        let Some(bytes) = field("value")
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
        else {
            continue;
        };
        for item in parser.feed(&bytes.to_vec()) {
            match item {
                StreamItem::Comment => send(Input::Heartbeat),
                StreamItem::Event(event) => match Poke::from_event(&event) {
                    Some(Ok(poke)) => send(Input::Poke(poke.server_version)),
                    Some(Err(why)) => {
                        // A server bug; the connection still works.
                        web_sys::console::warn_1(&format!("notes: {why}").into());
                        send(Input::Heartbeat);
                    }
                    None => send(Input::Heartbeat),
                },
            }
        }
    }
}
