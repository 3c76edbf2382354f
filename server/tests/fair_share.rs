//! One user's flood of large pushes does not stall another user's Sync:
//! a few of the flood's requests are worked on at once, the rest get 429
//! with `Retry-After` before their bodies are read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Device, TestServer, account};

const FLOOD: usize = 120;
const CHANGES: usize = 10_000;

/// A push of `CHANGES` changes from a fresh device, as JSON.
fn big_push() -> Vec<u8> {
    let mut dev = Device::new("http://unused", "unused");
    let body = "a line of a note\nand another one\n";
    let ids: Vec<String> = (0..2_000).map(|i| format!("n{i}")).collect();
    let notes: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), body)).collect();
    dev.store.save_notes(&notes, common::now_ms()).unwrap();
    let round = sync::client::prepare(&dev.store, CHANGES).unwrap();
    assert_eq!(round.request.changes.len(), CHANGES, "a full push");
    serde_json::to_vec(&round.request).unwrap()
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 95).div_ceil(100) - 1]
}

/// Another user's Sync rounds (a note pushed, the answer pulled) while one
/// token sends `FLOOD` pushes of `CHANGES` changes at once; returns the
/// rounds' p95 and the flood's statuses.
async fn other_users_p95_under_flood(server: &TestServer) -> (Duration, Vec<u16>) {
    let base = server.url("");
    let flooder = account(&base, "flooder", "correct horse").await;
    let other = account(&base, "other", "battery staple").await;
    let mut dev = Device::new(&base, &other);
    dev.put("warm", "up");
    dev.sync().await;

    // Cheap to clone per request.
    let body = axum::body::Bytes::from(big_push());
    let client = reqwest::Client::new();
    let flood: Vec<_> = (0..FLOOD)
        .map(|_| {
            let request = client
                .post(server.url("/sync"))
                .bearer_auth(&flooder)
                .header("content-type", "application/json")
                .body(body.clone());
            tokio::spawn(async move {
                // A refused request may see its connection closed while
                // its body is still being sent: no status then.
                request.send().await.map_or(0, |r| r.status().as_u16())
            })
        })
        .collect();

    let started = Instant::now();
    let mut samples = Vec::new();
    let mut i = 0;
    while samples.len() < 40 && started.elapsed() < Duration::from_secs(40) {
        dev.put(&format!("o{i}"), "while the flood lasts");
        i += 1;
        let t = Instant::now();
        dev.round().await.expect("the other user's sync");
        samples.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.unwrap());
    }
    (p95(samples), statuses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_big_pushes_on_one_token_leaves_another_users_sync_fast() {
    let server = TestServer::start().await;
    let (p95, statuses) = other_users_p95_under_flood(&server).await;
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let worked = statuses.iter().filter(|s| **s == 200).count();
    eprintln!("other user's p95: {p95:?}; flood: {worked} answered, {refused} refused (429)");
    assert!(
        p95 < Duration::from_millis(100),
        "another user's sync p95 was {p95:?} under the flood"
    );
    // Measured: 4 answered, 101 refused, 15 cut off while sending (no
    // status); without the cap all 120 were answered and the p95 was 128 ms.
    assert!(
        worked < FLOOD / 4 && refused > FLOOD / 2,
        "at most a few pushes of one user are worked on: {worked} were, {refused} refused"
    );
    server.stop().await;
}

/// Sends a `/sync` request's headers, announcing a body it never sends.
async fn headers_only(server: &TestServer, token: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /sync HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 8388608\r\n\r\n",
        server.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s
}

/// The answer's head and JSON body, read within 5 s.
async fn answer_head(s: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = vec![0; 4096];
    while !got.ends_with(b"}") {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("answered before the body was sent")
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_over_its_users_limits_is_refused_before_its_body_is_read() {
    let server = TestServer::start_with(|c| {
        c.max_syncs_per_user = 1;
        c.sync_per_second = 1;
        c.sync_burst = 2;
    })
    .await;
    let base = server.url("");
    let token = account(&base, "slowpoke", "correct horse").await;

    // The first holds the user's only place while its body does not come.
    let holding = headers_only(&server, &token).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut second = headers_only(&server, &token).await;
    let head = answer_head(&mut second).await;
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 1\r\n"),
        "{head}"
    );
    assert!(head.contains("syncs under way"), "{head}");

    // Over the rate (a burst of 2, both taken): refused as early.
    let mut third = headers_only(&server, &token).await;
    let head = answer_head(&mut third).await;
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(head.contains("too many requests"), "{head}");
    // Graceful shutdown waits for the request whose body never comes.
    drop(holding);
    server.stop().await;
}
