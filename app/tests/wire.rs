//! How messages travel between the UI, its worker and other tabs, where the
//! code runs: in a dedicated worker in headless Chromium. Run with
//! `cargo test -p app --target wasm32-unknown-unknown --test wire`.
#![cfg(target_family = "wasm")]
#![allow(clippy::unwrap_used)]

use app::rpc::{Call, Conflict, Device, Note, Peer, Request, Response, RpcError, ToUi};
use app::wire::{self, FromPeer, STAMP};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn note() -> Note {
    Note {
        id: "n1".into(),
        body: "Ünïcode ✓ and \"quotes\"\n\tsecond line 🎉".into(),
        created_at: 1_700_000_000_000,
        updated_at: -1,
        deleted_at: None,
        pinned: true,
        conflicts: vec![Conflict {
            line_id: "l1".into(),
            text: "theirs".into(),
            current: None,
            line_number: 2,
            edited_at: i64::MAX,
            by: Some(Device {
                name: "Chrome on Android".into(),
                this_one: false,
            }),
            current_by: None,
        }],
        revision: 7,
    }
}

#[wasm_bindgen_test]
fn requests_and_answers_arrive_as_they_were_sent() {
    let call = Call {
        id: u64::MAX,
        request: Request::SaveLines {
            id: "n1".into(),
            base: 3,
            from: 10,
            removed: 2,
            inserted: "a\nb".into(),
        },
    };
    let back: Call = wire::decode(&wire::encode(&call).unwrap()).unwrap();
    assert_eq!((back.id, back.request), (call.id, call.request));

    let answers = [
        Ok(Response::Note(Some(note()))),
        Ok(Response::Saved(i64::MIN)),
        Err(RpcError::Refused("This note is too long".into())),
        Err(RpcError::Unsynced { pending: 3 }),
    ];
    for result in answers {
        let sent = ToUi::Reply {
            id: 1,
            result: result.clone(),
        };
        let Some(ToUi::Reply {
            id: 1,
            result: back,
        }) = wire::decode(&wire::encode(&sent).unwrap())
        else {
            panic!("not the reply sent");
        };
        assert_eq!(back, result);
    }
}

#[wasm_bindgen_test]
fn a_message_from_a_tab_of_this_release_is_read() {
    let sent = Peer::Answer {
        to: "tab".into(),
        id: 9,
        result: Ok(Response::Note(Some(note()))),
    };
    let FromPeer::Message(Peer::Answer { to, id, result }) =
        wire::decode_from_peer::<Peer>(&wire::encode_for_peers(&sent).unwrap())
    else {
        panic!("not read");
    };
    assert_eq!((to.as_str(), id), ("tab", 9));
    assert_eq!(result, Ok(Response::Note(Some(note()))));
}

#[wasm_bindgen_test]
fn a_message_from_a_tab_of_another_release_is_never_read_as_this_ones() {
    // Another release's messages may have other shapes: the same bytes could
    // decode here as a different request.
    let other = wire::encode(&(
        STAMP.wrapping_add(1),
        Peer::Forward {
            from: "old".into(),
            id: 1,
            request: Request::DeleteNote { id: "n1".into() },
        },
    ))
    .unwrap();
    assert_eq!(
        wire::decode_from_peer::<Peer>(&other),
        FromPeer::OtherRelease
    );
    // The releases before this format sent JSON text.
    let json = JsValue::from_str(r#"{"Forward":{"from":"old","id":1,"request":"EmptyTrash"}}"#);
    assert_eq!(
        wire::decode_from_peer::<Peer>(&json),
        FromPeer::OtherRelease
    );
}

#[wasm_bindgen_test]
fn bytes_of_this_release_that_do_not_decode_are_dropped() {
    let mut bytes = postcard_stamp();
    bytes.extend([0xff, 0xff, 0xff]);
    let data: JsValue = js_sys::Uint8Array::from(&bytes[..]).into();
    assert_eq!(wire::decode_from_peer::<Peer>(&data), FromPeer::Malformed);
    assert!(wire::decode::<ToUi>(&JsValue::from_str("Ready")).is_none());
}

/// This release's stamp as it starts every message between tabs.
fn postcard_stamp() -> Vec<u8> {
    let stamped = wire::encode_for_peers(&Peer::Changed).unwrap();
    let mut bytes = js_sys::Uint8Array::new(&stamped).to_vec();
    bytes.pop(); // Peer::Changed's variant index, one byte
    bytes
}
