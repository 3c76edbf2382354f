//! Asks the browser to keep this site's storage. Without that, a browser short
//! of disk may evict a site's data, OPFS included, and with it notes written
//! offline and never synced. Asked once the user has written something: some
//! browsers ask the user, and an empty notebook is not worth a question.

use std::cell::Cell;

use wasm_bindgen_futures::JsFuture;

thread_local! {
    static ASKED: Cell<bool> = const { Cell::new(false) };
}

/// Asks at most once per page; the answer is only logged, as there is nothing
/// the user must do either way (Chrome decides by how the site is used).
pub fn ask_once() {
    if ASKED.with(|asked| asked.replace(true)) {
        return;
    }
    let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
        return;
    };
    let Ok(asking) = storage.persist() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let kept = JsFuture::from(asking)
            .await
            .is_ok_and(|granted| granted.is_truthy());
        let said = if kept {
            "notes: the browser keeps this site's storage"
        } else {
            "notes: the browser may clear this site's storage when short of space; Sync keeps a copy"
        };
        web_sys::console::info_1(&said.into());
    });
}
