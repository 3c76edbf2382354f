//! A real server on 127.0.0.1:0 and clients that sync over real HTTP, each with
//! its own local cr-sqlite database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cluster;
pub mod events;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use protocol::{SessionToken, SyncResponse};
use server::{AppState, Config};
use store::Store;
use tokio::sync::oneshot;

pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_data_dir(dir.path().join("data"));
        config.static_dir = dir.path().join("no-dist");
        // Every test client speaks from 127.0.0.1: the limits per address
        // are for the tests that check them (sign_in_limits.rs).
        config.sign_ups_per_hour_per_address = 1_000_000;
        config.sign_ups_per_minute = 1_000_000;
        config.sign_ins_per_minute_per_address = 1_000_000;
        tweak(&mut config);
        let state = AppState::open(&config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let (serving, static_dir) = (state.clone(), config.static_dir.clone());
        let task = tokio::spawn(async move {
            server::serve(listener, serving, &static_dir, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            state,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
        self.state.clone().close().await;
    }
}

/// A client that sees answers as the server sent them: the tests check
/// `Content-Encoding` and decode bodies themselves, and reqwest would undo
/// gzip and zstd by itself once another crate of the workspace (the `notes`
/// command line) turns those features on.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_zstd()
        .build()
        .expect("an HTTP client")
}

/// Signs up (if needed) and in; returns the bearer token.
pub async fn account(base: &str, username: &str, password: &str) -> String {
    let body = serde_json::json!({ "username": username, "password": password });
    let r = http()
        .post(format!("{base}/api/accounts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status() == 201 || r.status() == 409,
        "sign up: {}",
        r.status()
    );
    let r = http()
        .post(format!("{base}/api/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<SessionToken>().await.unwrap().token
}

/// A device: its own local database and the server's base URL.
pub struct Device {
    pub store: Store,
    pub base: String,
    pub token: String,
}

impl Device {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            store: Store::open_in_memory().unwrap(),
            base: base.into(),
            token: token.into(),
        }
    }

    pub fn open(path: &Path, base: &str, token: &str) -> Self {
        Self {
            store: Store::open(path, &Default::default()).unwrap(),
            base: base.into(),
            token: token.into(),
        }
    }

    pub fn put(&mut self, id: &str, body: &str) {
        self.store.save_note(id, body, now_ms()).unwrap();
    }

    /// Deletes a note for good (trash, then empty it).
    pub fn delete(&mut self, id: &str) {
        self.store.delete_note(id, now_ms()).unwrap();
        self.store.delete_forever(id).unwrap();
    }

    /// The notes outside the trash, as `(id, text)`, sorted by id.
    pub fn notes(&self) -> Vec<(String, String)> {
        self.store
            .all_notes()
            .unwrap()
            .into_iter()
            .filter(|n| n.deleted_at.is_none())
            .map(|n| (n.id, n.body))
            .collect()
    }

    /// One round over HTTP; the response, or the error status and body.
    pub async fn round(
        &mut self,
    ) -> Result<(bool, SyncResponse, Vec<protocol::WireChange>), (u16, String)> {
        let round = sync::client::prepare(&self.store, 1000).unwrap();
        let r = http()
            .post(format!("{}/sync", self.base))
            .bearer_auth(&self.token)
            .json(&round.request)
            .send()
            .await
            .map_err(|e| (0, e.to_string()))?;
        let status = r.status().as_u16();
        if status != 200 {
            return Err((status, r.text().await.unwrap_or_default()));
        }
        let response: SyncResponse = r.json().await.unwrap();
        let progress = sync::client::absorb(&mut self.store, &round, &response).unwrap();
        Ok((progress.done, response, round.request.changes))
    }

    /// Syncs until done; returns every change received, to check for echoes.
    pub async fn sync(&mut self) -> Vec<protocol::WireChange> {
        let mut received = Vec::new();
        for _ in 0..10_000 {
            let (done, response, _) = self
                .round()
                .await
                .unwrap_or_else(|e| panic!("sync failed: {e:?}"));
            received.extend(response.changes);
            if done {
                return received;
            }
        }
        panic!("sync did not finish");
    }
}

/// Milliseconds since the Unix epoch, for notes' timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Starts the real server binary; returns it and its base URL.
pub fn spawn_server(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            "no-dist",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = listening_url(&mut child);
    (child, url)
}

/// The base URL a server child prints on its first line once it listens.
pub fn listening_url(child: &mut Child) -> String {
    listening_url_then(child, None)
}

/// The same; the rest of its standard output (its log) goes to `log`.
pub fn listening_url_then(child: &mut Child, log: Option<std::fs::File>) -> String {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    if let Some(mut log) = log {
        std::thread::spawn(move || std::io::copy(&mut out, &mut log));
    }
    url
}

/// Stops a server started by [`spawn_server`] with SIGTERM, as an operator
/// does, and waits for it to finish closing its databases.
pub fn stop_server(mut server: Child) {
    let pid = server.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}
