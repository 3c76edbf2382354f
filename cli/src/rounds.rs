//! A whole sync: rounds of `sync::client` (sans-IO) over [`Remote`] until
//! nothing is left to push or pull (PROTOCOL section 6, "What the client
//! does"), then the search and list indexes brought up to date.

use store::Store;
use sync::client::{MAX_PUSH_PAGE, absorb, prepare};

use crate::error::CliError;
use crate::remote::{Remote, Synced};

/// What a sync did.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct SyncTotals {
    pub pushed: usize,
    pub pulled: usize,
}

/// Syncs `store` with the account of `token`. `progress` hears the totals
/// after each round. A failure leaves the replica as the last round left
/// it: every round is its own transaction, and the next sync goes on.
pub fn sync_all(
    store: &mut Store,
    remote: &Remote,
    token: &str,
    mut progress: impl FnMut(SyncTotals),
) -> Result<SyncTotals, CliError> {
    let mut total = SyncTotals::default();
    let mut new_identities = 0;
    loop {
        let round = prepare(store, MAX_PUSH_PAGE)?;
        let answer = match remote.sync(token, &round.request)? {
            Synced::Answer(answer) => answer,
            Synced::SiteShared => {
                // A copied data directory: this copy takes an identity of its
                // own and syncs everything again. Once is enough; twice means
                // something else is wrong.
                new_identities += 1;
                if new_identities > 1 {
                    return Err(CliError::Refused(
                        "the server keeps saying another copy uses this replica's identity".into(),
                    ));
                }
                sync::new_site::take_new_site(store)?;
                continue;
            }
        };
        let done = absorb(store, &round, &answer)?;
        total.pushed += done.pushed;
        total.pulled += done.pulled;
        progress(total);
        if done.done {
            break;
        }
    }
    // Titles, tags and search for what came in.
    while store.index_pending(500)? > 0 {}
    Ok(total)
}
