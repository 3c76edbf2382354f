//! `GET /sync/events` against a real server: pokes after commits, heartbeats,
//! the cap per account, and the ends of a stream (sign-out, idle session,
//! shutdown).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::events::{Events, Next};
use common::{Device, TestServer, account, http};

const SOON: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_stream_tells_the_version_at_once_then_each_commit_of_another_device() {
    let server = TestServer::start().await;
    let base = server.url("");
    let token = account(&base, "ann", "password one").await;
    let mut phone = Device::new(&base, &token);
    phone.put("n1", "milk");
    phone.sync().await;
    let at_open = server
        .state
        .stores
        .get(1)
        .unwrap()
        .lock()
        .db_version()
        .unwrap();

    let mut laptop_stream = Events::open(&server, &token).await.unwrap();
    assert_eq!(
        laptop_stream.response.headers()["content-type"],
        "text/event-stream"
    );
    assert_eq!(laptop_stream.response.headers()["x-accel-buffering"], "no");
    assert!(
        laptop_stream
            .response
            .headers()
            .get("content-encoding")
            .is_none(),
        "never compressed"
    );
    assert_eq!(laptop_stream.poke(SOON).await, Next::Poke(at_open));

    phone.put("n2", "eggs");
    phone.sync().await;
    let Next::Poke(after) = laptop_stream.poke(SOON).await else {
        panic!("no poke after the commit")
    };
    assert!(after > at_open);
    // The laptop pulls from what it was told and gets the note.
    let mut laptop = Device::new(&base, &token);
    laptop.sync().await;
    assert_eq!(laptop.notes().len(), 2);

    // A pull, or a push of what the server has, commits nothing: no poke.
    laptop.sync().await;
    let mut again = Device::new(&base, &token);
    again.sync().await;
    assert_eq!(
        laptop_stream.poke(Duration::from_millis(500)).await,
        Next::Quiet
    );
    server.stop().await;
}

#[tokio::test]
async fn another_accounts_commits_do_not_poke_and_a_burst_coalesces() {
    let server = TestServer::start().await;
    let base = server.url("");
    let ann = account(&base, "ann", "password one").await;
    let bob = account(&base, "bob", "password two").await;
    let mut ann_stream = Events::open(&server, &ann).await.unwrap();
    assert_eq!(ann_stream.poke(SOON).await, Next::Poke(0));

    let mut bob_phone = Device::new(&base, &bob);
    bob_phone.put("b1", "bob's");
    bob_phone.sync().await;
    assert_eq!(
        ann_stream.poke(Duration::from_millis(500)).await,
        Next::Quiet
    );

    // Ten commits while the reader does not read: it is told the newest,
    // at most once per commit, never more.
    let mut ann_phone = Device::new(&base, &ann);
    for i in 0..10 {
        ann_phone.put(&format!("n{i}"), "text");
        ann_phone.sync().await;
    }
    let newest = server
        .state
        .stores
        .get(1)
        .unwrap()
        .lock()
        .db_version()
        .unwrap();
    let mut told = Vec::new();
    while let Next::Poke(v) = ann_stream.poke(Duration::from_millis(300)).await {
        told.push(v);
    }
    assert_eq!(told.last(), Some(&newest), "{told:?}");
    assert!(told.len() <= 10 && told.is_sorted(), "{told:?}");
    server.stop().await;
}

#[tokio::test]
async fn heartbeats_keep_an_idle_stream_talking() {
    let server = TestServer::start_with(|c| c.heartbeat = Duration::from_millis(200)).await;
    let token = account(&server.url(""), "ann", "password one").await;
    let mut stream = Events::open(&server, &token).await.unwrap();
    assert_eq!(stream.next(SOON).await, Next::Poke(0));
    for _ in 0..3 {
        assert_eq!(stream.next(Duration::from_secs(2)).await, Next::Heartbeat);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_stream_needs_a_session_and_an_account_gets_a_bounded_number() {
    let server = TestServer::start_with(|c| c.max_streams_per_user = 2).await;
    let token = account(&server.url(""), "ann", "password one").await;
    for bad in ["", "Bearer nope"] {
        let r = http()
            .get(server.url("/sync/events"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad:?}");
    }
    let first = Events::open(&server, &token).await.unwrap();
    let _second = Events::open(&server, &token).await.unwrap();
    let (status, body) = Events::open(&server, &token).await.err().unwrap();
    assert_eq!(status, 429);
    assert!(body.contains("live connections open (at most 2"), "{body}");
    let other = account(&server.url(""), "bob", "password two").await;
    assert!(Events::open(&server, &other).await.is_ok(), "per account");

    drop(first);
    // The server notices the closed connection at its next write at the
    // latest (a heartbeat); then the place is free again.
    let reopened = async {
        loop {
            if Events::open(&server, &token).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reopened)
        .await
        .expect("a closed stream frees its place");
    server.stop().await;
}

#[tokio::test]
async fn signing_out_ends_that_sessions_stream_only_and_it_cannot_reopen() {
    let server = TestServer::start().await;
    let base = server.url("");
    let phone = account(&base, "ann", "password one").await;
    let laptop = account(&base, "ann", "password one").await;
    let mut phone_stream = Events::open(&server, &phone).await.unwrap();
    let mut laptop_stream = Events::open(&server, &laptop).await.unwrap();
    assert_eq!(phone_stream.poke(SOON).await, Next::Poke(0));
    assert_eq!(laptop_stream.poke(SOON).await, Next::Poke(0));

    let r = http()
        .delete(format!("{base}/api/sessions"))
        .bearer_auth(&phone)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(phone_stream.poke(SOON).await, Next::Ended);
    assert_eq!(Events::open(&server, &phone).await.err().unwrap().0, 401);
    assert_eq!(
        laptop_stream.poke(Duration::from_millis(300)).await,
        Next::Quiet,
        "the other session's stream stays"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_stream_ends_when_its_session_idles_out_and_requests_keep_it_going() {
    let server = TestServer::start_with(|c| c.session_idle = Duration::from_secs(2)).await;
    let base = server.url("");
    let token = account(&base, "ann", "password one").await;
    let mut stream = Events::open(&server, &token).await.unwrap();
    assert_eq!(stream.poke(SOON).await, Next::Poke(0));
    // Used by syncs for longer than the idle time: the stream stays.
    let mut device = Device::new(&base, &token);
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        device.sync().await;
    }
    assert_eq!(stream.poke(Duration::from_millis(100)).await, Next::Quiet);
    // Then unused: it ends, and the session with it.
    assert_eq!(stream.poke(Duration::from_secs(8)).await, Next::Ended);
    assert_eq!(Events::open(&server, &token).await.err().unwrap().0, 401);
    server.stop().await;
}

#[tokio::test]
async fn shutting_down_ends_every_stream_and_the_server_stops() {
    let server = TestServer::start().await;
    let base = server.url("");
    let mut streams = Vec::new();
    for user in ["ann", "bob"] {
        let token = account(&base, user, "password one").await;
        for _ in 0..3 {
            let mut s = Events::open(&server, &token).await.unwrap();
            assert_eq!(s.poke(SOON).await, Next::Poke(0));
            streams.push(s);
        }
    }
    assert_eq!(server.state.live.open(), (6, 2));
    let state = server.state.clone();
    tokio::time::timeout(Duration::from_secs(10), server.stop())
        .await
        .expect("the server stops although streams were open");
    for mut s in streams {
        assert_eq!(s.poke(SOON).await, Next::Ended);
    }
    assert_eq!(state.live.open(), (0, 0));
}

#[tokio::test]
async fn metrics_count_open_streams_and_pokes() {
    let server = TestServer::start().await;
    let base = server.url("");
    let token = account(&base, "ann", "password one").await;
    let mut stream = Events::open(&server, &token).await.unwrap();
    assert_eq!(stream.poke(SOON).await, Next::Poke(0));
    let mut device = Device::new(&base, &token);
    device.put("n1", "milk");
    device.sync().await;
    assert!(matches!(stream.poke(SOON).await, Next::Poke(v) if v > 0));
    let text = http()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "notes_live_streams 1",
        "notes_live_users 1",
        "notes_live_streams_opened_total 1",
        "notes_live_pokes_total 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    server.stop().await;
}
