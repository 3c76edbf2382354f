//! What keeps sign-ins from being abused: attempts per username are limited,
//! and password hashes (argon2, 19 MiB each) run a few at a time.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestServer, account, http};

async fn sign_in(base: &str, username: &str, password: &str) -> reqwest::Response {
    http()
        .post(format!("{base}/api/sessions"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_attempts_for_one_username_are_limited_and_say_when_to_retry() {
    let server = TestServer::start_with(|c| c.sign_ins_per_minute = 3).await;
    let base = server.url("");
    // Signing up signs in once.
    account(&base, "ann", "password one").await;
    for _ in 0..2 {
        assert_eq!(sign_in(&base, "ann", "wrong guess").await.status(), 401);
    }
    // The limit holds for the right password too: a guesser cannot tell.
    let r = sign_in(&base, "ann", "password one").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("too many sign-in attempts for this username"),
        "{body}"
    );

    // Another username is not held back.
    account(&base, "bob", "password two").await;
    // A name no account can have costs neither a hash nor a bucket.
    let r = sign_in(&base, &"x".repeat(1000), "password one").await;
    assert_eq!(r.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn a_sign_in_waits_its_turn_to_hash_and_a_long_wait_answers_503() {
    let server = TestServer::start_with(|c| {
        c.max_password_hashes = Some(1);
        c.password_queue_wait = Duration::from_millis(500);
    })
    .await;
    let base = server.url("");
    account(&base, "ann", "password one").await;

    // Every hashing slot taken (here by the test itself): a sign-in waits,
    // then is told the server is busy and when to come back.
    let held = server
        .state
        .password_hashes
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    let r = sign_in(&base, "ann", "password one").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body = r.text().await.unwrap();
    assert!(body.contains("busy signing other people in"), "{body}");

    // Freed while one waits: that one goes ahead.
    let waiting = tokio::spawn({
        let base = base.clone();
        async move { sign_in(&base, "ann", "password one").await.status() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    assert_eq!(waiting.await.unwrap(), 200);
    server.stop().await;
}
