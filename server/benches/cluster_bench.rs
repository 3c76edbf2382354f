//! The multi-node mode on loopback (numbers, not pass/fail):
//! `cargo bench -p server --bench cluster_bench`.
//!
//! `nats-server -js` and three release nodes on one shared data directory,
//! as in `tests/cluster.rs`. Printed:
//!
//! - a forwarded request's added time: `BENCH_REQUESTS` (2,000) pulls that
//!   find nothing new, alternately to the shard's holder and through another
//!   node;
//! - a cross-node poke's added time: `BENCH_COMMITS` (200) commits 50 ms
//!   apart, each timed from its push sent to the poke read on a stream
//!   opened at the holder and on one opened at another node, read at once;
//! - requests per second of one node: `BENCH_CLIENTS` (32) accounts pulling
//!   in a closed loop for `BENCH_SECS` (10) s, at their holders and each
//!   through a node not holding it (the per-account rate limit lifted; the
//!   load and the nodes share the host's cores);
//! - takeover of a shard with `BENCH_SHARD_ACCOUNTS` (2,400) account records
//!   and three sessions each (10 M accounts on 4,096 shards), moved by hand:
//!   the time `server shard move` reports;
//! - failover: `kill -9` of the holder with `BENCH_LEASES` ("3s,10s"), the
//!   time until a device's sync goes through again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::cluster::{Nats, Node, holder, shard_of_token, three_nodes};
use common::events::{Events, Next};
use common::{Device, account};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (pct(&ms, 0.5), pct(&ms, 0.95))
}

struct Cluster {
    _dir: tempfile::TempDir,
    nats: Nats,
    nodes: Vec<Node>,
}

async fn start(lease: Duration) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    // Throughput is the node's, not the per-account rate limit's.
    let unlimited = ["--sync-per-second", "100000", "--sync-burst", "100000"];
    let (nats, nodes) = three_nodes(dir.path(), lease, "warn", &unlimited).await;
    Cluster {
        _dir: dir,
        nats,
        nodes,
    }
}

impl Cluster {
    /// The holder of `token`'s shard and another node.
    async fn holder_and_other(&self, token: &str) -> (String, String) {
        let bucket = self.nats.bucket().await;
        let owner = holder(&bucket, shard_of_token(token)).await.unwrap().node;
        let at =
            |pick: &dyn Fn(&Node) -> bool| self.nodes.iter().find(|n| pick(n)).unwrap().url.clone();
        (at(&|n| n.id == owner), at(&|n| n.id != owner))
    }
}

async fn forwarded_requests(c: &Cluster) {
    let n = env_usize("BENCH_REQUESTS", 2_000);
    let token = account(&c.nodes[0].url, "forwarded", "password one").await;
    let (direct, via) = c.holder_and_other(&token).await;
    let mut at_holder = Device::new(&direct, &token);
    let mut through = Device::new(&via, &token);
    at_holder.sync().await;
    through.sync().await;
    let (mut d, mut f) = (Vec::new(), Vec::new());
    for i in 0..n {
        let (device, into) = if i % 2 == 0 {
            (&mut at_holder, &mut d)
        } else {
            (&mut through, &mut f)
        };
        let t = Instant::now();
        device.round().await.unwrap();
        into.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (d50, d95) = summary(d);
    let (f50, f95) = summary(f);
    println!(
        "cluster_bench forward: {n} pulls; at the holder p50 {d50:.2} ms p95 {d95:.2} ms; \
         through another node p50 {f50:.2} ms p95 {f95:.2} ms; added p50 {:.2} ms, p95 {:.2} ms",
        f50 - d50,
        f95 - d95
    );
}

async fn cross_node_pokes(c: &Cluster) {
    let n = env_usize("BENCH_COMMITS", 200);
    let token = account(&c.nodes[0].url, "poked", "password one").await;
    let (direct, via) = c.holder_and_other(&token).await;
    let mut near = Events::open_at(&direct, &token).await.unwrap();
    let mut far = Events::open_at(&via, &token).await.unwrap();
    assert!(matches!(
        near.poke(Duration::from_secs(5)).await,
        Next::Poke(_)
    ));
    assert!(matches!(
        far.poke(Duration::from_secs(5)).await,
        Next::Poke(_)
    ));
    let mut writer = Device::new(&direct, &token);
    let (mut ns, mut fs) = (Vec::new(), Vec::new());
    for i in 0..n {
        writer.put("n", &format!("line {i}"));
        let t = Instant::now();
        writer.round().await.unwrap();
        // Both streams read at once, each timed when its poke arrives.
        let (a, b) = tokio::join!(
            async {
                let got = near.poke(Duration::from_secs(5)).await;
                (got, t.elapsed())
            },
            async {
                let got = far.poke(Duration::from_secs(5)).await;
                (got, t.elapsed())
            }
        );
        assert!(matches!(a.0, Next::Poke(_)), "no poke at the holder");
        assert!(matches!(b.0, Next::Poke(_)), "no poke through another node");
        ns.push(a.1.as_secs_f64() * 1e3);
        fs.push(b.1.as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (n50, n95) = summary(ns);
    let (f50, f95) = summary(fs);
    println!(
        "cluster_bench poke: {n} commits, push sent to poke read; stream at the holder \
         p50 {n50:.2} ms p95 {n95:.2} ms; through another node p50 {f50:.2} ms p95 {f95:.2} ms; \
         added p50 {:.2} ms, p95 {:.2} ms",
        f50 - n50,
        f95 - n95
    );
}

async fn throughput(c: &Cluster) {
    let clients = env_usize("BENCH_CLIENTS", 32);
    let secs = env_usize("BENCH_SECS", 10) as u64;
    let mut tokens = Vec::new();
    for i in 0..clients {
        tokens.push(account(&c.nodes[0].url, &format!("busy{i}"), "password one").await);
    }
    let bucket = c.nats.bucket().await;
    let mut holders = Vec::new();
    for t in &tokens {
        let h = holder(&bucket, shard_of_token(t)).await.unwrap().node;
        holders.push(c.nodes.iter().find(|n| n.id == h).unwrap().url.clone());
    }
    // Each account through a node that does not hold it.
    let others: Vec<String> = holders
        .iter()
        .map(|h| c.nodes.iter().find(|n| &n.url != h).unwrap().url.clone())
        .collect();
    let runs = vec![
        ("at their holders", holders),
        ("each through a node not holding it", others),
    ];
    for (what, bases) in runs {
        let stop = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for (token, base) in tokens.iter().zip(bases) {
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut d = Device::new(&base, &token);
                let (mut ok, mut limited) = (0_u64, 0_u64);
                while Instant::now() < stop {
                    match d.round().await {
                        Ok(_) => ok += 1,
                        Err((429, _)) => {
                            limited += 1;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                }
                (ok, limited)
            }));
        }
        let (mut ok, mut limited) = (0, 0);
        for t in tasks {
            let (o, l) = t.await.unwrap();
            ok += o;
            limited += l;
        }
        println!(
            "cluster_bench throughput {what}: {clients} accounts, {:.0} pulls/s ({limited} answered 429)",
            ok as f64 / secs as f64
        );
    }
}

async fn failover(lease: Duration) {
    let mut c = start(lease).await;
    let token = account(&c.nodes[0].url, "moved", "password one").await;
    let (direct, via) = c.holder_and_other(&token).await;
    let mut phone = Device::new(&via, &token);
    phone.put("n", "before");
    phone.sync().await;
    let killed = Instant::now();
    c.nodes.iter_mut().find(|n| n.url == direct).unwrap().kill();
    phone.put("n", "after");
    let mut refused = 0;
    let back = loop {
        match phone.round().await {
            Ok(_) => break killed.elapsed(),
            Err(_) => refused += 1,
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!(
        "cluster_bench failover: lease {lease:?}; a device's sync through another node went \
         through again {:.2} s after kill -9 of the holder ({refused} answered 503 meanwhile)",
        back.as_secs_f64()
    );
}

/// A shard of the size 10 M accounts on 4,096 shards give (2,400 accounts,
/// 7,200 sessions) moved by hand: its records read and its `accounts.db`
/// brought up to them by the node taking it.
async fn takeover_with_records(c: &Cluster) {
    use server::accounts::{AccountRecord, SessionRecord};
    use server::cluster::accounts::{BUCKET, ShardRecords};
    let accounts = env_usize("BENCH_SHARD_ACCOUNTS", 2_400);
    let sessions_each = 3;
    let client = async_nats::connect(&c.nats.url).await.unwrap();
    let kv = async_nats::jetstream::new(client)
        .get_key_value(BUCKET)
        .await
        .unwrap();
    let shard = 0;
    let records = ShardRecords::new(kv, shard);
    let now = server::accounts::now();
    let written = Instant::now();
    for id in 0..accounts {
        let id = 1_000_000 + id as i64;
        let account = AccountRecord {
            id,
            username: format!("bench{id}"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
                .into(),
            created_at: now,
            deleted: false,
        };
        records.put_account(&account).await.unwrap();
        for n in 0..sessions_each {
            let digest: [u8; 32] = std::array::from_fn(|i| (id as usize * 7 + n * 13 + i) as u8);
            let session = SessionRecord {
                user: id,
                created_at: now,
                used_at: now,
            };
            records.put_session(&digest, &session).await.unwrap();
        }
    }
    let write_took = written.elapsed();
    let bucket = c.nats.bucket().await;
    let from = holder(&bucket, shard).await.unwrap().node;
    let target = c.nodes.iter().find(|n| n.id != from).unwrap();
    let command = server::config::ShardCommand::Move {
        shard,
        to: target.id.clone(),
    };
    let asked = Instant::now();
    let said = server::cluster::admin::run(&c.nats.url, &command, Duration::from_secs(10))
        .await
        .unwrap();
    // Taken in the bucket first; served once its records are read and its
    // accounts.db brought up to them.
    let health = format!("{}/health", target.url);
    let served = loop {
        let answer: serde_json::Value = common::http()
            .get(&health)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let held = answer["held"].as_array().cloned().unwrap_or_default();
        if held.iter().any(|s| s.as_u64() == Some(u64::from(shard))) {
            break asked.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    println!(
        "cluster_bench takeover: a shard with {accounts} account records and {} sessions \
         (written in {:.1} s): {}; served there {} ms after the ask",
        accounts * sessions_each,
        write_took.as_secs_f64(),
        said.trim(),
        served.as_millis()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let c = start(Duration::from_secs(10)).await;
        forwarded_requests(&c).await;
        cross_node_pokes(&c).await;
        throughput(&c).await;
        takeover_with_records(&c).await;
        drop(c);
        let leases = std::env::var("BENCH_LEASES").unwrap_or_else(|_| "3s,10s".into());
        for lease in leases.split(',') {
            failover(humantime::parse_duration(lease.trim()).unwrap()).await;
        }
    });
}
