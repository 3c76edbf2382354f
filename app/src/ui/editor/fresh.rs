//! A note "New note" opened: shown blank with the caret in it, written with
//! its first words, and not kept if it is left empty (pressing "New note"
//! three times must not leave three blank "Untitled" notes behind).

use leptos::prelude::*;

use super::SaveState;
use super::save::Editing;
use crate::ui::ask;

impl Editing {
    /// Shows note `id` blank if it is a new note the database does not hold
    /// yet; whether it is (then there is nothing to read).
    pub fn open_fresh(self, id: &str, shown: Option<&String>) -> bool {
        let fresh = self.ctx.fresh.with_untracked(|f| f.as_deref() == Some(id));
        let written = self
            .base
            .with_value(|b| b.as_ref().is_some_and(|b| b.id == id));
        if !fresh || written {
            return false;
        }
        if shown.map(String::as_str) != Some(id) {
            self.new_here.set_value(Some(id.to_owned()));
            self.text.set(String::new());
            self.state.set(SaveState::Idle);
            self.loaded.set(Some(id.to_owned()));
        }
        true
    }

    /// The note `prev` is no longer shown: its unsaved edits are written,
    /// unless it is a note made here and left empty, which goes for good
    /// (the database checks it holds no words, and never did).
    pub fn leave(self, prev: String) {
        let made_here = self.new_here.with_value(|n| n.as_ref() == Some(&prev));
        if made_here {
            self.new_here.set_value(None);
        }
        if self.ctx.fresh.with_untracked(|f| f.as_ref() == Some(&prev)) {
            self.ctx.fresh.set(None);
        }
        let body = self.text.get_untracked();
        let dirty = self.dirty.get_untracked();
        if made_here && body.trim().is_empty() {
            let turn = self.turn.get_value();
            leptos::task::spawn_local(async move {
                // After the saves before: the last may have written words.
                let _turn = turn.lock().await;
                if let Err(e) = ask::discard_if_empty(prev).await {
                    web_sys::console::warn_1(&format!("notes: an empty note stays: {e}").into());
                }
            });
        } else if dirty {
            leptos::task::spawn_local(async move {
                self.save(prev, body).await;
            });
        }
    }

    /// The new note `id` was written: from now on it is read like any other.
    pub(super) fn written(self, id: &str) {
        if self.ctx.fresh.with_untracked(|f| f.as_deref() == Some(id)) {
            self.ctx.fresh.set(None);
        }
    }
}
