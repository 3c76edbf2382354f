//! How the messages of [`crate::rpc`] travel: postcard bytes in a
//! `Uint8Array`. A binary format because the UI and the worker share one
//! wasm, which then carries one small decoder per message type instead of
//! serde_json's (−50 KB of wasm, −14 KB gzip).
//!
//! The UI and the worker of one tab always run the same build. Tabs do not:
//! one opened before a release and one after share a BroadcastChannel. A
//! field-less binary format cannot tell one message shape from another, so
//! every message between tabs carries [`STAMP`], and one with another stamp
//! is never decoded as this build's.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// Names the shape of the messages: a hash of the file that declares them
/// all. Builds whose `rpc.rs` differs (even by a comment) do not talk to each
/// other; builds that share it do.
pub const STAMP: u32 = fnv1a(include_bytes!("rpc.rs"));

const fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// What arrived from another tab.
#[derive(Debug, PartialEq)]
pub enum FromPeer<T> {
    Message(T),
    /// Sent by a tab running another release of the app (or an older format
    /// altogether): it cannot be read, and that tab cannot read this one's.
    OtherRelease,
    /// Bytes of this release that do not decode: a bug, dropped.
    Malformed,
}

/// `msg` as bytes to post to this tab's UI or worker.
pub fn encode<T: Serialize>(msg: &T) -> Option<JsValue> {
    let bytes = postcard::to_allocvec(msg).ok()?;
    Some(js_sys::Uint8Array::from(&bytes[..]).into())
}

/// A message from this tab's UI or worker; `None` if it does not decode.
pub fn decode<T: DeserializeOwned>(data: &JsValue) -> Option<T> {
    let bytes = data.dyn_ref::<js_sys::Uint8Array>()?.to_vec();
    postcard::from_bytes(&bytes).ok()
}

/// `msg` as bytes for the other tabs, stamped with this release's shape.
pub fn encode_for_peers<T: Serialize>(msg: &T) -> Option<JsValue> {
    encode(&(STAMP, msg))
}

/// A message from another tab.
pub fn decode_from_peer<T: DeserializeOwned>(data: &JsValue) -> FromPeer<T> {
    let Some(bytes) = data.dyn_ref::<js_sys::Uint8Array>().map(|a| a.to_vec()) else {
        return FromPeer::OtherRelease;
    };
    match postcard::take_from_bytes::<u32>(&bytes) {
        Ok((STAMP, rest)) => match postcard::from_bytes(rest) {
            Ok(msg) => FromPeer::Message(msg),
            Err(_) => FromPeer::Malformed,
        },
        _ => FromPeer::OtherRelease,
    }
}
