//! The first page of the notes list as this browser last showed it, kept in
//! localStorage. The next start draws it at once, while the DB worker is
//! still loading and opening the database, and replaces it with the
//! database's answer. A copy of titles already stored on this device; it is
//! forgotten when the account changes, so nobody else's titles show.
//!
//! The screen drawn with it is kept too, as HTML: index.html shows it (inert)
//! as soon as the page is parsed, before the app's wasm has arrived, and the
//! UI replaces it as it mounts.

use std::cell::RefCell;

use leptos::prelude::{document, request_animation_frame};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::local_storage;
use crate::rpc::NoteSummary;

const KEY: &str = "notes.first-page.v1";
/// Read by index.html.
const SCREEN_KEY: &str = "notes.first-screen.v1";

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
    let rows = page.notes.len();
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
        WRITTEN.set(Some(json.clone()));
        // Once the page is drawn; not if the account changed by then.
        request_animation_frame(move || {
            if WRITTEN.with_borrow(|w| w.as_ref() == Some(&json)) {
                keep_screen(&s, rows);
            }
        });
    }
}

/// Keeps the app's screen as drawn now, for index.html: the list's first
/// `rows` as the UI draws them at start, without the open note or messages
/// (style/main.css unmarks its row), busy (it is not the database's answer)
/// and inert.
fn keep_screen(storage: &web_sys::Storage, rows: usize) {
    let copy = document()
        .query_selector(".app")
        .ok()
        .flatten()
        .and_then(|app| app.clone_node_with_deep(true).ok())
        .and_then(|node| node.dyn_into::<web_sys::Element>().ok());
    let Some(copy) = copy else {
        return;
    };
    let gone = format!(
        ".note-list > :nth-child(n+{}), .show-more, .editor > *, .toast, .fatal",
        rows + 1
    );
    while let Ok(Some(element)) = copy.query_selector(&gone) {
        element.remove();
    }
    // The list, on a phone too, and the account menu closed.
    let _ = copy.set_attribute("class", "app");
    if let Ok(Some(bar)) = copy.query_selector(".topbar") {
        let _ = bar.set_attribute("class", "topbar");
    }
    let marked = copy.set_attribute("id", "kept-screen").is_ok()
        && copy.set_attribute("inert", "").is_ok()
        && copy.set_attribute("aria-busy", "true").is_ok()
        && copy
            .query_selector(".note-list")
            .ok()
            .flatten()
            .is_some_and(|list| list.set_attribute("aria-busy", "true").is_ok());
    if marked {
        let _ = storage.set_item(SCREEN_KEY, &copy.outer_html());
    }
}

/// Forgets the page: the notebook shown is about to be another one.
pub fn forget() {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(KEY);
        let _ = s.remove_item(SCREEN_KEY);
    }
    WRITTEN.set(None);
}
