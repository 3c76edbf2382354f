//! The DB worker's database code, where it runs: in a dedicated worker in
//! headless Chromium, on OPFS. Run with
//! `cargo test -p app --target wasm32-unknown-unknown --test worker_db`.
#![cfg(target_family = "wasm")]
#![allow(clippy::unwrap_used)]

use std::rc::Rc;

use app::rpc::{Request, Response, RpcError, Sort};
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
            sort: Sort::Edited,
            tag: None,
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
            sort: Sort::Edited,
            tag: None,
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

#[wasm_bindgen_test]
async fn pins_tags_and_sorting_are_answered_by_the_worker_on_opfs() {
    let leader = Leader::start(|_| Rc::new(|_| {})).await.unwrap();
    // Other tests share this OPFS: ids and tags of this test's own.
    for (id, body) in [
        ("pz-b", "Banana bread #pinsortbake"),
        ("pz-a", "apple pie #pinsortbake #pinsortfruit"),
        ("pz-c", "Cherry jam"),
    ] {
        let body = body.to_owned();
        call(
            &leader,
            Request::SaveNote {
                id: id.into(),
                body,
            },
        )
        .await;
        let unpin = Request::SetPinned {
            id: id.into(),
            pinned: false,
        };
        call(&leader, unpin).await;
    }
    let list = |sort, tag: Option<&str>| {
        let request = Request::ListNotes {
            query: String::new(),
            limit: u32::MAX,
            sort,
            tag: tag.map(str::to_owned),
        };
        let leader = &leader;
        async move {
            let Response::NoteList { notes, .. } = call(leader, request).await else {
                panic!()
            };
            notes
                .into_iter()
                .filter(|n| n.id.starts_with("pz-"))
                .map(|n| n.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(Sort::Title, None).await, ["pz-a", "pz-b", "pz-c"]);
    assert_eq!(list(Sort::Created, None).await, ["pz-c", "pz-a", "pz-b"]);
    assert_eq!(
        list(Sort::Edited, Some("pinsortbake")).await,
        ["pz-a", "pz-b"]
    );
    let Response::Tags(tags) = call(&leader, Request::ListTags).await else {
        panic!()
    };
    let mine: Vec<(&str, u32)> = tags
        .iter()
        .filter(|t| t.name.starts_with("pinsort"))
        .map(|t| (t.name.as_str(), t.notes))
        .collect();
    assert_eq!(mine, [("pinsortbake", 2), ("pinsortfruit", 1)]);

    let pin = Request::SetPinned {
        id: "pz-c".into(),
        pinned: true,
    };
    assert_eq!(call(&leader, pin).await, Response::Done(true));
    assert_eq!(list(Sort::Title, None).await, ["pz-c", "pz-a", "pz-b"]);
    let Response::Note(Some(note)) = call(
        &leader,
        Request::GetNote {
            id: "pz-c".into(),
            known: None,
        },
    )
    .await
    else {
        panic!()
    };
    assert!(note.pinned);
}

#[wasm_bindgen_test]
async fn an_import_is_saved_by_the_worker_on_opfs_once_and_exported_with_its_versions() {
    let leader = Leader::start(|_| Rc::new(|_| {})).await.unwrap();
    // Ids of this test's own: other tests share this OPFS.
    let incoming = |id: &str, body: &str| portable::Incoming {
        id: id.into(),
        body: body.into(),
        created_at: Some(1_000),
        updated_at: Some(2_000),
        deleted_at: None,
        pinned: true,
        versions: vec![portable::ExportedVersion {
            id: format!("{id}/500/0000000000000001"),
            saved_at: 500,
            body: "an older text".into(),
        }],
    };
    let notes = vec![
        incoming("imp-a", "Imported A"),
        incoming("imp-b", "Imported B"),
    ];
    let Response::ImportSaved {
        added,
        already_here,
    } = call(
        &leader,
        Request::ImportNotes {
            notes: notes.clone(),
        },
    )
    .await
    else {
        panic!("not an import's answer")
    };
    assert_eq!((added, already_here), (2, 0));
    let Response::ImportSaved {
        added,
        already_here,
    } = call(&leader, Request::ImportNotes { notes }).await
    else {
        panic!("not an import's answer")
    };
    assert_eq!(
        (added, already_here),
        (0, 2),
        "importing twice adds nothing"
    );

    let Response::ExportData(all) = call(&leader, Request::ExportData).await else {
        panic!("not an export's answer")
    };
    let a = all
        .iter()
        .find(|n| n.id == "imp-a")
        .expect("the imported note is exported");
    assert_eq!(
        (a.body.as_str(), a.created_at, a.updated_at, a.pinned),
        ("Imported A", 1_000, 2_000, true)
    );
    assert_eq!(a.versions.len(), 1);
    assert_eq!(a.versions[0].body, "an older text");
}
