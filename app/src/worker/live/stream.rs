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
            if ended == Some(Ended::AccountDeleted) {
                let _ = tx.unbounded_send(Msg::AccountGone);
            }
            send(Input::StreamEnded(ended.map(Ended::failure)));
        }
    });
    Some(Stream { abort })
}

/// Why a stream failed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ended {
    Failed(Failure),
    /// 410: the account is gone; to the scheduler, a session that ended.
    AccountDeleted,
}

impl Ended {
    fn failure(self) -> Failure {
        match self {
            Self::Failed(f) => f,
            Self::AccountDeleted => Failure::Unauthorized,
        }
    }
}

/// Reads the stream until it ends: `None` if the server ended it, else why
/// it failed.
async fn read(token: &str, signal: &web_sys::AbortSignal, send: &impl Fn(Input)) -> Option<Ended> {
    read_events(token, signal, send).await.err()
}

async fn read_events(
    token: &str,
    signal: &web_sys::AbortSignal,
    send: &impl Fn(Input),
) -> Result<(), Ended> {
    use Ended::Failed;
    let response = Request::get(EVENTS_PATH)
        .header("Authorization", &format!("Bearer {token}"))
        .cache(RequestCache::NoStore)
        .abort_signal(Some(signal))
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(_) => return Err(Failed(Failure::Offline)),
    };
    match response.status() {
        200 => {}
        401 => return Err(Failed(Failure::Unauthorized)),
        410 => return Err(Ended::AccountDeleted),
        _ => {
            return Err(Failed(Failure::Server {
                retry_after: net::retry_after_ms(&response),
            }));
        }
    }
    let Some(reader) = response.body().and_then(|b| {
        b.get_reader()
            .dyn_into::<ReadableStreamDefaultReader>()
            .ok()
    }) else {
        return Err(Failed(Failure::Server { retry_after: 0 }));
    };
    send(Input::StreamOpened);
    let mut parser = EventParser::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return Err(Failed(Failure::Offline));
        };
        let field = |name: &str| js_sys::Reflect::get(&chunk, &JsValue::from_str(name));
        if field("done").ok().and_then(|d| d.as_bool()) != Some(false) {
            return Ok(());
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
