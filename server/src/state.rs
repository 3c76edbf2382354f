use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;

use crate::accounts::Accounts;
use crate::config::Config;
use crate::error::StartError;
use crate::rate_limit::SyncRateLimit;
use crate::stores::StoreCache;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub accounts: Accounts,
    pub stores: StoreCache,
    pub limits: sync::server::Limits,
    pub rate: SyncRateLimit,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn open(config: &Config) -> Result<Self, StartError> {
        let users_dir = config.data_dir.join("users");
        std::fs::create_dir_all(&users_dir).map_err(|source| StartError::DataDir {
            path: users_dir.display().to_string(),
            source,
        })?;
        let nonzero = |v: u32, what: &str| {
            NonZeroU32::new(v)
                .ok_or_else(|| StartError::Config(format!("{what} must be at least 1")))
        };
        let capacity = NonZeroUsize::new(config.max_open_databases)
            .ok_or_else(|| StartError::Config("max open databases must be at least 1".into()))?;
        if config.session_idle.as_secs() == 0 {
            return Err(StartError::Config(
                "session idle time must be at least one second".into(),
            ));
        }
        Ok(Self(Arc::new(Inner {
            accounts: Accounts::open(&config.data_dir.join("accounts.db"), config.session_idle)?,
            stores: StoreCache::new(
                users_dir,
                capacity,
                (config.max_user_mib > 0).then(|| config.max_user_mib.saturating_mul(1 << 20)),
            ),
            limits: sync::server::Limits::default(),
            rate: SyncRateLimit::new(
                nonzero(config.sync_per_second, "sync per second")?,
                nonzero(config.sync_burst, "sync burst")?,
            ),
        })))
    }

    /// Closes the databases once requests are done.
    pub async fn close(self) {
        let state = self.clone();
        let _ = tokio::task::spawn_blocking(move || state.stores.close_all()).await;
    }
}
