//! A replica whose site id another replica also uses (a copied browser
//! profile or data directory, a restored backup of the device) takes a new
//! one and syncs again from the start: it pushes everything it has, as the
//! new site, and pulls everything, the old id's changes included, which the
//! server never sent it while it had that id.

use store::{SiteId, Store};

use crate::{Cursors, SyncError};

/// Gives `store` a new site id and forgets what it synced, in one
/// transaction. Call when the server answers that the site id is shared
/// ([`SyncError::SharedSite`]); nothing local is lost, and the next round
/// starts from the beginning.
pub fn take_new_site(store: &mut Store) -> Result<SiteId, SyncError> {
    let tx = store.conn_mut().transaction()?;
    let id = store::site::take_new_site_id_in(&tx)?;
    Cursors::fresh().save(&tx)?;
    tx.commit()?;
    Ok(id)
}
