//! The commands, grouped: signing in and syncing, notes, import and export,
//! and following the live stream.

pub mod account;
mod editor;
pub mod notes;
pub mod transfer;
pub mod watch;

use store::Store;

use crate::error::CliError;
use crate::home::Home;
use crate::remote::Remote;
use crate::rounds::{SyncTotals, sync_all};
use crate::show::{Out, interactive};

/// What a command that wrote does next: sync, unless `--offline` or
/// signed out. A sync that fails does not fail the command: the write is
/// safe on disk and goes with the next sync.
#[derive(Clone, Copy, Debug)]
pub struct AfterWrite {
    pub offline: bool,
    pub out: Out,
}

impl AfterWrite {
    pub fn sync(self, home: &Home, store: &mut Store) {
        if self.offline {
            return;
        }
        let Ok((account, token)) = home.session() else {
            return;
        };
        let result =
            Remote::new(&account.url).and_then(|remote| sync_with_progress(store, &remote, &token));
        if let Err(e) = result {
            eprintln!("notes: saved on this computer, not synced yet: {e}");
        }
    }
}

/// A sync with a spinner on a terminal.
pub(crate) fn sync_with_progress(
    store: &mut Store,
    remote: &Remote,
    token: &str,
) -> Result<SyncTotals, CliError> {
    let bar = interactive().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("Syncing with {}…", remote.url()));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let result = sync_all(store, remote, token, |t| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "Syncing: {} sent, {} received…",
                t.pushed, t.pulled
            ));
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}
