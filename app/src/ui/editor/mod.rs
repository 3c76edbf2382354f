//! The editor: one text area per note, saved as you type (debounced), with a
//! saving/saved indicator, delete (to the trash) with undo, the note's
//! conflict copies and its history.

mod delete;
mod fresh;
mod pin;
mod preview;
mod save;
mod saves;
mod write;

use leptos::prelude::*;

use super::Ctx;
use super::ask::{self, Read};
use super::conflicts::{Act, ConflictPanel};
use super::drafts::{self, Draft};
use super::history::HistoryPanel;
use crate::rpc::{Conflict, Note, Request, RpcError};
use save::Editing;
use write::Base;

/// Quiet time after the last keystroke before saving.
const DEBOUNCE_MS: u32 = 300;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Failed, and may succeed if tried again (a full storage freed).
    Failed(String),
    /// Refused for what the text is (too long): trying again cannot help.
    Refused(String),
}

impl SaveState {
    pub(super) fn after(e: &RpcError) -> Self {
        match e {
            RpcError::Refused(why) => Self::Refused(why.clone()),
            other => Self::Failed(other.to_string()),
        }
    }
}

/// The text of a draft of `note` the database lacks, if it was typed over
/// what the database holds (a save that failed, a page that went away). A
/// draft typed over another text waits for the next start, which keeps it
/// as a note of its own; one the database caught up with is forgotten.
fn unsaved_draft(note: &Note, account: Option<String>) -> Option<String> {
    let draft = drafts::of(&note.id).filter(|d| d.account == account)?;
    if draft.text == note.body {
        drafts::saved(&note.id);
        return None;
    }
    draft.over.contains(&note.body).then_some(draft.text)
}

#[component]
pub fn Editor() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let editing = Editing::new(ctx);
    let Editing {
        text,
        loaded,
        dirty,
        edits,
        state,
        base,
        saves,
        turn,
        ..
    } = editing;
    // Of the note shown: when it went to the trash, and its conflict copies.
    let deleted_at = RwSignal::new(None::<i64>);
    let pinned = RwSignal::new(false);
    let conflicts = RwSignal::new(Vec::<Conflict>::new());
    let show_history = RwSignal::new(false);
    let previewing = preview::previewing(editing);
    let save = move |id: String, body: String| editing.save(id, body);

    // Load the selected note; re-read it when data changed elsewhere, unless
    // the user has edits here that are newer.
    Effect::new(move |_| {
        let selected = ctx.selected.get();
        ctx.version.track();
        let shown = loaded.get_untracked();
        if shown != selected {
            // Leaving a note: its unsaved edits are written first.
            if let Some(prev) = shown.clone() {
                editing.leave(prev);
            }
            dirty.set(false);
        } else if dirty.get_untracked() {
            return;
        }
        let Some(id) = selected else {
            loaded.set(None);
            text.set(String::new());
            state.set(SaveState::Idle);
            return;
        };
        if editing.open_fresh(&id, shown.as_ref()) {
            // Only what differs: a signal set re-renders the text area.
            if show_history.get_untracked() {
                show_history.set(false);
            }
            if deleted_at.get_untracked().is_some() {
                deleted_at.set(None);
            }
            if pinned.get_untracked() {
                pinned.set(false);
            }
            if !conflicts.with_untracked(Vec::is_empty) {
                conflicts.set(Vec::new());
            }
            return;
        }
        if shown.as_ref() != Some(&id) {
            state.set(SaveState::Idle);
            show_history.set(false);
            // Until the new note is read, the text area belongs to no note:
            // what is typed into it must not land in the previous one.
            if shown.is_some() {
                loaded.set(None);
                text.set(String::new());
            }
        }
        leptos::task::spawn_local(async move {
            // Read after the saves made before: a note read while its save
            // waits lacks that save's words, and would show them deleted.
            let turn = turn.get_value();
            let answer = {
                let _turn = turn.lock().await;
                let known = base.with_value(|b| {
                    b.as_ref()
                        .filter(|b| b.id == id && shown.as_ref() == Some(&id))
                        .map(|b| b.revision)
                });
                ask::get_note(id.clone(), known).await
            };
            match answer {
                Ok(Read::Unchanged) => {}
                Ok(Read::Note(note)) => {
                    let still_shown = ctx.selected.get_untracked().as_ref() == Some(&note.id);
                    if still_shown && !dirty.get_untracked() {
                        let unsaved = unsaved_draft(&note, ctx.status.get_untracked().account);
                        let shown = unsaved.as_ref().unwrap_or(&note.body);
                        if text.get_untracked() != *shown {
                            editing.show(shown.clone());
                        }
                        base.set_value(Some(Base {
                            id: note.id.clone(),
                            text: note.body,
                            revision: note.revision,
                        }));
                        saves.update_value(|s| s.read(&note.id));
                        // Setting a signal re-renders what reads it, even to
                        // the same value: that would replace the text area
                        // (and lose the caret) after every save.
                        if deleted_at.get_untracked() != note.deleted_at {
                            deleted_at.set(note.deleted_at);
                        }
                        if pinned.get_untracked() != note.pinned {
                            pinned.set(note.pinned);
                        }
                        if conflicts.get_untracked() != note.conflicts {
                            conflicts.set(note.conflicts);
                        }
                        loaded.set(Some(note.id.clone()));
                        // Words a failed save or a closed page left: shown
                        // as unsaved edits, and saved again now.
                        if let Some(body) = unsaved {
                            dirty.set(true);
                            saves.update_value(|s| s.drafted(&note.id));
                            save(note.id, body).await;
                        }
                    }
                }
                Ok(Read::Gone) => {
                    // Deleted for good (maybe in another tab).
                    if ctx.selected.get_untracked().as_ref() == Some(&id) {
                        ctx.selected.set(None);
                    }
                }
                Err(e) => state.set(SaveState::Failed(e.to_string())),
            }
        });
    });

    let on_input = move |ev: leptos::ev::Event| {
        let Some(id) = loaded.get_untracked() else {
            return;
        };
        text.set(event_target_value(&ev));
        dirty.set(true);
        state.set(SaveState::Saving);
        edits.update_value(|n| *n += 1);
        let mine = edits.get_value();
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
            // Still the latest edit of the same note: save it.
            if edits.get_value() == mine && loaded.get_untracked().as_ref() == Some(&id) {
                save(id, text.get_untracked()).await;
            }
        });
    };

    let save_now = move || {
        if let Some(id) = loaded.get_untracked() {
            edits.update_value(|n| *n += 1);
            leptos::task::spawn_local(async move {
                save(id, text.get_untracked()).await;
            });
        }
    };

    // The page is hidden or going away (a closed tab, a reload, a phone
    // switching apps) with edits autosave has not sent yet: keep them in
    // localStorage, which is written before this returns, and save now.
    // The next start saves the draft if this save does not arrive.
    let going = move || {
        let Some(id) = loaded.get_untracked().filter(|_| dirty.get_untracked()) else {
            return;
        };
        drafts::keep(Draft {
            account: ctx.status.get_untracked().account,
            over: editing.typed_over(&id),
            id: id.clone(),
            text: text.get_untracked(),
        });
        saves.update_value(|s| s.drafted(&id));
        save_now();
    };
    let hidden = window_event_listener_untyped("visibilitychange", move |_| {
        if document().hidden() {
            going();
        }
    });
    let gone = window_event_listener_untyped("pagehide", move |_| going());
    on_cleanup(move || {
        hidden.remove();
        gone.remove();
    });

    // Conflict and history actions change the text in the database: write
    // unsaved edits first (or they would undo the action), then re-read.
    let act: Act = Callback::new(move |(request, done): (Request, String)| {
        let pending = loaded
            .get_untracked()
            .filter(|_| dirty.get_untracked())
            .map(|id| (id, text.get_untracked()));
        edits.update_value(|n| *n += 1);
        leptos::task::spawn_local(async move {
            if let Some((id, body)) = pending
                && !save(id, body).await
            {
                return;
            }
            dirty.set(false);
            match ask::done(request).await {
                Ok(false) => {
                    ctx.warn("That version is no longer there (changed on another device?).");
                }
                Ok(true) => {
                    show_history.set(false);
                    ctx.say(done);
                }
                Err(e) => ctx.warn(format!("Could not do that: {e}")),
            }
        });
    });

    let restore = move |_| {
        if let Some(id) = loaded.get_untracked() {
            ctx.restore_note(id);
        }
    };

    let delete = move |_| editing.delete();

    let indicator = move || match state.get() {
        SaveState::Idle => String::new(),
        SaveState::Saving => "Saving…".into(),
        SaveState::Saved => "Saved".into(),
        SaveState::Failed(e) | SaveState::Refused(e) => format!("Not saved: {e}"),
    };

    // A phone shows the list or a note: this goes back to the list (the
    // note's edits are written as it closes).
    let back = move |_| ctx.selected.set(None);

    // A new note gets the caret: what is typed next is its first line.
    let area = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        let (Some(el), Some(shown)) = (area.get(), loaded.get()) else {
            return;
        };
        if ctx.fresh.get_untracked().as_ref() == Some(&shown) {
            let _ = el.focus();
        }
    });

    view! {
        <section class="editor" aria-label="Editor">
            {move || match ctx.selected.get() {
                None => view! {
                    <p class="muted placeholder">"Select a note, or press “New note”."</p>
                }.into_any(),
                Some(_) if deleted_at.get().is_some() => view! {
                    <button class="back" on:click=back><span aria-hidden="true">"‹ "</span>"All notes"</button>
                    <div class="trash-banner" role="status">
                        <span>"This note is in the Trash."</span>
                        <button on:click=restore>"Restore note"</button>
                    </div>
                    <textarea class="note-text" aria-label="Note text" readonly prop:value=move || text.get()></textarea>
                }.into_any(),
                Some(id) if show_history.get() => view! {
                    <HistoryPanel note_id=id act=act close=Callback::new(move |()| show_history.set(false)) />
                }.into_any(),
                Some(id) => view! {
                    <div class="editor-tools">
                        <button class="back" on:click=back><span aria-hidden="true">"‹ "</span>"All notes"</button>
                        <span
                            class="save-state"
                            class:failed=move || matches!(state.get(), SaveState::Failed(_) | SaveState::Refused(_))
                            aria-live="polite"
                        >{indicator}</span>
                        {move || matches!(state.get(), SaveState::Failed(_)).then(|| view! {
                            <button on:click=move |_| save_now()>"Retry save"</button>
                        })}
                        <pin::PinButton id=id.clone() pinned=pinned />
                        <preview::PreviewButton on=previewing editing=editing />
                        <button on:click=move |_| show_history.set(true)>"History"</button>
                        <button
                            title="Download this note as a Markdown file"
                            on:click={
                                let id = id.clone();
                                // Saved first: the file holds what is on screen.
                                move |_| {
                                    save_now();
                                    super::transfer::export_note(ctx, id.clone());
                                }
                            }
                        >"Export .md"</button>
                        <button class="danger" on:click=delete>"Delete note"</button>
                    </div>
                    {move || {
                        let list = conflicts.get();
                        (!list.is_empty()).then(|| view! {
                            <ConflictPanel note_id=id.clone() conflicts=list act=act />
                        })
                    }}
                    <div class="note-body" class:previewing=move || previewing.get()>
                        <textarea
                            node_ref=area
                            class="note-text"
                            aria-label="Note text"
                            placeholder="Write your note. The first line is its title."
                            prop:readOnly=move || loaded.get() != ctx.selected.get()
                            prop:value=move || text.get()
                            on:input=on_input
                            // Leaving the text (to press Sync, Sign out, another
                            // note) saves at once: what that does must see the
                            // last words, not wait for autosave.
                            on:blur=move |_| {
                                if dirty.get_untracked() {
                                    save_now();
                                }
                            }
                            on:keydown=move |ev| {
                                if (ev.ctrl_key() || ev.meta_key()) && ev.key() == "s" {
                                    ev.prevent_default();
                                    save_now();
                                }
                            }
                        ></textarea>
                        {move || previewing.get().then(|| view! { <preview::Preview editing=editing /> })}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
