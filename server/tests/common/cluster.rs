//! A real cluster on loopback: `nats-server -js` on a free port and server
//! nodes as processes of the real binary, sharing one data directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream::kv;
use futures_util::StreamExt;
use server::cluster::leases::{Holder, LeaseValue, SERVE_FRACTION};

use super::http;

pub const SHARDS: u16 = 16;

pub struct Nats {
    child: Option<Child>,
    pub url: String,
    port: u16,
    store: PathBuf,
}

impl Nats {
    pub fn start(dir: &Path) -> Self {
        let store = dir.join("nats");
        std::fs::create_dir_all(&store).unwrap();
        let (child, port) = spawn_nats(&store, None);
        Self {
            child: Some(child),
            url: format!("nats://127.0.0.1:{port}"),
            port,
            store,
        }
    }

    /// Stops NATS (SIGTERM, as an operator would) and starts it again on
    /// the same port and storage after `away`; returns how long it was away.
    pub fn restart(&mut self, away: Duration) -> Duration {
        let started = Instant::now();
        self.stop();
        std::thread::sleep(away);
        self.start_again();
        started.elapsed()
    }

    /// SIGTERM, as an operator would.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate(child);
        }
    }

    /// Starts again on the same port and storage.
    pub fn start_again(&mut self) {
        let (child, _) = spawn_nats(&self.store, Some(self.port));
        self.child = Some(child);
    }

    pub async fn bucket(&self) -> kv::Store {
        let client = async_nats::connect(&self.url).await.unwrap();
        async_nats::jetstream::new(client)
            .get_key_value(server::cluster::directory::BUCKET)
            .await
            .unwrap()
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_nats(store: &Path, port: Option<u16>) -> (Child, u16) {
    let port_arg = port.map_or("-1".to_owned(), |p| p.to_string());
    let mut child = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port_arg, "-js", "-sd"])
        .arg(store)
        .arg("--ports_file_dir")
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server (scripts/setup.sh installs it)");
    let ports_file = store.join(format!("nats-server_{}.ports", child.id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(&ports_file)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(url) = v["nats"][0].as_str()
        {
            let port = url.rsplit(':').next().unwrap().parse().unwrap();
            return (child, port);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("nats-server ended at start: {status:?}");
        }
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn terminate(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

pub struct Node {
    child: Option<Child>,
    pub id: String,
    pub url: String,
}

impl Node {
    pub fn start(nats: &Nats, data_dir: &Path, id: &str, lease: Duration) -> Self {
        Self::start_logging(nats, data_dir, id, lease, "info", &[])
    }

    /// `log_level`: `RUST_LOG` of the node (benchmarks: `warn`, as a line
    /// per request would be measured too); `extra`: more arguments.
    pub fn start_logging(
        nats: &Nats,
        data_dir: &Path,
        id: &str,
        lease: Duration,
        log_level: &str,
        extra: &[&str],
    ) -> Self {
        // Appended: a node started again keeps its first run's log.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join(format!("{id}.log")))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--listen", "127.0.0.1:0", "--static-dir", "no-dist"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--nats", &nats.url, "--node-id", id])
            .args(["--shards", &SHARDS.to_string()])
            .args(["--lease", &format!("{}ms", lease.as_millis())])
            // Nodes forward with X-Forwarded-For: believed from each other.
            .args(["--trusted-proxy", "127.0.0.1"])
            .args(["--sign-ups-per-hour-per-address", "1000000"])
            .args(["--sign-ups-per-minute", "1000000"])
            .args(extra)
            .env("RUST_LOG", log_level)
            .stdout(Stdio::piped())
            .stderr(log.try_clone().unwrap())
            .spawn()
            .unwrap();
        let url = super::listening_url_then(&mut child, log.try_clone().ok());
        Self {
            child: Some(child),
            id: id.into(),
            url,
        }
    }

    /// `kill -9`: no goodbye, no shard given up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// SIGTERM: the node gives its shards up and closes.
    pub fn stop(&mut self) {
        if let Some(c) = self.child.take() {
            terminate(c);
        }
    }

    /// Shards served here, by `/health`.
    pub async fn shards(&self) -> Option<u64> {
        let r = http()
            .get(format!("{}/health", self.url))
            .send()
            .await
            .ok()?;
        r.json::<serde_json::Value>().await.ok()?["shards"].as_u64()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where the nodes keep their shards' files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Disks {
    /// One data directory, `<dir>/data`, for all.
    Shared,
    /// A directory each, `<dir>/data-<id>`.
    OwnEach,
}

/// The data directory of node `id`.
pub fn data_dir(dir: &Path, disks: Disks, id: &str) -> PathBuf {
    match disks {
        Disks::Shared => dir.join("data"),
        Disks::OwnEach => dir.join(format!("data-{id}")),
    }
}

/// NATS and nodes `a`, `b` and `c` on one shared data directory in `dir`,
/// once every shard is served.
pub async fn three_nodes(
    dir: &Path,
    lease: Duration,
    log_level: &str,
    extra: &[&str],
) -> (Nats, Vec<Node>) {
    three_nodes_on(dir, Disks::Shared, lease, log_level, extra).await
}

/// The same, on the disks given.
pub async fn three_nodes_on(
    dir: &Path,
    disks: Disks,
    lease: Duration,
    log_level: &str,
    extra: &[&str],
) -> (Nats, Vec<Node>) {
    let nats = Nats::start(dir);
    let nodes: Vec<Node> = ["a", "b", "c"]
        .iter()
        .map(|id| {
            let data = data_dir(dir, disks, id);
            std::fs::create_dir_all(&data).unwrap();
            Node::start_logging(&nats, &data, id, lease, log_level, extra)
        })
        .collect();
    all_shards_served(&nodes.iter().collect::<Vec<_>>(), Duration::from_secs(30)).await;
    (nats, nodes)
}

/// Waits until the nodes together serve every shard.
pub async fn all_shards_served(nodes: &[&Node], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let mut total = 0;
        for n in nodes {
            total += n.shards().await.unwrap_or(0);
        }
        if total == u64::from(SHARDS) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{total} of {SHARDS} shards served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The node holding `shard` now, by the bucket.
pub async fn holder(bucket: &kv::Store, shard: u16) -> Option<Holder> {
    let value = bucket.get(format!("shard.{shard}")).await.unwrap()?;
    serde_json::from_slice::<LeaseValue>(&value).unwrap()
}

/// Checks from the bucket's history that no shard ever had two holders at
/// once: whenever a shard passed from one node to another without being
/// given up, the new holder wrote at least the serving part of a lease
/// after the old holder's last renewal (when the old one had stopped).
/// Returns how many such hand-overs were seen.
pub async fn never_two_holders(bucket: &kv::Store, lease: Duration) -> usize {
    let mut takeovers = 0;
    for shard in 0..SHARDS {
        let mut history = bucket.history(format!("shard.{shard}")).await.unwrap();
        let mut previous: Option<(LeaseValue, time::OffsetDateTime)> = None;
        while let Some(entry) = history.next().await {
            let entry = entry.unwrap();
            let value: LeaseValue = serde_json::from_slice(&entry.value).unwrap_or(None);
            if let Some((Some(before), at)) = &previous
                && let Some(now) = &value
                && before.node != now.node
            {
                let gap = entry.created - *at;
                let gap = Duration::try_from(gap).unwrap_or_default();
                assert!(
                    gap >= lease.mul_f64(SERVE_FRACTION),
                    "shard {shard}: {} took over from {} after {gap:?}, before it had stopped",
                    now.node,
                    before.node
                );
                takeovers += 1;
            }
            previous = Some((value, entry.created));
        }
    }
    takeovers
}

/// The shard whose token this is.
pub fn shard_of_token(token: &str) -> u16 {
    token.split_once('.').unwrap().0.parse().unwrap()
}
