//! What a signed-in user does with their account, over real HTTP: change the
//! password, sign out everywhere, delete the account. Other devices learn of
//! it at their next request or at once on their live stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::events::{Events, Next};
use common::{Device, TestServer, account, http};
use protocol::ErrorBody;

const SOON: Duration = Duration::from_secs(5);

async fn send(
    method: reqwest::Method,
    base: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, Option<ErrorBody>) {
    let mut request = http()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        request = request.json(&b);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.ok())
}

async fn sign_in(base: &str, username: &str, password: &str) -> u16 {
    http()
        .post(format!("{base}/api/sessions"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_new_password_needs_the_old_one_and_ends_every_other_session() {
    let server = TestServer::start().await;
    let base = server.url("");
    let here = account(&base, "ann", "password one").await;
    let lost_laptop = account(&base, "ann", "password one").await;
    let mut laptop_stream = Events::open(&server, &lost_laptop).await.unwrap();
    assert_eq!(laptop_stream.poke(SOON).await, Next::Poke(0));

    let change =
        |current: &str, new: &str| serde_json::json!({ "password": current, "new_password": new });
    let (status, body) = send(
        reqwest::Method::PUT,
        &base,
        "/api/account/password",
        &here,
        Some(change("not it", "password two")),
    )
    .await;
    assert_eq!(status, 403, "a wrong password is not a lost session");
    assert_eq!(body.unwrap().error, "wrong password");
    let (status, _) = send(
        reqwest::Method::PUT,
        &base,
        "/api/account/password",
        &here,
        Some(change("password one", "short")),
    )
    .await;
    assert_eq!(status, 400);

    let (status, _) = send(
        reqwest::Method::PUT,
        &base,
        "/api/account/password",
        &here,
        Some(change("password one", "password two")),
    )
    .await;
    assert_eq!(status, 204);
    // The laptop's stream ends now, and its syncs are asked to sign in.
    assert_eq!(laptop_stream.poke(SOON).await, Next::Ended);
    let mut laptop = Device::new(&base, &lost_laptop);
    assert_eq!(laptop.round().await.err().unwrap().0, 401);
    // This device goes on.
    let mut phone = Device::new(&base, &here);
    phone.put("n1", "still here");
    phone.sync().await;
    assert_eq!(sign_in(&base, "ann", "password one").await, 401);
    assert_eq!(sign_in(&base, "ann", "password two").await, 200);
    server.stop().await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_stream_of_the_account_only() {
    let server = TestServer::start().await;
    let base = server.url("");
    let phone = account(&base, "ann", "password one").await;
    let laptop = account(&base, "ann", "password one").await;
    let bob = account(&base, "bob", "password two").await;
    let mut laptop_stream = Events::open(&server, &laptop).await.unwrap();
    let mut bob_stream = Events::open(&server, &bob).await.unwrap();
    assert_eq!(laptop_stream.poke(SOON).await, Next::Poke(0));
    assert_eq!(bob_stream.poke(SOON).await, Next::Poke(0));

    let (status, _) = send(
        reqwest::Method::DELETE,
        &base,
        "/api/account/sessions",
        &phone,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(laptop_stream.poke(SOON).await, Next::Ended);
    for token in [&phone, &laptop] {
        assert_eq!(
            Device::new(&base, token).round().await.err().unwrap().0,
            401
        );
        assert_eq!(Events::open(&server, token).await.err().unwrap().0, 401);
    }
    assert_eq!(
        bob_stream.poke(Duration::from_millis(300)).await,
        Next::Quiet,
        "another account's stream stays"
    );
    Device::new(&base, &bob).sync().await;
    // Signing in again works as ever.
    assert_eq!(sign_in(&base, "ann", "password one").await, 200);
    server.stop().await;
}

#[tokio::test]
async fn deleting_an_account_needs_its_password_removes_its_notes_and_tells_its_devices() {
    let server = TestServer::start().await;
    let base = server.url("");
    let phone_token = account(&base, "ann", "password one").await;
    let laptop_token = account(&base, "ann", "password one").await;
    let mut phone = Device::new(&base, &phone_token);
    phone.put("n1", "a note the server keeps");
    phone.sync().await;
    let file = server.data_dir().join("users").join("1.db");
    assert!(file.exists());
    let mut laptop_stream = Events::open(&server, &laptop_token).await.unwrap();
    assert!(matches!(laptop_stream.poke(SOON).await, Next::Poke(v) if v > 0));

    let delete = |password: &str| Some(serde_json::json!({ "password": password }));
    let (status, _) = send(
        reqwest::Method::DELETE,
        &base,
        "/api/account",
        &phone_token,
        delete("not it"),
    )
    .await;
    assert_eq!(status, 403);
    assert!(file.exists(), "nothing deleted on a wrong password");

    let (status, _) = send(
        reqwest::Method::DELETE,
        &base,
        "/api/account",
        &phone_token,
        delete("password one"),
    )
    .await;
    assert_eq!(status, 204);
    assert!(!file.exists(), "the notes on the server are gone");
    for suffix in ["-wal", "-shm"] {
        assert!(
            !server
                .data_dir()
                .join("users")
                .join(format!("1.db{suffix}"))
                .exists()
        );
    }
    // The laptop's stream ends, and what it sends next is answered 410
    // with a code that says why, in words.
    assert_eq!(laptop_stream.poke(SOON).await, Next::Ended);
    let mut laptop = Device::new(&base, &laptop_token);
    laptop.put("n2", "written on the laptop");
    let (status, body) = laptop.round().await.err().unwrap();
    assert_eq!(status, 410);
    let body: ErrorBody = serde_json::from_str(&body).unwrap();
    assert_eq!(body.code.as_deref(), Some(protocol::ACCOUNT_DELETED));
    assert!(body.error.contains("deleted"), "{}", body.error);
    assert_eq!(
        Events::open(&server, &laptop_token).await.err().unwrap().0,
        410
    );
    assert!(!file.exists(), "a late sync does not bring the file back");
    assert_eq!(sign_in(&base, "ann", "password one").await, 401);

    // The name is free again, and the new account starts empty.
    let fresh = account(&base, "Ann", "another password").await;
    let mut new_device = Device::new(&base, &fresh);
    new_device.sync().await;
    assert!(new_device.notes().is_empty());

    // A file written again by a request that slipped past the deletion is
    // removed when the server next starts.
    std::fs::write(&file, b"left behind").unwrap();
    let restarted =
        server::AppState::open(&server::Config::with_data_dir(server.data_dir())).unwrap();
    assert!(!file.exists());
    drop(restarted);
    server.stop().await;
}
