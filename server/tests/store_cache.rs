//! The open-database cache with room for one database and two users: each
//! file has one connection at a time, whether the users sync in turns or
//! at once, and nothing written is lost across the evictions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Device, TestServer, account};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_database_and_two_users_never_share_or_lose_a_file() {
    let server = TestServer::start_with(|c| c.max_open_databases = 1).await;
    let base = server.url("");
    let (ta, tb) = (
        account(&base, "alice", "correct horse").await,
        account(&base, "bob", "battery staple").await,
    );
    let mut a = Device::new(&base, &ta);
    let mut b = Device::new(&base, &tb);

    // In turns: each sync evicts the other user's database.
    for i in 0..10 {
        a.put(&format!("a{i}"), &format!("alice {i}"));
        a.sync().await;
        b.put(&format!("b{i}"), &format!("bob {i}"));
        b.sync().await;
    }
    assert!(
        server.state.stores.opens() >= 20,
        "every turn reopens a file: {} opens",
        server.state.stores.opens()
    );

    // At once: two devices per user, all syncing together, so that one
    // user's database is in use while the other's asks for the only room.
    let mut a2 = Device::new(&base, &ta);
    let mut b2 = Device::new(&base, &tb);
    for i in 10..20 {
        a.put(&format!("a{i}"), &format!("alice {i}"));
        b.put(&format!("b{i}"), &format!("bob {i}"));
        tokio::join!(a.sync(), a2.sync(), b.sync(), b2.sync());
    }
    a2.sync().await;
    b2.sync().await;

    // A request that holds alice's database (as a slow merge does) while
    // bob's takes the only room: alice's next request must get the same
    // connection, not a second one.
    let alice = server.state.accounts.session(&ta).unwrap().user;
    let state = server.state.clone();
    let held = tokio::task::spawn_blocking(move || state.stores.get(alice).unwrap())
        .await
        .unwrap();
    b.put("b-held", held_text("bob"));
    b.sync().await;
    a.put("a-held", held_text("alice"));
    a.sync().await;
    drop(held);
    a2.sync().await;
    b2.sync().await;

    assert_eq!(
        server.state.stores.most_connections_per_file(),
        1,
        "a database file had two connections at once"
    );
    let expect = |who: &str| {
        let mut v: Vec<(String, String)> = (0..20)
            .map(|i| (format!("{}{i}", &who[..1]), format!("{who} {i}")))
            .collect();
        v.push((format!("{}-held", &who[..1]), held_text(who).to_owned()));
        v.sort();
        v
    };
    assert_eq!(a2.notes(), expect("alice"));
    assert_eq!(b2.notes(), expect("bob"));
    server.stop().await;
}

fn held_text(who: &str) -> &'static str {
    if who == "alice" {
        "alice while hers is held"
    } else {
        "bob while alice's is held"
    }
}

/// One user's database opens slowly (another process holds its write lock,
/// so starting the new epoch waits up to the 5 s busy timeout); another
/// user's Sync meanwhile is answered as fast as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_opening_does_not_hold_up_another_users_sync() {
    let server = TestServer::start().await;
    let base = server.url("");
    let (ta, tb) = (
        account(&base, "alice", "correct horse").await,
        account(&base, "bob", "battery staple").await,
    );
    let mut a = Device::new(&base, &ta);
    let mut b = Device::new(&base, &tb);
    a.sync().await;
    b.sync().await;
    // Closed: alice's next request opens her file again.
    let state = server.state.clone();
    tokio::task::spawn_blocking(move || state.stores.close_all())
        .await
        .unwrap();
    let alice = server.state.accounts.session(&ta).unwrap().user;
    let file = server.state.stores.path(alice);
    let locker = rusqlite::Connection::open(&file).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();

    a.put("a1", "waits for the lock");
    let round = sync::client::prepare(&a.store, 1000).unwrap();
    let slow = reqwest::Client::new()
        .post(server.url("/sync"))
        .bearer_auth(&ta)
        .json(&round.request)
        .send();
    let slow = tokio::spawn(slow);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let started = std::time::Instant::now();
    b.put("b1", "meanwhile");
    b.sync().await;
    let took = started.elapsed();
    assert!(!slow.is_finished(), "alice's database was still opening");
    locker.execute_batch("COMMIT").unwrap();
    drop(locker);
    let _ = slow.await.unwrap();
    eprintln!("bob's sync while alice's database was opening: {took:?}");
    assert!(
        took < std::time::Duration::from_secs(2),
        "bob waited {took:?} for alice's database to open"
    );
    a.sync().await;
    assert_eq!(
        a.notes(),
        vec![("a1".to_owned(), "waits for the lock".to_owned())]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_share_closes_the_least_recently_used_databases_no_request_holds() {
    let server = TestServer::start_with(|c| c.max_open_databases = 8).await;
    let base = server.url("");
    let mut users = Vec::new();
    for name in ["ann", "bo", "cy", "di"] {
        let token = account(&base, name, "password one").await;
        let mut d = Device::new(&base, &token);
        d.put("n", name);
        d.sync().await;
        users.push((server.state.accounts.session(&token).unwrap().user, d));
    }
    assert_eq!(server.state.stores.len(), 4);
    // ann's database is held (a slow merge) while the share shrinks to one.
    let state = server.state.clone();
    let ann = users[0].0;
    let held = tokio::task::spawn_blocking(move || state.stores.get(ann).unwrap())
        .await
        .unwrap();
    let state = server.state.clone();
    tokio::task::spawn_blocking(move || {
        state.stores.set_capacity(std::num::NonZeroUsize::MIN);
    })
    .await
    .unwrap();
    assert_eq!(server.state.stores.len(), 1, "only the held one stays");
    drop(held);
    // Nothing was lost: each device syncs again with what it wrote.
    for (_, d) in &mut users {
        d.sync().await;
        assert_eq!(d.notes().len(), 1);
    }
    assert_eq!(server.state.stores.most_connections_per_file(), 1);
}
