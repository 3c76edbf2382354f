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
