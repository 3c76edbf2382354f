#![allow(clippy::unwrap_used)]
//! An operator restores a user's database from yesterday's backup: the real
//! server binary, stopped and started as an operator would, and devices
//! syncing over HTTP. Nothing any device wrote is lost, and the server ends
//! with everything.

mod common;

use std::collections::BTreeSet;

use common::*;

fn ids(dev: &Device) -> BTreeSet<String> {
    dev.notes().into_iter().map(|(id, _)| id).collect()
}

#[tokio::test]
async fn a_user_database_restored_from_a_backup_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, base) = spawn_server(&data);
    let token = account(&base, "restored", "password one").await;
    let (mut a, mut b) = (Device::new(&base, &token), Device::new(&base, &token));
    a.put("a-before", "written before the backup");
    b.put("b-before", "written before the backup");
    for dev in [&mut a, &mut b] {
        dev.sync().await;
    }
    a.sync().await;

    stop_server(server);
    let (file, backup) = (data.join("users/1.db"), dir.path().join("backup.db"));
    std::fs::copy(&file, &backup).unwrap();
    let (server, base) = spawn_server(&data);
    for dev in [&mut a, &mut b] {
        dev.base = base.clone();
    }
    for i in 0..3 {
        a.put(&format!("a-after-{i}"), "written after the backup");
        a.sync().await;
        b.put(&format!("b-after-{i}"), "written after the backup");
        b.sync().await;
    }

    stop_server(server);
    std::fs::copy(&backup, &file).unwrap();
    let (server, base) = spawn_server(&data);
    // A third device writes first, moving the restored server's version
    // past what the other two were told.
    let mut c = Device::new(&base, &token);
    for i in 0..10 {
        c.put(&format!("c-{i}"), "written after the restore");
        c.sync().await;
    }
    for dev in [&mut a, &mut b] {
        dev.base = base.clone();
        dev.sync().await;
    }
    for dev in [&mut c, &mut a] {
        dev.sync().await;
    }

    let mut fresh = Device::new(&base, &token);
    fresh.sync().await;
    let everything = ids(&fresh);
    assert_eq!(everything.len(), 2 + 6 + 10, "{everything:?}");
    for (name, dev) in [("a", &a), ("b", &b), ("c", &c)] {
        assert_eq!(ids(dev), everything, "{name} has every note");
    }
    stop_server(server);
}
