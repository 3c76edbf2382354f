#![allow(clippy::unwrap_used)]
//! Clients converge through the real server over HTTP.

mod common;

use common::*;
use protocol::SiteIdHex;

#[tokio::test]
async fn two_devices_writing_offline_converge_in_either_order() {
    for a_first in [true, false] {
        let server = TestServer::start().await;
        let token = account(&server.url(""), "ann", "password one").await;
        let (mut a, mut b) = (
            Device::new(&server.url(""), &token),
            Device::new(&server.url(""), &token),
        );
        a.put("a-only", "written on a");
        b.put("b-only", "written on b");
        a.put("conflict", "a's text");
        b.put("conflict", "b's text");
        b.put("doomed", "to be deleted");
        b.sync().await;
        a.sync().await;
        a.delete("doomed");

        let (first, second) = if a_first {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        first.sync().await;
        second.sync().await;
        first.sync().await;

        assert_eq!(a.notes(), b.notes());
        let ids: Vec<String> = a.notes().into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["a-only", "b-only", "conflict"]);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_change_set_larger_than_one_page_arrives_whole() {
    let server = TestServer::start().await;
    let token = account(&server.url(""), "ann", "password one").await;
    let (mut a, mut b) = (
        Device::new(&server.url(""), &token),
        Device::new(&server.url(""), &token),
    );
    let ids: Vec<(String, String)> = (0..2500)
        .map(|i| (format!("n{i:05}"), format!("body {i}")))
        .collect();
    let batch: Vec<(&str, &str)> = ids.iter().map(|(i, b)| (i.as_str(), b.as_str())).collect();
    a.store.save_notes(&batch, common::now_ms()).unwrap();
    // Pages never split a transaction, so one page may hold all of it.
    let big_transaction = a
        .store
        .changes_since(0, store::ChangeFilter::All, usize::MAX)
        .unwrap()
        .changes
        .len();
    for i in 0..500 {
        a.put(&format!("m{i:05}"), "one transaction each");
    }
    a.sync().await;

    let mut rounds = 0;
    loop {
        rounds += 1;
        let (done, response, _) = b.round().await.unwrap();
        assert!(response.changes.len() <= server.state.limits.page_size + big_transaction);
        if done {
            break;
        }
    }
    assert!(rounds > 1, "expected several pages");
    assert_eq!(b.notes().len(), 3000);
    assert_eq!(a.notes(), b.notes());
    server.stop().await;
}

#[tokio::test]
async fn a_client_never_receives_its_own_changes() {
    let server = TestServer::start().await;
    let token = account(&server.url(""), "ann", "password one").await;
    let (mut a, mut b) = (
        Device::new(&server.url(""), &token),
        Device::new(&server.url(""), &token),
    );
    let site_a = SiteIdHex::encode(&a.store.site_id().unwrap());
    for i in 0..20 {
        a.put(&format!("a{i}"), "mine");
        b.put(&format!("b{i}"), "theirs");
    }
    for _ in 0..3 {
        let got = a.sync().await;
        assert!(
            got.iter()
                .all(|c| c.site_id.as_deref() != Some(site_a.as_str()))
        );
        b.sync().await;
        a.put("a0", &format!("edit {}", a.notes().len()));
    }
    assert_eq!(a.notes(), b.notes());
    server.stop().await;
}

#[tokio::test]
async fn twenty_devices_syncing_one_account_at_once_converge_without_errors() {
    // All twenty under way at once (by default a user gets 4, and the rest
    // 429, which the app waits out: tests/fair_share.rs).
    let server = TestServer::start_with(|c| c.max_syncs_per_user = 20).await;
    let base = server.url("");
    let token = account(&base, "busy", "password one").await;
    let mut tasks = Vec::new();
    for d in 0..20 {
        let (base, token) = (base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut dev = Device::new(&base, &token);
            for i in 0..10 {
                dev.put(&format!("d{d:02}-{i}"), &format!("device {d} note {i}"));
            }
            dev.put("shared", &format!("device {d} was here"));
            dev.sync().await;
            dev
        }));
    }
    let mut devices = Vec::new();
    for t in tasks {
        devices.push(t.await.unwrap());
    }
    for dev in &mut devices {
        dev.sync().await;
    }
    let expected = devices[0].notes();
    assert_eq!(expected.len(), 20 * 10 + 1);
    for dev in &devices {
        assert_eq!(dev.notes(), expected);
    }
    server.stop().await;
}

#[tokio::test]
async fn the_connection_cache_stays_bounded_with_many_users() {
    let server = TestServer::start_with(|c| c.max_open_databases = 4).await;
    let base = server.url("");
    for u in 0..10 {
        let token = account(&base, &format!("user{u}"), "password one").await;
        let mut dev = Device::new(&base, &token);
        dev.put("n", &format!("note of user {u}"));
        dev.sync().await;
        assert!(server.state.stores.len() <= 4);
    }
    // Evicted databases were closed cleanly and reopen with their data.
    let token = account(&base, "user0", "password one").await;
    let mut fresh = Device::new(&base, &token);
    fresh.sync().await;
    assert_eq!(fresh.notes(), vec![("n".into(), "note of user 0".into())]);
    server.stop().await;
}

#[tokio::test]
async fn too_many_requests_from_one_user_get_429_with_retry_after() {
    let server = TestServer::start_with(|c| {
        c.sync_per_second = 1;
        c.sync_burst = 2;
    })
    .await;
    let token = account(&server.url(""), "ann", "password one").await;
    let mut dev = Device::new(&server.url(""), &token);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(match dev.round().await {
            Ok(_) => 200,
            Err((status, body)) => {
                assert!(body.contains("too many requests"), "{body}");
                status
            }
        });
    }
    assert_eq!(&statuses[..2], &[200, 200]);
    assert_eq!(statuses[3], 429);
    let r = http()
        .post(server.url("/sync"))
        .bearer_auth(&token)
        .json(&sync::client::prepare(&dev.store, 10).unwrap().request)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    server.stop().await;
}

#[tokio::test]
async fn a_pull_is_compressed_for_clients_that_accept_it_and_decodes_to_the_same_answer() {
    let server = TestServer::start().await;
    let token = account(&server.url(""), "ann", "password one").await;
    let mut a = Device::new(&server.url(""), &token);
    for i in 0..300 {
        a.put(
            &format!("n{i:03}"),
            "a line of text that repeats, as notes do",
        );
    }
    a.sync().await;

    let b = Device::new(&server.url(""), &token);
    let request = sync::client::prepare(&b.store, 1000).unwrap().request;
    let pull = |accepts: Option<&'static str>| {
        let mut r = http()
            .post(server.url("/sync"))
            .bearer_auth(&token)
            .json(&request);
        if let Some(accepts) = accepts {
            r = r.header("accept-encoding", accepts);
        }
        async move {
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), 200);
            let encoding = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            (encoding, r.bytes().await.unwrap().to_vec())
        }
    };
    let (none, plain) = pull(None).await;
    assert_eq!(none, None);
    let plain: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert!(
        plain["changes"].as_array().unwrap().len() >= 900,
        "300 notes' changes"
    );

    // Chromium accepts both and gets zstd; a client that takes only gzip gets gzip.
    for (accepts, encoding) in [("gzip, deflate, br, zstd", "zstd"), ("gzip", "gzip")] {
        let (got, body) = pull(Some(accepts)).await;
        assert_eq!(got.as_deref(), Some(encoding), "{accepts}");
        let decoded = match encoding {
            "zstd" => zstd::decode_all(&body[..]).unwrap(),
            _ => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
                    .unwrap();
                out
            }
        };
        assert!(
            body.len() * 4 < decoded.len(),
            "{encoding}: {} of {}",
            body.len(),
            decoded.len()
        );
        let decoded: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(decoded, plain, "{encoding}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_sync_beyond_the_users_space_gets_507_in_words_and_loses_nothing() {
    let server = TestServer::start_with(|c| c.max_user_mib = 1).await;
    let token = account(&server.url(""), "ann", "password one").await;
    let mut a = Device::new(&server.url(""), &token);
    a.put("small", "fits");
    a.sync().await;
    // Two notes of a thousand long lines: more than the account's 1 MiB.
    for id in ["big-1", "big-2"] {
        a.put(
            id,
            &format!("{}\n", "a long line of text ".repeat(40)).repeat(1_000),
        );
    }
    let pending = sync::client::pending_changes(&a.store).unwrap();

    let (status, body) = loop {
        match a.round().await {
            Ok((true, ..)) => panic!("the server took more than its limit"),
            Ok(_) => continue,
            Err(e) => break e,
        }
    };

    assert_eq!(status, 507, "{body}");
    let error: protocol::ErrorBody = serde_json::from_str(&body).unwrap();
    assert!(error.error.contains("no room"), "{}", error.error);
    assert!(
        error.error.contains("safe on your device"),
        "{}",
        error.error
    );
    assert!(sync::client::pending_changes(&a.store).unwrap() > 0);
    assert!(sync::client::pending_changes(&a.store).unwrap() <= pending);
    // The account still works: another device gets all that fitted.
    let mut b = Device::new(&server.url(""), &token);
    b.sync().await;
    assert!(b.notes().contains(&("small".into(), "fits".into())));
    server.stop().await;
}
