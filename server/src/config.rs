use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// The notes server: sync endpoint, accounts and the app's static files on one port.
#[derive(Clone, Debug, Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "NOTES_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where accounts and the per-user databases live.
    #[arg(long, env = "NOTES_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The built app (trunk's dist/), served at /.
    #[arg(long, env = "NOTES_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,
    /// Most user databases kept open at once; the least recently used closes first.
    #[arg(long, env = "NOTES_MAX_OPEN_DATABASES", default_value_t = 64)]
    pub max_open_databases: usize,
    /// Sustained /sync requests per second allowed per user.
    #[arg(long, env = "NOTES_SYNC_PER_SECOND", default_value_t = 30)]
    pub sync_per_second: u32,
    /// Burst of /sync requests allowed per user above the sustained rate.
    #[arg(long, env = "NOTES_SYNC_BURST", default_value_t = 120)]
    pub sync_burst: u32,
    /// Most MiB one user's database (with its write-ahead log, which gets a
    /// quarter of it, at most 16 MiB) may take; a Sync that would need more is
    /// refused (507) as one on a full disk is, and its changes stay on the
    /// user's devices. 0: no limit but the disk's.
    #[arg(long, env = "NOTES_MAX_USER_MIB", default_value_t = 1024)]
    pub max_user_mib: u64,
    /// A session not used for this long ends: the device signs in again
    /// (its notes stay on it). Each use restarts the clock.
    #[arg(long, env = "NOTES_SESSION_IDLE", default_value = "90days", value_parser = humantime::parse_duration)]
    pub session_idle: std::time::Duration,
    /// Sign-in attempts allowed per minute for one username from one client
    /// address (right or wrong): guessing a password online stays slow, and
    /// nobody elsewhere can lock the account's owner out.
    #[arg(long, env = "NOTES_SIGN_INS_PER_MINUTE", default_value_t = 10)]
    pub sign_ins_per_minute: u32,
    /// Most passwords hashed at once (argon2: 19 MiB and a core each); by
    /// default one per CPU core. Sign-ups and sign-ins beyond it wait their turn.
    #[arg(long, env = "NOTES_MAX_PASSWORD_HASHES")]
    pub max_password_hashes: Option<usize>,
    /// How long a sign-up or sign-in waits for its turn to hash before the
    /// server answers 503 (busy).
    #[arg(long, env = "NOTES_PASSWORD_QUEUE_WAIT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub password_queue_wait: std::time::Duration,
    /// Most live streams (`GET /sync/events`) open at once per account: one
    /// per browser or device is what clients hold; more get 429.
    #[arg(long, env = "NOTES_MAX_STREAMS_PER_USER", default_value_t = 16)]
    pub max_streams_per_user: u32,
    /// How often an open live stream sends a heartbeat, so that clients and
    /// proxies see it is alive.
    #[arg(long, env = "NOTES_HEARTBEAT", default_value = "15s", value_parser = humantime::parse_duration)]
    pub heartbeat: std::time::Duration,
    /// Most `/sync` requests of one user under way at once (waiting for its
    /// database or merging); more get 429 at once, before their body is read.
    #[arg(long, env = "NOTES_MAX_SYNCS_PER_USER", default_value_t = 4)]
    pub max_syncs_per_user: u32,
    /// Most connections open at once; more wait until one closes. Each
    /// takes a file descriptor: keep it under `ulimit -n`.
    #[arg(long, env = "NOTES_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, and how long a
    /// kept-alive connection may stay idle, before it is closed. Live
    /// streams are answers, not idle: they stay open.
    #[arg(long, env = "NOTES_IDLE_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub idle_timeout: std::time::Duration,
    /// How long a request's body may take to arrive in full (up to 8 MiB
    /// for /sync) before the server answers 408.
    #[arg(long, env = "NOTES_BODY_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub body_timeout: std::time::Duration,
    /// A session ends this long after signing in, however much it is used.
    #[arg(long, env = "NOTES_SESSION_LIFETIME", default_value = "365days", value_parser = humantime::parse_duration)]
    pub session_lifetime: std::time::Duration,
    /// Sign-in attempts allowed per minute from one client address, for any
    /// usernames.
    #[arg(
        long,
        env = "NOTES_SIGN_INS_PER_MINUTE_PER_ADDRESS",
        default_value_t = 30
    )]
    pub sign_ins_per_minute_per_address: u32,
    /// Accounts that one client address may create per hour.
    #[arg(
        long,
        env = "NOTES_SIGN_UPS_PER_HOUR_PER_ADDRESS",
        default_value_t = 10
    )]
    pub sign_ups_per_hour_per_address: u32,
    /// Accounts created per minute on the whole server.
    #[arg(long, env = "NOTES_SIGN_UPS_PER_MINUTE", default_value_t = 30)]
    pub sign_ups_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses,
    /// comma-separated). Without one, the socket's peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "NOTES_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A token that reads `GET /metrics` (`Authorization: Bearer <token>`).
    /// Without one, only loopback peers may; with one, only the token does
    /// (behind a reverse proxy every peer is loopback).
    #[arg(long, env = "NOTES_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<MetricsToken>,
    /// How the log is written: `text` for people, `json` (one object a
    /// line) for log collectors. `RUST_LOG` filters it.
    #[arg(long, env = "NOTES_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Multi-node mode: the NATS server (JetStream on) that coordinates the
    /// nodes, e.g. `nats://127.0.0.1:4222`. Without it this server holds
    /// every account by itself.
    #[arg(long, env = "NOTES_NATS")]
    pub nats: Option<String>,
    /// Multi-node mode: this node's name, unique in the cluster (letters,
    /// digits, `-` and `_`). By default `node-<listen port>`.
    #[arg(long, env = "NOTES_NODE_ID")]
    pub node_id: Option<String>,
    /// Multi-node mode: the address other nodes forward requests to, e.g.
    /// `http://10.0.0.5:8080`. By default `http://<listen address>`.
    #[arg(long, env = "NOTES_ADVERTISE")]
    pub advertise: Option<String>,
    /// Multi-node mode: how many shards accounts are split into. Fixed for
    /// the cluster's life, the same on every node (checked at start).
    #[arg(long, env = "NOTES_SHARDS", default_value_t = 256)]
    pub shards: u16,
    /// Multi-node mode: how long a node's hold on a shard lasts unrenewed.
    /// A node that cannot renew stops serving the shard after three
    /// quarters of it; another node takes it once it has passed.
    #[arg(long, env = "NOTES_LEASE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub lease: std::time::Duration,
    /// Multi-node mode: a secret shared by the nodes (at least 16
    /// characters), which lets a node that comes back merge the files of
    /// shards others took meanwhile into them. Without it, those files stay.
    #[arg(long, env = "NOTES_CLUSTER_SECRET", hide_env_values = true)]
    pub cluster_secret: Option<MetricsToken>,
    /// Multi-node mode: how many NATS servers keep a copy of the shard
    /// directory and the account records when the cluster first makes them
    /// (3 in a NATS cluster of three or more, so that losing one NATS server
    /// loses neither; 1 for a single NATS server).
    #[arg(long, env = "NOTES_NATS_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub nats_replicas: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does instead of serving.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// The shards of the multi-node mode (through `--nats`).
    #[command(subcommand)]
    Shard(ShardCommand),
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum ShardCommand {
    /// Lists each shard and the node serving it.
    List,
    /// Moves a shard to a node: its node gives it up at once and the node
    /// named takes it (its accounts see about a second of 503). Waits until
    /// done, at most three leases.
    Move {
        shard: u16,
        /// The node's id (`--node-id`).
        #[arg(long)]
        to: String,
    },
}

/// A secret (the `/metrics` token, the cluster's secret); never printed
/// (`Config` is `Debug`).
#[derive(Clone)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

impl std::str::FromStr for MetricsToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() < 16 {
            return Err("it must be at least 16 characters".into());
        }
        Ok(Self(s.to_owned()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Defaults for a data directory, as the command line would give them.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let mut c = Self::parse_from(["server"]);
        c.data_dir = data_dir.into();
        c
    }
}
