use std::net::IpAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::accounts::{Accounts, SessionTimes, UserId};
use crate::cluster::accounts::ShardRecords;
use crate::config::Config;
use crate::error::StartError;
use crate::in_flight::InFlight;
use crate::live::Live;
use crate::rate_limit::RateLimit;
use crate::serve::ConnectionLimits;
use crate::stores::StoreCache;
use crate::telemetry::Telemetry;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub accounts: Accounts,
    pub stores: StoreCache,
    pub limits: sync::server::Limits,
    pub sync_rate: RateLimit<UserId>,
    /// Each user's `/sync` requests under way.
    pub syncs: InFlight<UserId>,
    /// Sign-ins (and password checks of signed-in users) per username key
    /// and client address.
    pub sign_in_rate: RateLimit<(String, IpAddr)>,
    /// Sign-ins per client address, whatever the names.
    pub sign_in_address_rate: Arc<RateLimit<IpAddr>>,
    /// Sign-ups per client address, and on the whole server.
    pub sign_up_address_rate: Arc<RateLimit<IpAddr>>,
    pub sign_up_rate: Arc<RateLimit<()>>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// A permit per password hash that may run at once.
    pub password_hashes: Arc<Semaphore>,
    pub password_queue_wait: Duration,
    /// Open `/sync/events` streams and the versions they announce.
    pub live: Arc<Live>,
    /// How often an open stream sends a heartbeat comment.
    pub heartbeat: Duration,
    /// What `/metrics` reports (see telemetry.rs).
    pub telemetry: Arc<Telemetry>,
    /// Who else than loopback may read `/metrics`.
    pub metrics_token: Option<String>,
    pub connection_limits: ConnectionLimits,
    /// How long a request's body may take to arrive.
    pub body_timeout: Duration,
    /// Multi-node mode: where the shard's accounts are kept outside this node.
    pub records: Option<ShardRecords>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// What every part of a node shares: limits per client address or on the
/// whole node, the password-hashing queue, the metrics.
#[derive(Clone)]
pub struct NodeParts {
    pub password_hashes: Arc<Semaphore>,
    /// What verifying one password takes here (measured once).
    pub verify_time: Duration,
    pub sign_in_address_rate: Arc<RateLimit<IpAddr>>,
    pub sign_up_address_rate: Arc<RateLimit<IpAddr>>,
    pub sign_up_rate: Arc<RateLimit<()>>,
    pub telemetry: Arc<Telemetry>,
}

impl NodeParts {
    pub fn new(config: &Config) -> Result<Self, StartError> {
        let hashes = match config.max_password_hashes {
            Some(0) => {
                return Err(StartError::Config(
                    "max password hashes must be at least 1".into(),
                ));
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Self {
            password_hashes: Arc::new(Semaphore::new(hashes)),
            verify_time: crate::accounts::measure_verify_time()?,
            sign_in_address_rate: Arc::new(RateLimit::per_minute(nonzero(
                config.sign_ins_per_minute_per_address,
                "sign-ins per minute per address",
            )?)),
            sign_up_address_rate: Arc::new(RateLimit::per_hour(nonzero(
                config.sign_ups_per_hour_per_address,
                "sign-ups per hour per address",
            )?)),
            sign_up_rate: Arc::new(RateLimit::per_minute(nonzero(
                config.sign_ups_per_minute,
                "sign-ups per minute",
            )?)),
            telemetry: Arc::new(Telemetry::new()),
        })
    }
}

fn nonzero(v: u32, what: &str) -> Result<NonZeroU32, StartError> {
    NonZeroU32::new(v).ok_or_else(|| StartError::Config(format!("{what} must be at least 1")))
}

impl AppState {
    pub fn open(config: &Config) -> Result<Self, StartError> {
        Self::open_part(config, &NodeParts::new(config)?, &config.data_dir, "", None)
    }

    /// One part of a node's data: all of it on a single node, one shard's
    /// in the multi-node mode (whose tokens start with `token_prefix`, and
    /// whose accounts are kept in `records` too).
    pub fn open_part(
        config: &Config,
        node: &NodeParts,
        data_dir: &std::path::Path,
        token_prefix: &str,
        records: Option<ShardRecords>,
    ) -> Result<Self, StartError> {
        let users_dir = data_dir.join("users");
        std::fs::create_dir_all(&users_dir).map_err(|source| StartError::DataDir {
            path: users_dir.display().to_string(),
            source,
        })?;
        let positive = |d: Duration, what: &str| {
            if d.is_zero() {
                Err(StartError::Config(format!("{what} must be longer than 0")))
            } else {
                Ok(d)
            }
        };
        let capacity = NonZeroUsize::new(config.max_open_databases)
            .ok_or_else(|| StartError::Config("max open databases must be at least 1".into()))?;
        if config.session_lifetime.as_secs() == 0 {
            return Err(StartError::Config(
                "session lifetime must be at least one second".into(),
            ));
        }
        if config.session_idle.as_secs() == 0 {
            return Err(StartError::Config(
                "session idle time must be at least one second".into(),
            ));
        }
        let accounts = Accounts::open_with(
            &data_dir.join("accounts.db"),
            SessionTimes {
                idle: config.session_idle,
                lifetime: config.session_lifetime,
            },
            node.verify_time,
            token_prefix,
        )?;
        // A deletion the server stopped in the middle of, or a request that
        // wrote a deleted account's file again just after: finished here.
        for user in accounts.deleted_users()? {
            let path = users_dir.join(format!("{user}.db"));
            if let Err(e) = crate::stores::remove_database_files(&path) {
                tracing::warn!(user, error = %e, "cannot remove a deleted account's database");
            }
        }
        Ok(Self(Arc::new(Inner {
            accounts,
            stores: StoreCache::new(
                users_dir,
                capacity,
                (config.max_user_mib > 0).then(|| config.max_user_mib.saturating_mul(1 << 20)),
            ),
            limits: sync::server::Limits::default(),
            sync_rate: RateLimit::per_second(
                nonzero(config.sync_per_second, "sync per second")?,
                nonzero(config.sync_burst, "sync burst")?,
            ),
            syncs: InFlight::new(
                usize::try_from(nonzero(config.max_syncs_per_user, "syncs per user")?.get())
                    .unwrap_or(usize::MAX),
            ),
            sign_in_rate: RateLimit::per_minute(nonzero(
                config.sign_ins_per_minute,
                "sign-ins per minute",
            )?),
            sign_in_address_rate: node.sign_in_address_rate.clone(),
            sign_up_address_rate: node.sign_up_address_rate.clone(),
            sign_up_rate: node.sign_up_rate.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            password_hashes: node.password_hashes.clone(),
            password_queue_wait: config.password_queue_wait,
            live: Live::new(
                usize::try_from(nonzero(config.max_streams_per_user, "streams per user")?.get())
                    .unwrap_or(usize::MAX),
            ),
            heartbeat: match config.heartbeat {
                d if d.is_zero() => {
                    return Err(StartError::Config("heartbeat must be longer than 0".into()));
                }
                d => d,
            },
            telemetry: node.telemetry.clone(),
            metrics_token: config.metrics_token.as_ref().map(|t| t.0.clone()),
            connection_limits: ConnectionLimits {
                max_connections: match config.max_connections {
                    0 => {
                        return Err(StartError::Config(
                            "max connections must be at least 1".into(),
                        ));
                    }
                    n => n,
                },
                header_timeout: positive(config.idle_timeout, "idle timeout")?,
            },
            body_timeout: positive(config.body_timeout, "body timeout")?,
            records,
        })))
    }

    /// Closes the databases once requests are done.
    pub async fn close(self) {
        let state = self.clone();
        let _ = tokio::task::spawn_blocking(move || state.stores.close_all()).await;
    }
}
