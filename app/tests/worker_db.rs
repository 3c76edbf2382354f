//! The DB worker's database code, where it runs: in a dedicated worker in
//! headless Chromium, on OPFS. Run with
//! `cargo test -p app --target wasm32-unknown-unknown --test worker_db`.
#![cfg(target_family = "wasm")]
#![allow(clippy::unwrap_used)]

use std::rc::Rc;

use app::rpc::{Request, Response, RpcError};
use app::worker::leader::Leader;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

async fn call(leader: &Leader, request: Request) -> Response {
    leader.handle(request).await.unwrap()
}

#[wasm_bindgen_test]
async fn notes_written_by_the_worker_are_found_again_after_reopening() {
    let leader = Leader::start(|_| Rc::new(|_| {})).await.unwrap();
    call(
        &leader,
        Request::SaveNote {
            id: "n1".into(),
            body: "Persisted\nin OPFS".into(),
        },
    )
    .await;
    call(
        &leader,
        Request::SaveNote {
            id: "n2".into(),
            body: "Second".into(),
        },
    )
    .await;
    let Response::Status(status) = call(&leader, Request::Status).await else {
        panic!()
    };
    // Unsynced notes are counted for an account only: a local notebook has
    // nowhere to sync to.
    assert_eq!(status.pending_changes, 0);
    assert_eq!(status.account, None);
    drop(leader); // finalizes and closes the database

    let leader = Leader::start(|_| Rc::new(|_| {})).await.unwrap();
    let Response::NoteList { notes: list, total } = call(
        &leader,
        Request::ListNotes {
            query: "opfs".into(),
            limit: 10,
        },
    )
    .await
    else {
        panic!()
    };
    assert_eq!((list.len(), total), (1, 1));
    assert_eq!(list[0].title, "Persisted");
    let Response::Note(Some(note)) = call(
        &leader,
        Request::GetNote {
            id: "n1".into(),
            known: None,
        },
    )
    .await
    else {
        panic!()
    };
    assert_eq!(note.body, "Persisted\nin OPFS");

    assert_eq!(
        call(&leader, Request::DeleteNote { id: "n1".into() }).await,
        Response::Done(true)
    );
    let Response::NoteList { notes: list, .. } = call(
        &leader,
        Request::ListNotes {
            query: String::new(),
            limit: u32::MAX,
        },
    )
    .await
    else {
        panic!()
    };
    // (Other tests share this OPFS, so look for n1 only.)
    assert!(
        list.iter().all(|n| n.id != "n1"),
        "the deleted note left the list"
    );
    let Response::Notes(trash) = call(
        &leader,
        Request::ListTrash {
            query: String::new(),
        },
    )
    .await
    else {
        panic!()
    };
    assert!(trash.iter().any(|n| n.id == "n1"));
    // Searched in the trash (FTS5 in the worker's SQLite, on OPFS): found,
    // with the match marked; and not in the list outside it.
    let Response::Notes(found) = call(
        &leader,
        Request::ListTrash {
            query: "persist".into(),
        },
    )
    .await
    else {
        panic!()
    };
    let hit = found
        .iter()
        .find(|n| n.id == "n1")
        .expect("found in the trash");
    assert!(
        hit.snippet
            .as_deref()
            .is_some_and(|s| s.contains(store::MATCH_START)),
        "{hit:?}"
    );
    call(&leader, Request::RestoreNote { id: "n1".into() }).await;
    let Response::Note(Some(restored)) = call(
        &leader,
        Request::GetNote {
            id: "n1".into(),
            known: None,
        },
    )
    .await
    else {
        panic!()
    };
    assert_eq!(
        (restored.body.as_str(), restored.deleted_at),
        ("Persisted\nin OPFS", None)
    );
    let Response::History(history) = call(
        &leader,
        Request::History {
            note_id: "n1".into(),
        },
    )
    .await
    else {
        panic!()
    };
    assert!(history.is_empty(), "no earlier text yet");

    // Typing sends the lines typed into, made against the revision read.
    let edit = Request::SaveLines {
        id: "n1".into(),
        base: restored.revision,
        from: 1,
        removed: 1,
        inserted: "in OPFS, edited\nand a new line".into(),
    };
    let Response::Saved(revision) = call(&leader, edit.clone()).await else {
        panic!()
    };
    assert_eq!(
        call(
            &leader,
            Request::GetNote {
                id: "n1".into(),
                known: Some(revision),
            }
        )
        .await,
        Response::NoteUnchanged
    );
    // Made against an older revision, it is refused (the editor then sends
    // the whole text), never applied twice.
    assert_eq!(call(&leader, edit).await, Response::Stale);
    let Response::Note(Some(edited)) = call(
        &leader,
        Request::GetNote {
            id: "n1".into(),
            known: Some(restored.revision),
        },
    )
    .await
    else {
        panic!()
    };
    assert_eq!(edited.body, "Persisted\nin OPFS, edited\nand a new line");
}

#[wasm_bindgen_test]
async fn sync_without_an_account_says_to_sign_in_and_changes_nothing() {
    let leader = Leader::start(|_| Rc::new(|_| {})).await.unwrap();
    call(
        &leader,
        Request::SaveNote {
            id: "x".into(),
            body: "local only".into(),
        },
    )
    .await;
    let Response::Status(before) = call(&leader, Request::Status).await else {
        panic!()
    };
    let err = leader.handle(Request::Sync).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Auth(m) if m.contains("Sign in")),
        "{err}"
    );
    let Response::Status(after) = call(&leader, Request::Status).await else {
        panic!()
    };
    assert_eq!(after.pending_changes, before.pending_changes);
    let err = leader
        .handle(Request::SignOut {
            discard_unsynced: false,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Auth(_)));
}
