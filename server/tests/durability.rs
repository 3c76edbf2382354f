#![allow(clippy::unwrap_used)]
//! The server process is killed (SIGKILL) while clients sync; after a restart
//! every change it acknowledged is there and the databases are intact.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_change_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, base) = spawn_server(&data);
    let token = account(&base, "durable", "password one").await;

    // Four devices write and sync in a loop; each records what was acknowledged.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut tasks = Vec::new();
    for d in 0..4 {
        let (base, token, acked) = (base.clone(), token.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut dev = Device::new(&base, &token);
            for i in 0.. {
                let id = format!("d{d}-{i:04}");
                dev.put(&id, &format!("note {i} of device {d}"));
                match dev.round().await {
                    // Everything written before this round is now acknowledged.
                    Ok(_) => acked
                        .lock()
                        .unwrap()
                        .extend(dev.notes().into_iter().map(|(id, _)| id)),
                    Err(_) => return i, // the server is gone
                }
            }
            unreachable!()
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, no finalize
    server.wait().unwrap();
    let mut written = 0;
    for t in tasks {
        written += t.await.unwrap();
    }
    let acked: std::collections::BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(
        acked.len() > 10,
        "too little traffic before the kill: {}",
        acked.len()
    );

    let (mut server, base) = spawn_server(&data);
    let token = account(&base, "durable", "password one").await;
    let mut reader = Device::new(&base, &token);
    reader.sync().await;
    let present: std::collections::BTreeSet<String> =
        reader.notes().into_iter().map(|(id, _)| id).collect();
    let lost: Vec<&String> = acked.difference(&present).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost after SIGKILL: {lost:?}"
    );
    eprintln!(
        "{} writes, {} acknowledged, {} present after restart",
        written,
        acked.len(),
        present.len()
    );

    for db in ["accounts.db", "users/1.db"] {
        let conn = rusqlite::Connection::open(data.join(db)).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{db}");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, base) = spawn_server(&data);
    let token = account(&base, "polite", "password one").await;
    let mut dev = Device::new(&base, &token);
    dev.put("n", "kept");
    dev.sync().await;
    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = server.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    // Finalized and closed: the WAL was checkpointed away on the last close.
    assert!(!data.join("users/1.db-wal").exists());
}
