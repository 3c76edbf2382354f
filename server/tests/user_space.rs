//! `--max-user-mib` counts a user's database file and its write-ahead log
//! together: filled until the server answers 507, both fit in the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Device, TestServer, account};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_file_and_its_log_together_stay_within_its_space() {
    let server = TestServer::start_with(|c| c.max_user_mib = 1).await;
    let token = account(&server.url(""), "ann", "password one").await;
    let mut a = Device::new(&server.url(""), &token);
    // Notes of a hundred long lines, synced one at a time until refused.
    let mut refused = None;
    for i in 0..100 {
        a.put(
            &format!("n{i}"),
            &format!("{}\n", "a long line of text ".repeat(20)).repeat(100),
        );
        let outcome = loop {
            match a.round().await {
                Ok((true, ..)) => break Ok(()),
                Ok(_) => continue,
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = outcome {
            refused = Some((i, e));
            break;
        }
    }
    let (notes, (status, body)) = refused.expect("the server took more than its limit");
    assert_eq!(status, 507, "{body}");

    let user = server.state.accounts.session(&token).unwrap().user;
    let path = server.state.stores.path(user);
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let (file, log) = (size(&path), size(std::path::Path::new(&wal)));
    eprintln!("refused after {notes} notes: file {file} + log {log} bytes");
    assert!(
        file + log <= 1 << 20,
        "file {file} + log {log} bytes is over the user's 1 MiB"
    );
    server.stop().await;
}
