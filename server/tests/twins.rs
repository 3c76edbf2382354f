#![allow(clippy::unwrap_used)]
//! Two devices from one copied data file share a site id: over HTTP, against
//! the real server binary, the second to sync is answered 409 with the code
//! `site_shared` and words saying what happens; each copy that is told so
//! takes a new id, syncs from the start, and both end with every note.

mod common;

use common::*;
use protocol::{ErrorBody, SITE_SHARED};

/// Syncs until done; on `site_shared`, takes a new site id as the app does.
/// Whether it had to.
async fn sync_renaming(dev: &mut Device) -> bool {
    let mut renamed = false;
    for _ in 0..100 {
        match dev.round().await {
            Ok((true, _, _)) => return renamed,
            Ok(_) => {}
            Err((409, body)) => {
                let body: ErrorBody = serde_json::from_str(&body).unwrap();
                assert_eq!(body.code.as_deref(), Some(SITE_SHARED), "{}", body.error);
                assert!(body.error.contains("nothing is lost"), "{}", body.error);
                assert!(!renamed, "a new id was refused too");
                sync::new_site::take_new_site(&mut dev.store).unwrap();
                renamed = true;
            }
            Err(e) => panic!("sync failed: {e:?}"),
        }
    }
    panic!("sync did not finish");
}

#[tokio::test]
async fn two_devices_from_one_copied_file_are_told_and_end_with_every_note() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = spawn_server(&dir.path().join("data"));
    let token = account(&base, "copied", "password one").await;
    let (a_path, b_path) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let mut a = Device::open(&a_path, &base, &token);
    a.put("before", "written before the copy");
    a.sync().await;
    a.store.close().unwrap();
    std::fs::copy(&a_path, &b_path).unwrap();
    let (mut a, mut b) = (
        Device::open(&a_path, &base, &token),
        Device::open(&b_path, &base, &token),
    );

    a.put("from-a", "written on a");
    b.put("from-b", "written on b");
    assert!(!sync_renaming(&mut a).await);
    assert!(sync_renaming(&mut b).await, "the second copy is told");
    assert!(sync_renaming(&mut a).await, "and then the first");
    for dev in [&mut a, &mut b] {
        sync_renaming(dev).await;
    }
    let mut fresh = Device::new(&base, &token);
    fresh.sync().await;
    assert_eq!(fresh.notes().len(), 3, "{:?}", fresh.notes());
    assert_eq!(a.notes(), fresh.notes());
    assert_eq!(b.notes(), fresh.notes());
    stop_server(server);
}
