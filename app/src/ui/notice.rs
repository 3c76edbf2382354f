//! The notice at the bottom of the screen: what was done, what went wrong,
//! maybe with a button for what to do next.
//!
//! What was done goes by itself after a while; it sits over the editor's last
//! lines, and the user would otherwise have to close every one. What went
//! wrong, and an offer to reload, stay until dismissed or replaced.

use std::cell::Cell;
use std::time::Duration;

use leptos::prelude::*;

use super::Ctx;

/// How long a notice of something done stays.
const DONE_FOR: Duration = Duration::from_secs(6);
/// How long "Undo" is offered; the Trash keeps the note after that too.
const UNDO_FOR: Duration = Duration::from_secs(10);
/// A notice the pointer or the keyboard is on stays this much longer.
const IN_USE_FOR: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub action: Option<Action>,
    /// Tells it from the notice that replaces it: a timer ends only its own.
    id: u64,
}

/// The button a notice offers.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Takes the note just moved to the trash out again.
    Undo(String),
    /// Reloads the page (edits not yet saved are kept: see `drafts`).
    Reload,
}

thread_local! {
    static LAST_ID: Cell<u64> = const { Cell::new(0) };
}

impl Ctx {
    /// Says that something was done; the notice goes after a few seconds.
    pub fn say(&self, text: impl Into<String>) {
        self.show(text.into(), None, Some(DONE_FOR));
    }

    /// Says what went wrong, or what the user must know; it stays.
    pub fn warn(&self, text: impl Into<String>) {
        self.show(text.into(), None, None);
    }

    /// Says `text` with a button for `action`.
    pub fn offer(&self, text: impl Into<String>, action: Action) {
        let lasts = match action {
            Action::Undo(_) => Some(UNDO_FOR),
            Action::Reload => None,
        };
        self.show(text.into(), Some(action), lasts);
    }

    fn show(&self, text: String, action: Option<Action>, lasts: Option<Duration>) {
        let id = LAST_ID.with(|last| {
            last.set(last.get() + 1);
            last.get()
        });
        self.notice.set(Some(Notice { text, action, id }));
        if let Some(lasts) = lasts {
            self.end_notice_after(id, lasts);
        }
    }

    fn end_notice_after(&self, id: u64, after: Duration) {
        let ctx = *self;
        set_timeout(
            move || {
                if ctx.notice.with_untracked(|n| n.as_ref().map(|n| n.id)) != Some(id) {
                    return;
                }
                // Not from under a pointer about to click it, or a focused button.
                if toast_in_use() {
                    ctx.end_notice_after(id, IN_USE_FOR);
                } else {
                    ctx.notice.set(None);
                }
            },
            after,
        );
    }
}

fn toast_in_use() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".toast:hover, .toast:focus-within").ok())
        .flatten()
        .is_some()
}

/// The notice line, with its action's button.
#[component]
pub fn Toast() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        {move || ctx.notice.get().map(|n| {
            view! {
                <div class="toast" role="status">
                    <span>{n.text}</span>
                    {n.action.map(|action| match action {
                        Action::Undo(id) => view! {
                            <button on:click=move |_| ctx.restore_note(id.clone())>"Undo"</button>
                        }.into_any(),
                        Action::Reload => view! {
                            <button on:click=|_| reload()>"Reload"</button>
                        }.into_any(),
                    })}
                    <button class="quiet" aria-label="Dismiss message" on:click=move |_| ctx.notice.set(None)>"×"</button>
                </div>
            }
        })}
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
