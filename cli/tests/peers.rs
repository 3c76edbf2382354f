//! The seed lab's flow with the real `notes` binary: a real server on
//! 127.0.0.1:0 (in this process) and command-line peers, each with its own
//! data directory, that write offline, sync and converge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use server::{AppState, Config};

const PASSWORD: &str = "correct horse battery";

/// The server, served by a runtime of its own until the test ends.
struct Server {
    url: String,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::with_data_dir(dir.path().join("data"));
    config.static_dir = dir.path().join("no-dist");
    config.sign_ups_per_hour_per_address = 1_000_000;
    config.sign_ins_per_minute_per_address = 1_000_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let state = AppState::open(&config).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let static_dir = config.static_dir.clone();
    runtime.spawn(async move {
        server::serve(listener, state, &static_dir, std::future::pending()).await
    });
    Server {
        url,
        _dir: dir,
        _runtime: runtime,
    }
}

/// One command-line peer: a data directory of its own.
struct Peer {
    dir: PathBuf,
}

impl Peer {
    fn new(root: &Path, name: &str) -> Self {
        Self {
            dir: root.join(name),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_notes"));
        c.arg("--data-dir").arg(&self.dir).args(args);
        c.env_remove("EDITOR").env_remove("VISUAL");
        c
    }

    /// Runs `notes ARGS` with `input` on stdin.
    fn run_with(&self, args: &[&str], input: &str, editor: Option<&str>) -> Output {
        let mut c = self.command(args);
        if let Some(editor) = editor {
            c.env("EDITOR", editor);
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs `notes ARGS`, which must succeed; its stdout.
    fn ok(&self, args: &[&str], input: &str) -> String {
        let out = self.run_with(args, input, None);
        assert!(
            out.status.success(),
            "notes {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn login(&self, server: &Server, user: &str, create: bool) {
        let mut args = vec!["login", &server.url, user];
        if create {
            args.push("--create");
        }
        self.ok(&args, &format!("{PASSWORD}\n"));
    }

    fn show(&self, note: &str) -> String {
        self.ok(&["show", note], "")
    }
}

#[test]
fn two_peers_write_offline_sync_and_converge_line_by_line() {
    let server = server();
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (Peer::new(root.path(), "a"), Peer::new(root.path(), "b"));
    // Written before signing in: the notes go up with the first sync.
    let early = a.ok(&["new"], "Before signing in\nwritten offline");
    a.login(&server, "alice", true);
    b.login(&server, "alice", false);
    assert!(b.show(early.trim()).contains("written offline"));

    // Each writes offline: a new note each, and each edits another line of
    // one shared note.
    let shared = a.ok(&["new"], "Plan\nline one\nline two\nline three");
    let shared = shared.trim();
    b.ok(&["sync"], "");
    a.run_with(
        &["--offline", "edit", shared],
        "",
        Some("sed -i s/one/ONE/"),
    );
    b.run_with(
        &["--offline", "edit", "Plan"],
        "",
        Some("sed -i s/three/THREE/"),
    );
    a.ok(&["--offline", "new"], "From A");
    b.ok(&["--offline", "new"], "From B");

    for peer in [&a, &b, &a] {
        peer.ok(&["sync"], "");
    }
    let (on_a, on_b) = (a.show(shared), b.show(shared));
    assert_eq!(on_a, "Plan\nline ONE\nline two\nline THREE\n");
    assert_eq!(on_a, on_b);
    let list_a = a.ok(&["list", "--json"], "");
    assert_eq!(list_a, b.ok(&["list", "--json"], ""));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&list_a)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn an_edit_is_put_onto_what_a_sync_merged_while_the_editor_was_open() {
    let server = server();
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (Peer::new(root.path(), "a"), Peer::new(root.path(), "b"));
    a.login(&server, "bob", true);
    b.login(&server, "bob", false);
    let id = a.ok(&["new"], "Trip\npack\nbook\ngo");
    let id = id.trim();
    b.ok(&["sync"], "");
    b.run_with(&["edit", id], "", Some("sed -i s/go/GO/"));
    // A's editor syncs (as a `notes watch` would) before the user saves.
    let editor = format!(
        "{} --data-dir {} sync; sed -i s/pack/PACK/",
        env!("CARGO_BIN_EXE_notes"),
        a.dir.display()
    );
    let out = a.run_with(&["edit", id], "", Some(&editor));
    assert!(out.status.success());
    assert_eq!(a.show(id), "Trip\nPACK\nbook\nGO\n");
    b.ok(&["sync"], "");
    assert_eq!(b.show(id), "Trip\nPACK\nbook\nGO\n");
}

#[test]
fn an_export_imported_by_another_peer_brings_every_note_and_twice_adds_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (Peer::new(root.path(), "a"), Peer::new(root.path(), "b"));
    a.ok(&["new"], "Groceries\nmilk #shop");
    let gone = a.ok(&["new"], "Old idea");
    a.ok(&["rm", gone.trim()], "");
    let zip = root.path().join("notes.zip");
    a.ok(&["export", zip.to_str().unwrap()], "");

    let first = b.ok(&["--json", "import", zip.to_str().unwrap()], "");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["added"], 2);
    let again = b.ok(&["--json", "import", zip.to_str().unwrap()], "");
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        (again["added"].as_u64(), again["already_here"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(a.ok(&["list", "--json"], ""), b.ok(&["list", "--json"], ""));
    assert_eq!(
        a.ok(&["list", "--trash", "--json"], ""),
        b.ok(&["list", "--trash", "--json"], "")
    );
    assert!(b.ok(&["list", "--tag", "#Shop"], "").contains("Groceries"));
}

#[test]
fn watch_prints_another_peers_edit_as_it_happens() {
    let server = server();
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (Peer::new(root.path(), "a"), Peer::new(root.path(), "b"));
    a.login(&server, "carol", true);
    b.login(&server, "carol", false);
    let mut watching = a
        .command(&["--json", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = watching.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    // Give the stream time to open before the edit.
    std::thread::sleep(Duration::from_millis(500));
    let written = Instant::now();
    let id = b.ok(&["new"], "Live from B");
    let line = rx.recv_timeout(Duration::from_secs(10));
    let _ = watching.kill();
    let _ = watching.wait();
    let line = line.expect("watch printed nothing within 10 s");
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["event"], "new");
    assert_eq!(event["id"], id.trim());
    eprintln!(
        "watch saw the note {:?} after it was written",
        written.elapsed()
    );
}

#[test]
fn failures_are_told_in_words_with_their_own_exit_codes() {
    let root = tempfile::tempdir().unwrap();
    let a = Peer::new(root.path(), "a");
    let code = |out: &Output| out.status.code();

    let out = a.run_with(&["sync"], "", None);
    assert_eq!(code(&out), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes login"));

    let out = a.run_with(&["show", "nothing-like-this"], "", None);
    assert_eq!(code(&out), Some(5));

    // A server that is not there: nothing changes, and the user is told.
    let out = a.run_with(
        &["login", "http://127.0.0.1:9", "dave"],
        "pw-pw-pw-pw\n",
        None,
    );
    assert_eq!(code(&out), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer"));

    let out = a.run_with(&["new"], "   \n", None);
    assert_eq!(code(&out), Some(2));

    let server = server();
    let out = a.run_with(&["login", &server.url, "erin", "--create"], "short\n", None);
    assert_eq!(code(&out), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    a.login(&server, "erin", true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a.dir.join("account.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Another account in the same directory would get erin's notes.
    let other = a.run_with(
        &["login", &server.url, "frank", "--create"],
        &format!("{PASSWORD}\n"),
        None,
    );
    assert_eq!(code(&other), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("--data-dir"));
    a.ok(&["logout"], "");
    assert_eq!(code(&a.run_with(&["sync"], "", None)), Some(3));
}

#[test]
fn one_file_imported_on_two_peers_before_they_sync_is_one_note_with_its_text_once() {
    let server = server();
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (Peer::new(root.path(), "a"), Peer::new(root.path(), "b"));
    a.login(&server, "gina", true);
    b.login(&server, "gina", false);
    let file = root.path().join("Recipe.md");
    std::fs::write(&file, "Pancakes\nflour\neggs\n").unwrap();
    for peer in [&a, &b] {
        peer.ok(&["--offline", "import", file.to_str().unwrap()], "");
    }
    for peer in [&a, &b, &a] {
        peer.ok(&["sync"], "");
    }
    for peer in [&a, &b] {
        assert_eq!(peer.show("Pancakes"), "Pancakes\nflour\neggs\n");
        let list: serde_json::Value =
            serde_json::from_str(&peer.ok(&["list", "--json"], "")).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
    }
}
