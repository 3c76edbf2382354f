//! What keeps sign-ins and sign-ups from being abused: attempts are limited
//! per name and address and per address, accounts created per address and
//! overall, and password hashes (argon2, 19 MiB each) run a few at a time,
//! never for names without an account.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestServer, account, http};

async fn sign_in(base: &str, username: &str, password: &str) -> reqwest::Response {
    sign_in_from(base, "127.0.0.1", username, password).await
}

/// Through a proxy the server trusts (the test's loopback), as a client at `from`.
async fn sign_in_from(base: &str, from: &str, username: &str, password: &str) -> reqwest::Response {
    post_from(base, "/api/sessions", from, username, password).await
}

async fn post_from(
    base: &str,
    path: &str,
    from: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    http()
        .post(format!("{base}{path}"))
        .header("x-forwarded-for", from)
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A server behind a proxy on loopback, so that tests can speak as several
/// client addresses.
async fn behind_proxy(tweak: impl FnOnce(&mut server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        tweak(c);
    })
    .await
}

#[tokio::test]
async fn guessing_one_names_password_from_one_address_is_limited_and_its_owner_still_signs_in_elsewhere()
 {
    let server = behind_proxy(|c| c.sign_ins_per_minute = 3).await;
    let base = server.url("");
    account(&base, "ann", "password one").await;
    let guesser = "203.0.113.66";
    for _ in 0..3 {
        let r = sign_in_from(&base, guesser, "ann", "wrong guess").await;
        assert_eq!(r.status(), 401);
    }
    // The limit holds for the right password too: a guesser cannot tell,
    // and spelling the name another way is the same name.
    for name in ["ann", "ANN"] {
        let r = sign_in_from(&base, guesser, name, "password one").await;
        assert_eq!(r.status(), 429);
        assert!((1..=60).contains(&retry_after(&r)));
        let body = r.text().await.unwrap();
        assert!(body.contains("too many sign-in attempts"), "{body}");
    }
    // Ann, anywhere else, is not locked out.
    let r = sign_in_from(&base, "198.51.100.7", "ann", "password one").await;
    assert_eq!(r.status(), 200);
    // Nor is another name from the guesser's address.
    account(&base, "bob", "password two").await;
    let r = sign_in_from(&base, guesser, "bob", "password two").await;
    assert_eq!(r.status(), 200);
    // A name no account can have costs neither a hash nor a bucket.
    let r = sign_in(&base, &"x".repeat(1000), "password one").await;
    assert_eq!(r.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn one_address_trying_many_names_is_limited_and_others_are_not() {
    let server = behind_proxy(|c| c.sign_ins_per_minute_per_address = 5).await;
    let base = server.url("");
    let sprayer = "203.0.113.66";
    for i in 0..5 {
        let r = sign_in_from(&base, sprayer, &format!("user{i}"), "password one").await;
        assert_eq!(r.status(), 401);
    }
    let r = sign_in_from(&base, sprayer, "user5", "password one").await;
    assert_eq!(r.status(), 429);
    let r = sign_in_from(&base, "198.51.100.7", "user5", "password one").await;
    assert_eq!(r.status(), 401, "another address is not held back");
    server.stop().await;
}

#[tokio::test]
async fn an_address_says_who_it_forwards_for_only_when_it_is_a_trusted_proxy() {
    // No trusted proxy: X-Forwarded-For is the client's own claim.
    let server = TestServer::start_with(|c| c.sign_ins_per_minute_per_address = 2).await;
    let base = server.url("");
    for i in 0..2 {
        let r = sign_in_from(&base, &format!("198.51.100.{i}"), "nobody", "password one").await;
        assert_eq!(r.status(), 401);
    }
    let r = sign_in_from(&base, "198.51.100.9", "nobody", "password one").await;
    assert_eq!(
        r.status(),
        429,
        "a made-up address does not escape the limit"
    );
    server.stop().await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_on_the_whole_server() {
    let server = behind_proxy(|c| {
        c.sign_ups_per_hour_per_address = 2;
        c.sign_ups_per_minute = 3;
    })
    .await;
    let base = server.url("");
    let sign_up = |from: &'static str, name: &'static str| {
        let base = base.clone();
        async move { post_from(&base, "/api/accounts", from, name, "password one").await }
    };
    assert_eq!(sign_up("203.0.113.1", "a1").await.status(), 201);
    assert_eq!(sign_up("203.0.113.1", "a2").await.status(), 201);
    let r = sign_up("203.0.113.1", "a3").await;
    assert_eq!(r.status(), 429);
    assert!(retry_after(&r) >= 1);
    let body = r.text().await.unwrap();
    assert!(body.contains("too many accounts were created"), "{body}");
    // Another address may, until the server's own limit.
    assert_eq!(sign_up("203.0.113.2", "b1").await.status(), 201);
    assert_eq!(sign_up("203.0.113.3", "c1").await.status(), 429);
    server.stop().await;
}

#[tokio::test]
async fn sign_ins_for_names_without_an_account_take_no_hashing_slot() {
    let server = TestServer::start_with(|c| {
        c.max_password_hashes = Some(1);
        c.password_queue_wait = Duration::from_millis(300);
    })
    .await;
    let base = server.url("");
    account(&base, "ann", "password one").await;
    // Every slot is held; a sign-in for a real name waits and gives up...
    let held = server
        .state
        .password_hashes
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    assert_eq!(sign_in(&base, "ann", "password one").await.status(), 503);
    // ... but a flood for names that do not exist answers 401 without one,
    // taking about as long as checking a password does.
    let started = std::time::Instant::now();
    let flood: Vec<_> = (0..20)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                sign_in(&base, &format!("ghost{i}"), "password one")
                    .await
                    .status()
            })
        })
        .collect();
    for f in flood {
        assert_eq!(f.await.unwrap(), 401);
    }
    assert!(started.elapsed() >= server.state.accounts.verify_time);
    drop(held);
    assert_eq!(sign_in(&base, "ann", "password one").await.status(), 200);
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
