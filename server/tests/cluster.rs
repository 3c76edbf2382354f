//! The multi-node mode on loopback: `nats-server -js` on a free port and
//! three nodes of the real binary on one shared data directory. Devices
//! talk to different nodes; nodes are killed, NATS restarts; every test
//! ends by reading the shard bucket's history for two holders at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::cluster::{
    Disks, Nats, Node, SHARDS, all_shards_served, data_dir, holder, never_two_holders,
    shard_of_token, three_nodes_on,
};
use common::events::{Events, Next};
use common::{Device, account, http};
use server::cluster::leases::SERVE_FRACTION;

/// Short, so that a failover fits a test; the default is 10 s.
const LEASE: Duration = Duration::from_secs(3);

/// Lets a node that comes back merge its old files into the holders.
const SECRET: [&str; 2] = ["--cluster-secret", "a secret the nodes share"];

/// One cluster at a time: three nodes and NATS on two cores are timing
/// enough for one test.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Cluster {
    dir: tempfile::TempDir,
    disks: Disks,
    nats: Nats,
    nodes: Vec<Node>,
}

impl Cluster {
    async fn start() -> Self {
        Self::start_on(Disks::Shared).await
    }

    async fn start_on(disks: Disks) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (nats, nodes) = three_nodes_on(dir.path(), disks, LEASE, "info", &SECRET).await;
        Self {
            dir,
            disks,
            nats,
            nodes,
        }
    }

    fn data(&self, id: &str) -> std::path::PathBuf {
        data_dir(self.dir.path(), self.disks, id)
    }

    fn node(&self, id: &str) -> &Node {
        self.nodes.iter().find(|n| n.id == id).unwrap()
    }

    /// A node that does not hold `shard`, and the one that does.
    async fn around(&self, shard: u16) -> (Vec<&Node>, &Node) {
        let bucket = self.nats.bucket().await;
        let owner = holder(&bucket, shard).await.expect("held").node;
        let others = self.nodes.iter().filter(|n| n.id != owner).collect();
        (others, self.node(&owner))
    }

    /// For `token`'s account: the URLs of the two nodes not holding it,
    /// and the holder's id.
    async fn roles(&self, token: &str) -> (String, String, String) {
        let (others, owner) = self.around(shard_of_token(token)).await;
        (
            others[0].url.clone(),
            others[1].url.clone(),
            owner.id.clone(),
        )
    }

    /// `kill -9` of node `id`.
    fn kill(&mut self, id: &str) {
        self.nodes.iter_mut().find(|n| n.id == id).unwrap().kill();
    }

    /// Starts node `id` again on its data.
    fn start_again(&mut self, id: &str) {
        let back = Node::start_logging(&self.nats, &self.data(id), id, LEASE, "info", &SECRET);
        self.nodes.retain(|n| n.id != id);
        self.nodes.push(back);
    }

    /// Runs `device`'s rounds until one goes through, each refusal a 503,
    /// within a lease and 5 s of `since`; returns when it went through.
    async fn served_again(&self, device: &mut Device, since: Instant) -> Duration {
        loop {
            match device.round().await {
                Ok(_) => return since.elapsed(),
                Err((status, body)) => {
                    assert_eq!(status, 503, "only 'moving' while it moves: {body}")
                }
            }
            assert!(
                since.elapsed() < LEASE + Duration::from_secs(5),
                "not served again\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Syncs `device` until done, riding out the 503s of shards that move
    /// while nodes join (the balancing hands some to a node that came).
    async fn sync_riding_moves(&self, device: &mut Device) {
        let since = Instant::now();
        loop {
            match device.round().await {
                Ok((true, _, _)) => return,
                Ok(_) => {}
                Err((503, _)) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(other) => panic!("sync failed: {other:?}"),
            }
            assert!(
                since.elapsed() < LEASE * 3,
                "not synced while shards moved\n{}",
                self.logs()
            );
        }
    }

    async fn check_history(&self) -> usize {
        never_two_holders(&self.nats.bucket().await, LEASE).await
    }

    fn logs(&self) -> String {
        ["a", "b", "c"]
            .iter()
            .map(|id| {
                let log = std::fs::read_to_string(self.data(id).join(format!("{id}.log")))
                    .unwrap_or_default();
                format!("--- {id}\n{log}")
            })
            .collect()
    }
}

#[tokio::test]
async fn the_shards_are_shared_by_the_nodes_and_each_is_held_by_one() {
    let _one = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start().await;
    // Give the late starters a few rounds to get their share.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut counts = Vec::new();
        for n in &cluster.nodes {
            counts.push(n.shards().await.unwrap());
        }
        if counts.iter().all(|&c| c >= 4) && counts.iter().sum::<u64>() == u64::from(SHARDS) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "shards per node: {counts:?}\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster.check_history().await;
}

#[tokio::test]
async fn two_devices_of_one_account_on_different_nodes_converge_live() {
    let _one = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start().await;
    let [a, b, c] = [cluster.node("a"), cluster.node("b"), cluster.node("c")];
    // Signed up through one node, signed in through another.
    let token = account(&a.url, "ann", "password one").await;
    let token_b = account(&b.url, "ann", "password one").await;
    assert_eq!(shard_of_token(&token), shard_of_token(&token_b));

    let mut laptop_stream = Events::open_at(&b.url, &token).await.unwrap();
    let Next::Poke(first) = laptop_stream.poke(Duration::from_secs(5)).await else {
        panic!("no version on open")
    };
    let mut phone = Device::new(&c.url, &token);
    phone.put("n1", "milk\neggs");
    let sent = Instant::now();
    phone.sync().await;
    let Next::Poke(after) = laptop_stream.poke(Duration::from_secs(1)).await else {
        panic!(
            "no poke within a second through another node\n{}",
            cluster.logs()
        )
    };
    let took = sent.elapsed();
    assert!(after > first);
    let mut laptop = Device::new(&b.url, &token);
    laptop.sync().await;
    assert_eq!(laptop.notes(), vec![("n1".into(), "milk\neggs".into())]);

    // Both edit another line, through their own nodes: both lines stay.
    laptop.put("n1", "oat milk\neggs");
    phone.put("n1", "milk\neggs\nbread");
    laptop.sync().await;
    phone.sync().await;
    laptop.sync().await;
    assert_eq!(laptop.notes(), phone.notes());
    assert_eq!(laptop.notes()[0].1, "oat milk\neggs\nbread");
    eprintln!("sync through c to poke through b: {took:?}");
    cluster.check_history().await;
}

#[tokio::test]
async fn a_token_or_a_name_from_nowhere_gets_the_answers_a_single_server_gives() {
    let _one = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start().await;
    let a = cluster.node("a");
    for token in ["no-shard-here", "99999.x", "3.not-a-session"] {
        let r = http()
            .post(format!("{}/sync", a.url))
            .bearer_auth(token)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{token}");
    }
    let r = http()
        .post(format!("{}/api/sessions", a.url))
        .header("content-type", "application/json")
        .body("{\"nobody\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "as a single server answers a body without a username"
    );
    let r = http()
        .post(format!("{}/api/sessions", a.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 20_000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = http()
        .get(format!("{}/health", a.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn killing_the_node_of_an_account_moves_it_within_the_lease_and_loses_nothing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start().await;
    let token = account(&cluster.node("a").url, "bo", "password two").await;
    let (via, other, owner_id) = cluster.roles(&token).await;
    let mut phone = Device::new(&via, &token);
    for i in 0..20 {
        phone.put(&format!("n{i}"), &format!("note {i}"));
        phone.sync().await;
    }

    let killed = Instant::now();
    cluster.kill(&owner_id);
    // The phone goes on writing and syncing; the first sync that goes
    // through is served by the shard's new holder.
    phone.put("after", "written while the node was down");
    let served_again = cluster.served_again(&mut phone, killed).await;
    phone.sync().await;
    eprintln!("served again {served_again:?} after kill -9 (lease {LEASE:?})");

    // A new device through the other surviving node gets everything.
    let mut laptop = Device::new(&other, &token);
    laptop.sync().await;
    assert_eq!(laptop.notes().len(), 21);

    // The killed node comes back: it waits its turn, takes nothing held.
    cluster.start_again(&owner_id);
    tokio::time::sleep(LEASE).await;
    let mut fresh = Device::new(&cluster.node(&owner_id).url, &token);
    cluster.sync_riding_moves(&mut fresh).await;
    assert_eq!(fresh.notes(), laptop.notes());
    let takeovers = cluster.check_history().await;
    assert!(takeovers >= 1, "the killed node's shards were taken over");
}

#[tokio::test]
async fn nats_restarting_leaves_the_cluster_serving_and_pokes_flowing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start().await;
    let token = account(&cluster.node("a").url, "cy", "password three").await;
    let b_url = cluster.node("b").url.clone();
    let c_url = cluster.node("c").url.clone();
    let mut phone = Device::new(&c_url, &token);
    phone.put("n1", "before");
    phone.sync().await;

    // Away long enough for every node to notice and reconnect.
    let away = cluster.nats.restart(Duration::from_secs(1));
    let restarted = Instant::now();
    // Within 5 s a device connected through another node is poked after
    // a commit: through the stream it holds, or one it opens again (whose
    // first event is the catch-up version).
    let mut poked = None;
    while restarted.elapsed() < Duration::from_secs(5) && poked.is_none() {
        let Ok(mut stream) = Events::open_at(&b_url, &token).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let Next::Poke(at_open) = stream.poke(Duration::from_secs(2)).await else {
            continue;
        };
        phone.put("n1", &format!("after {at_open}"));
        if phone.round().await.is_err() {
            continue;
        }
        if let Next::Poke(v) = stream.poke(Duration::from_secs(1)).await
            && v > at_open
        {
            poked = Some(restarted.elapsed());
        }
    }
    let poked = poked.unwrap_or_else(|| panic!("no poke within 5 s\n{}", cluster.logs()));
    eprintln!("NATS away {away:?}; a poke through another node {poked:?} after");
    // Leases were renewed through the restart: still one holder each.
    tokio::time::sleep(LEASE).await;
    let all: Vec<&Node> = cluster.nodes.iter().collect();
    all_shards_served(&all, Duration::from_secs(10)).await;
    cluster.check_history().await;
    for n in &mut cluster.nodes {
        n.stop();
    }
}

#[tokio::test]
async fn nats_away_longer_than_the_lease_stops_every_node_serving_until_it_is_back() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start().await;
    let token = account(&cluster.node("a").url, "di", "password four").await;
    let mut phone = Device::new(&cluster.node("b").url, &token);
    phone.put("n1", "before");
    phone.sync().await;

    // Without NATS no node can renew: each stops serving at three quarters
    // of the lease, since another could not be told it still holds.
    cluster.nats.stop();
    let stopped = Instant::now();
    tokio::time::sleep(LEASE.mul_f64(SERVE_FRACTION) + Duration::from_millis(200)).await;
    let mut fenced = Device::new(&cluster.node("c").url, &token);
    match fenced.round().await {
        Err((503, _)) => {}
        other => panic!(
            "served {:?} after NATS went away: {other:?}",
            stopped.elapsed()
        ),
    }
    tokio::time::sleep(LEASE.saturating_sub(stopped.elapsed()) + Duration::from_millis(500)).await;
    cluster.nats.start_again();
    let restarted = stopped.elapsed();
    let back = Instant::now();
    phone.put("n2", "written while NATS was away");
    let served_again = cluster.served_again(&mut phone, back).await;
    eprintln!("NATS away {restarted:?}; served again {served_again:?} after it came back");
    phone.sync().await;
    let mut laptop = Device::new(&cluster.node("c").url, &token);
    laptop.sync().await;
    assert_eq!(laptop.notes().len(), 2);
    cluster.check_history().await;
}

#[tokio::test]
async fn a_node_lost_with_its_disk_loses_no_account_and_the_devices_bring_the_notes_back() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start_on(Disks::OwnEach).await;
    let token = account(&cluster.node("a").url, "eve", "password five").await;
    let (via, other, owner_id) = cluster.roles(&token).await;
    let mut phone = Device::new(&via, &token);
    for i in 0..5 {
        phone.put(&format!("n{i}"), &format!("note {i}"));
    }
    phone.sync().await;

    // The holder dies, and its disk with it.
    cluster.kill(&owner_id);
    std::fs::remove_dir_all(cluster.data(&owner_id).join("shards")).unwrap();
    let killed = Instant::now();
    // The same token keeps working on the new holder, which has no file of
    // the account: the phone is told to send all it wrote, and does.
    cluster.served_again(&mut phone, killed).await;
    phone.sync().await;
    // The password still signs in, and a new device gets every note.
    let again = account(&other, "eve", "password five").await;
    let mut laptop = Device::new(&other, &again);
    laptop.sync().await;
    assert_eq!(laptop.notes().len(), 5, "{:?}", laptop.notes());
    // A name taken before the loss is still taken.
    let r = http()
        .post(format!("{other}/api/accounts"))
        .json(&serde_json::json!({ "username": "Eve", "password": "another one" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    cluster.check_history().await;
}

#[tokio::test]
async fn a_node_back_with_its_disk_merges_what_only_it_held_into_the_new_holder() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start_on(Disks::OwnEach).await;
    let token = account(&cluster.node("a").url, "fay", "password six").await;
    let (via, other, owner_id) = cluster.roles(&token).await;
    // Written, acknowledged, and then the device is lost: these notes are
    // on the holder's disk only.
    let mut phone = Device::new(&via, &token);
    for i in 0..3 {
        phone.put(&format!("n{i}"), &format!("only on the server {i}"));
    }
    phone.sync().await;
    drop(phone);
    cluster.kill(&owner_id);

    // Another node takes the account over, with nothing of its notes.
    let mut laptop = Device::new(&other, &token);
    cluster.served_again(&mut laptop, Instant::now()).await;
    laptop.sync().await;
    assert!(laptop.notes().is_empty(), "{:?}", laptop.notes());

    // The old node comes back with its disk: what only it held reaches the
    // new holder, and the laptop.
    cluster.start_again(&owner_id);
    let returned = Instant::now();
    loop {
        cluster.sync_riding_moves(&mut laptop).await;
        if laptop.notes().len() == 3 {
            break;
        }
        assert!(
            returned.elapsed() < LEASE * 3,
            "not merged back: {:?}\n{}",
            laptop.notes(),
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "merged back {:?} after the old node started again",
        returned.elapsed()
    );
    cluster.check_history().await;
}

#[tokio::test]
async fn an_operator_moves_a_shard_and_its_devices_see_at_most_a_moment_of_503() {
    let _one = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start().await;
    let token = account(&cluster.node("a").url, "gus", "password seven").await;
    let shard = shard_of_token(&token);
    let (others, owner) = cluster.around(shard).await;
    let (to, from) = (others[0].id.clone(), owner.id.clone());
    let mut phone = Device::new(&others[1].url, &token);
    phone.put("n0", "before the move");
    phone.sync().await;

    let move_it = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "--nats",
            &cluster.nats.url,
            "shard",
            "move",
            &shard.to_string(),
            "--to",
            &to,
        ])
        .output();
    let writing = async {
        // Saves every 50 ms while the shard moves: how long is it refused?
        let (mut refused_since, mut longest) = (None::<Instant>, Duration::ZERO);
        for i in 0..60 {
            phone.put("n0", &format!("during the move {i}"));
            match phone.round().await {
                Ok(_) => {
                    if let Some(since) = refused_since.take() {
                        longest = longest.max(since.elapsed());
                    }
                }
                Err((503, _)) => {
                    refused_since.get_or_insert_with(Instant::now);
                }
                Err(other) => panic!("{other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        longest
    };
    let (moved, longest) = tokio::join!(move_it, writing);
    let moved = moved.unwrap();
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(
        moved.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(
        said.contains(&format!("moved from {from} to {to}")),
        "{said}"
    );
    eprintln!("{said}longest refusal while it moved: {longest:?}");
    assert!(longest < Duration::from_secs(2), "refused for {longest:?}");

    // It stays where it was put, and nothing was lost.
    tokio::time::sleep(LEASE).await;
    let bucket = cluster.nats.bucket().await;
    assert_eq!(holder(&bucket, shard).await.unwrap().node, to);
    phone.sync().await;
    let mut laptop = Device::new(&cluster.node(&from).url, &token);
    laptop.sync().await;
    assert_eq!(laptop.notes(), phone.notes());
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--nats", &cluster.nats.url, "shard", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&format!("{shard}\t{to}\t"))),
        "{listed}"
    );
    cluster.check_history().await;
}

#[tokio::test]
async fn a_cluster_stopped_whole_or_killed_whole_serves_every_shard_again_when_started() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start().await;
    let token = account(&cluster.node("a").url, "hal", "password eight").await;
    let mut phone = Device::new(&cluster.node("b").url, &token);
    phone.put("n1", "before the restarts");
    phone.sync().await;

    // Stopped whole (each gives its shards up), then started again: the
    // entries are free and nothing renews them; each node must see them.
    for n in &mut cluster.nodes {
        n.stop();
    }
    let started = Instant::now();
    for id in ["a", "b", "c"] {
        cluster.start_again(id);
    }
    let all: Vec<&Node> = cluster.nodes.iter().collect();
    all_shards_served(&all, LEASE + Duration::from_secs(5)).await;
    eprintln!(
        "stopped whole: every shard served {:?} after the start",
        started.elapsed()
    );

    // Killed whole: the entries still name the dead nodes, so each waits a
    // lease from when it first sees them.
    for id in ["a", "b", "c"] {
        cluster.kill(id);
    }
    let started = Instant::now();
    for id in ["a", "b", "c"] {
        cluster.start_again(id);
    }
    let all: Vec<&Node> = cluster.nodes.iter().collect();
    all_shards_served(&all, LEASE * 2 + Duration::from_secs(5)).await;
    eprintln!(
        "killed whole: every shard served {:?} after the start",
        started.elapsed()
    );
    let mut laptop = Device::new(&cluster.node("c").url, &token);
    cluster.sync_riding_moves(&mut laptop).await;
    assert_eq!(
        laptop.notes(),
        vec![("n1".into(), "before the restarts".into())]
    );
    cluster.check_history().await;
}
