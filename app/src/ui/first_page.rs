//! The first page of the notes list as this browser last showed it, kept in
//! localStorage. The next start draws it at once, while the DB worker is
//! still loading and opening the database, and replaces it with the
//! database's answer. A copy of titles already stored on this device; it is
//! forgotten when the account changes, so nobody else's titles show.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::local_storage;
use crate::rpc::NoteSummary;

const KEY: &str = "notes.first-page.v1";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FirstPage {
    pub notes: Vec<NoteSummary>,
    /// How many notes the whole list had.
    pub total: u32,
}

thread_local! {
    /// What this tab last wrote, so an unchanged page is not written again.
    static WRITTEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The page kept, if any (and readable: a page from an older app version
/// that does not parse is no page).
pub fn load() -> Option<FirstPage> {
    let json = local_storage()?.get_item(KEY).ok()??;
    serde_json::from_str(&json).ok()
}

/// Keeps `page` for the next start. Best effort: without storage the app
/// only starts slower.
pub fn keep(page: &FirstPage) {
    let Ok(json) = serde_json::to_string(page) else {
        return;
    };
    let unchanged = WRITTEN.with_borrow(|w| w.as_deref() == Some(json.as_str()));
    if unchanged {
        return;
    }
    if let Some(s) = local_storage()
        && s.set_item(KEY, &json).is_ok()
    {
        WRITTEN.set(Some(json));
    }
}

/// Forgets the page: the notebook shown is about to be another one.
pub fn forget() {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(KEY);
    }
    WRITTEN.set(None);
}
