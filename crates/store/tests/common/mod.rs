//! Helpers shared by the store tests, natively and in a browser worker.
#![allow(dead_code)]

use store::{Change, ChangeFilter, Store, Value};

/// Every change `from` has, applied to `to`.
pub fn copy_all(from: &Store, to: &mut Store) -> Vec<Change> {
    let page = from
        .changes_since(0, ChangeFilter::All, usize::MAX)
        .expect("read changes");
    assert!(!page.more);
    to.apply_changes(&page.changes).expect("apply changes");
    page.changes
}

/// Syncs two replicas both ways.
pub fn sync_both_ways(a: &mut Store, b: &mut Store) {
    copy_all(a, b);
    copy_all(b, a);
}

/// The rows of a CRR (`note_versions`, used here as a plain replicated table)
/// as `(id, body)`, sorted by id.
pub fn notes(s: &Store) -> Vec<(String, String)> {
    let mut stmt = s
        .conn()
        .prepare("SELECT id, body FROM note_versions ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Writes one row of `note_versions` directly: these tests are about
/// cr-sqlite's merge of a column, not about notes (tests/notes_merge.rs is).
pub fn put_note(s: &Store, id: &str, body: &str) {
    s.conn()
        .execute(
            "INSERT INTO note_versions (id, body) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            (id, body),
        )
        .expect("write note");
}

/// All of a replica's changes, for before/after comparisons.
pub fn all_changes(s: &Store) -> Vec<Change> {
    s.changes_since(0, ChangeFilter::All, usize::MAX)
        .expect("read changes")
        .changes
}

/// Values compared exactly: floats by their bits, so -0.0 differs from 0.0.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// A database file for tests that close and reopen: a temp dir natively, OPFS
/// (the browser's real storage) in the wasm worker.
#[cfg(not(target_family = "wasm"))]
pub struct DbFile {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub options: store::OpenOptions,
}

#[cfg(not(target_family = "wasm"))]
pub fn db_file(name: &str) -> DbFile {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    DbFile {
        _dir: dir,
        path,
        options: store::OpenOptions::default(),
    }
}

#[cfg(target_family = "wasm")]
pub struct DbFile {
    pub path: std::path::PathBuf,
    pub options: store::OpenOptions,
}

#[cfg(target_family = "wasm")]
pub async fn db_file(name: &str) -> DbFile {
    use sqlite_wasm_vfs::sahpool::{OpfsSAHPoolCfgBuilder, install};
    let cfg = OpfsSAHPoolCfgBuilder::new()
        .vfs_name("store-tests")
        .directory("store-tests")
        .clear_on_init(true)
        .build();
    install::<sqlite_wasm_rs::WasmOsCallback>(&cfg, false)
        .await
        .expect("install OPFS VFS");
    DbFile {
        path: format!("/{name}").into(),
        options: store::OpenOptions {
            journal: store::Journal::WalExclusive,
            vfs: Some("store-tests".into()),
            ..Default::default()
        },
    }
}
