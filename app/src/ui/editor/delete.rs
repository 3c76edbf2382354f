//! Deleting the note shown: to the Trash, with Undo, its unsaved edits
//! written first; the next note of the list opens in its place.

use leptos::prelude::*;

use super::save::Editing;
use crate::ui::{Action, Ctx, ask};

/// What opens after note `id` goes: the next note of the list, or the one
/// before when it was the last. On a phone, the list.
fn next_after(ctx: Ctx, id: &str) -> Option<String> {
    if crate::ui::narrow() {
        return None;
    }
    ctx.order.with_value(|order| {
        let at = order.iter().position(|n| n == id)?;
        order
            .get(at + 1)
            .or_else(|| at.checked_sub(1).and_then(|b| order.get(b)))
            .cloned()
    })
}

impl Editing {
    pub fn delete(self) {
        let ctx = self.ctx;
        let Some(id) = self.loaded.get_untracked() else {
            return;
        };
        let pending = self
            .dirty
            .get_untracked()
            .then(|| self.text.get_untracked());
        // Cancel the debounced save: it must not bring the note back.
        self.edits.update_value(|n| *n += 1);
        leptos::task::spawn_local(async move {
            if let Some(body) = pending
                && !self.save(id.clone(), body).await
            {
                return;
            }
            match ask::delete_note(id.clone()).await {
                Ok(trashed) => {
                    if ctx.fresh.get_untracked().as_ref() == Some(&id) {
                        ctx.fresh.set(None);
                    }
                    self.dirty.set(false);
                    self.loaded.set(None);
                    ctx.selected.set(next_after(ctx, &id));
                    if trashed {
                        ctx.offer("Moved to Trash.", Action::Undo(id));
                    }
                }
                Err(e) => ctx.warn(format!("Could not delete the note: {e}")),
            }
        });
    }
}
