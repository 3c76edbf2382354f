//! Writing the editor's text: one save (or read of a note to show) at a
//! time, each sent as the lines it changed; what a failed save leaves is kept
//! as a draft.

use std::sync::Arc;

use futures::lock::Mutex;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::SaveState;
use super::saves::Saves;
use super::write::{Base, Written, write};
use crate::ui::Ctx;
use crate::ui::drafts::{self, Draft, Kept};

/// The editor's state a save reads and writes.
#[derive(Clone, Copy)]
pub(super) struct Editing {
    pub ctx: Ctx,
    pub text: RwSignal<String>,
    /// The note shown, once loaded.
    pub loaded: RwSignal<Option<String>>,
    /// The text area holds edits not yet written to the database.
    pub dirty: RwSignal<bool>,
    /// Bumped by every edit: a save only clears `dirty` if no edit came after it.
    pub edits: StoredValue<u64>,
    pub state: RwSignal<SaveState>,
    /// What the database holds for the note shown; taken while a save is on
    /// its way.
    pub base: StoredValue<Option<Base>>,
    pub saves: StoredValue<Saves>,
    /// Held by the save being written, and by a read of the note to show. A
    /// save computes its lines from the text the one before it wrote, which
    /// only that save's answer tells: sent meanwhile, it would be whole, and
    /// delete what a Sync or another tab wrote into the note in between.
    pub turn: StoredValue<Arc<Mutex<()>>>,
    /// The note "New note" made in this editor, while it is shown: left
    /// empty, it goes.
    pub new_here: StoredValue<Option<String>>,
}

impl Editing {
    pub fn new(ctx: Ctx) -> Self {
        Self {
            ctx,
            text: RwSignal::new(String::new()),
            loaded: RwSignal::new(None),
            dirty: RwSignal::new(false),
            edits: StoredValue::new(0),
            state: RwSignal::new(SaveState::Idle),
            base: StoredValue::new(None),
            saves: StoredValue::new(Saves::default()),
            turn: StoredValue::new(Arc::new(Mutex::new(()))),
            new_here: StoredValue::new(None),
        }
    }

    /// Puts `new` in the text area, changed elsewhere (a Sync's merge,
    /// another tab's save): the caret stays with the text it was in, where
    /// setting the value would move it to the end.
    pub fn show(self, new: String) {
        let area = document()
            .query_selector("textarea.note-text")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        if let Some(area) = area {
            let old = self.text.get_untracked();
            let caret = |at: Result<Option<u32>, _>| {
                let at = at.ok().flatten().unwrap_or_default() as usize;
                u32::try_from(notetext::caret::follow(&old, &new, at)).unwrap_or(u32::MAX)
            };
            let (start, end) = (caret(area.selection_start()), caret(area.selection_end()));
            area.set_value(&new);
            let _ = area.set_selection_range(start, end);
        }
        self.text.set(new);
    }

    /// What the database may hold for `id` under the editor's text.
    pub fn typed_over(self, id: &str) -> Vec<String> {
        let shown = self
            .base
            .with_value(|b| b.iter().find(|b| b.id == id).map(|b| b.text.clone()));
        self.saves.with_value(|s| s.typed_over(id, shown))
    }

    /// Writes `body` into note `id` once the saves before it are written;
    /// whether it was.
    pub async fn save(self, id: String, body: String) -> bool {
        self.state.set(SaveState::Saving);
        let turn = self.turn.get_value();
        let _turn = turn.lock().await;
        // The note is still shown: save what it shows now. That includes
        // this call's text, and what the save before put it onto.
        let shown = self.loaded.get_untracked().as_ref() == Some(&id);
        let mut body = if shown {
            self.text.get_untracked()
        } else {
            body
        };
        let onto = if shown {
            None
        } else {
            self.saves.try_update_value(|s| s.take_moved(&id)).flatten()
        };
        // The text as typed, when it went onto another first.
        let typed = onto.as_ref().map(|m| {
            let put = notetext::rebase(&m.typed, &body, &m.took);
            std::mem::replace(&mut body, put)
        });
        let mine = self.edits.get_value();
        let from = self.base.try_update_value(Option::take).flatten();
        let over = from.as_ref().filter(|b| b.id == id).map(|b| b.text.clone());
        let no = self
            .saves
            .try_update_value(|s| s.start(&id, over, &body))
            .unwrap_or_default();
        let written = write(id.clone(), &body, from.as_ref()).await;
        let over = self.saves.try_update_value(|s| s.end(no)).flatten();
        match written {
            Ok(Written { revision, merged }) => {
                let shown = self.loaded.get_untracked().as_ref() == Some(&id);
                // The edit went onto lines written elsewhere meanwhile: show
                // them, with whatever was typed since this save started.
                if let Some(merged) = &merged
                    && shown
                {
                    let now = if self.edits.get_value() == mine {
                        merged.clone()
                    } else {
                        notetext::rebase(&body, &self.text.get_untracked(), merged)
                    };
                    self.show(now);
                }
                let (body, typed) = match merged {
                    Some(merged) => (merged, Some(typed.unwrap_or(body))),
                    None => (body, typed),
                };
                self.saves.update_value(|s| {
                    if shown {
                        s.read(&id);
                    } else {
                        s.ended_left(&id, typed, &body);
                    }
                });
                if self.edits.get_value() == mine {
                    self.dirty.set(false);
                }
                if self
                    .saves
                    .try_update_value(|s| s.supersedes_draft(&id, no))
                    .unwrap_or(false)
                {
                    drafts::saved(&id);
                }
                self.written(&id);
                self.base.set_value(Some(Base {
                    id,
                    text: body,
                    revision,
                }));
                self.state.set(SaveState::Saved);
                crate::ui::persist::ask_once();
                true
            }
            Err(e) => {
                // The database still holds what the save was typed over.
                if self.base.with_value(Option::is_none) {
                    self.base.set_value(from);
                }
                if let Some(moved) = onto {
                    self.saves.update_value(|s| s.put_back(moved));
                }
                // A draft, until a later save succeeds: a full storage must
                // not take the words with it when the user opens another
                // note or closes the tab.
                let newest = self
                    .saves
                    .try_update_value(|s| s.failed(&id, no))
                    .unwrap_or(false);
                let kept = newest.then(|| {
                    let mut typed_over = self.typed_over(&id);
                    typed_over.extend(over.filter(|o| !typed_over.contains(o)));
                    drafts::keep(Draft {
                        account: self.ctx.status.get_untracked().account,
                        id: id.clone(),
                        text: body.clone(),
                        over: typed_over,
                    })
                });
                if self.loaded.get_untracked().as_ref() == Some(&id) {
                    self.state.set(SaveState::after(&e));
                } else {
                    self.state.set(SaveState::Idle);
                    let where_ = if kept == Some(Kept::InThisTab) {
                        "in this tab only: open the note to save it again before you close the tab"
                    } else {
                        "on this device: open the note to save it again"
                    };
                    self.ctx.warn(format!(
                        "“{}” was not saved. {e} Its text is kept {where_}.",
                        store::notes::title_of(&body)
                    ));
                }
                false
            }
        }
    }
}
