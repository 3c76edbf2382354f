//! The note that was open, reopened at the next start: a reload, a closed
//! and reopened tab, or a phone that dropped the page in the background
//! must not send the user looking for it again.

use leptos::prelude::*;

use super::{Ctx, local_storage};

const KEY: &str = "notes.open.v1";

/// The note open when the page last went, if any.
pub fn last() -> Option<String> {
    local_storage()?
        .get_item(KEY)
        .ok()
        .flatten()
        .filter(|id| store::notes::KeyKind::Id.check(id).is_ok())
}

/// Keeps the open note as it changes (best effort: without storage the app
/// only opens on the list).
pub fn remember(ctx: Ctx) {
    Effect::new(move |_| {
        let Some(storage) = local_storage() else {
            return;
        };
        let _ = match ctx.selected.get() {
            Some(id) if ctx.fresh.with(|f| f.as_ref() != Some(&id)) => storage.set_item(KEY, &id),
            _ => storage.remove_item(KEY),
        };
    });
}
