//! The list of notes (pinned first, then in the order chosen), the search
//! box and "New note".

use leptos::prelude::*;

use super::ask;
use super::first_page::{self, FirstPage};
use super::note_row::row;
use super::organize::ListTools;
use super::{Ctx, when};
use crate::rpc::NoteSummary;

/// Rows rendered at first, and added by each "Show more".
const PAGE: usize = 200;
/// Search results asked for at first (and then as many more each time).
const SEARCH_PAGE: usize = 50;
/// How long typing in the search box pauses before the list follows it.
const SEARCH_PAUSE_MS: u32 = 150;

/// Rows kept for the next start: what a tall screen shows, and few enough to
/// draw at once while the UI's wasm is still cold (each row's first drawing
/// runs code V8 has not compiled yet: 50 rows took the mount 20 ms longer).
const KEPT: usize = 25;

/// A new note's id: random, made here so that a retried create cannot make two.
pub(super) fn new_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| {
            format!(
                "{:x}-{:x}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e15) as u64
            )
        })
}

#[component]
pub fn NotesList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Reading, sending and drawing thousands of rows is what makes a big
    // notebook slow to open: the newest first, more on request (search always
    // covers all notes).
    let shown = RwSignal::new(PAGE);
    let now = when::minute_clock();
    let rows = RwSignal::new(Vec::<NoteSummary>::new());
    let total = RwSignal::new(0u32);
    let state = RwSignal::new(ListState::Loading);
    // Drawn until the database answers.
    if let Some(page) = first_page::load().filter(|p| !p.notes.is_empty()) {
        rows.set(page.notes);
        total.set(page.total);
        state.set(ListState::Kept);
    }
    // Re-read when the search, the page size or the data changes. Answers
    // update the rows one by one (<For> below): after every save only the
    // edited note's row changes, and the list must not be rebuilt for that.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let query = ctx.query.get();
        // A search shows its best matches first, each with a snippet to
        // make and draw: a shorter first page, more on request.
        let limit = if query.trim().is_empty() {
            shown.get()
        } else {
            shown.get() / (PAGE / SEARCH_PAGE)
        };
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let (sort, tag) = (ctx.sort.get(), ctx.tag.get());
        ctx.version.track();
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        leptos::task::spawn_local(async move {
            let whole_list = query.trim().is_empty() && tag.is_none();
            let answer = ask::list_notes(query.clone(), limit, sort, tag).await;
            // A newer question is on its way, or the list is gone (another
            // pane shown): its signals were disposed with it. Nothing below
            // awaits, so they stay alive to the end.
            if asked.try_get_value() != Some(mine) {
                return;
            }
            let next = match answer {
                Ok(ask::Page { notes, total: all }) => {
                    if whole_list {
                        first_page::keep(&FirstPage {
                            notes: notes[..notes.len().min(KEPT)].to_vec(),
                            total: all,
                        });
                    }
                    ctx.order
                        .set_value(notes.iter().map(|n| n.id.clone()).collect());
                    if rows.with_untracked(|r| *r != notes) {
                        rows.set(notes);
                    }
                    if total.get_untracked() != all {
                        total.set(all);
                    }
                    ListState::Fresh
                }
                Err(e) => ListState::Failed(e.to_string()),
            };
            if state.get_untracked() != next {
                state.set(next);
            }
        });
    });

    // What is in the search box; the list follows it once typing pauses
    // (a query per keystroke would only be superseded by the next).
    let typed = RwSignal::new(ctx.query.get_untracked());
    Effect::new(move |_| {
        // Cleared elsewhere (New note): the box follows.
        let q = ctx.query.get();
        if q.is_empty() && !typed.get_untracked().is_empty() {
            typed.set(q);
        }
    });
    let keystrokes = StoredValue::new(0u64);
    let search_after_pause = move |text: String| {
        typed.set(text.clone());
        keystrokes.update_value(|n| *n += 1);
        let mine = keystrokes.get_value();
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(SEARCH_PAUSE_MS).await;
            if keystrokes.try_get_value() == Some(mine) {
                ctx.query.set(text);
            }
        });
    };

    // Opens an empty note with the caret in it; the note is written with
    // its first words (the editor), so a "New note" left empty leaves none.
    let new_note = move |_| {
        let id = new_id();
        ctx.query.set(String::new());
        ctx.fresh.set(Some(id.clone()));
        ctx.selected.set(Some(id));
    };

    view! {
        <div class="sidebar-tools">
                <input
                    type="search"
                    class="search"
                    placeholder="Search notes"
                    aria-label="Search notes"
                    aria-keyshortcuts="/ Control+F Meta+F"
                    prop:value=move || typed.get()
                    on:input=move |ev| search_after_pause(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            typed.set(String::new());
                            ctx.query.set(String::new());
                        }
                    }
                />
                <button class="primary" aria-keyshortcuts="Control+Alt+N Meta+Alt+N" on:click=new_note>"New note"</button>
        </div>
        <ListTools />
            {move || match state.get() {
                ListState::Loading => view! { <p class="muted">"Loading…"</p> }.into_any(),
                ListState::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                ListState::Fresh if rows.with(Vec::is_empty) => {
                    // Tracked: an empty list says why again when the search changes.
                    let text = match (ctx.query.with(|q| q.trim().is_empty()), ctx.tag.with(Option::is_some)) {
                        (true, false) => "No notes yet. Press “New note” to start.",
                        (true, true) => "No note carries this tag any more.",
                        (false, _) => "No note matches your search.",
                    };
                    view! { <p class="muted empty">{text}</p> }.into_any()
                }
                ListState::Kept | ListState::Fresh => ().into_any(),
            }}
            <Show when=move || {
                matches!(state.get(), ListState::Kept | ListState::Fresh) && !rows.with(Vec::is_empty)
            }>
                <ul
                    class="note-list"
                    aria-busy=move || (state.get() == ListState::Kept).then_some("true")
                >
                    <For each=move || rows.get() key=|n| n.clone() children=move |n| row(ctx, now, n) />
                </ul>
                {move || {
                    let hidden = (total.get() as usize).saturating_sub(rows.with(Vec::len));
                    (hidden > 0).then(|| view! {
                        <button class="show-more" on:click=move |_| shown.update(|n| *n += PAGE)>
                            {if ctx.query.with_untracked(|q| q.trim().is_empty()) {
                                format!("Show more ({hidden} more notes)")
                            } else {
                                format!("Show more ({hidden} more matches)")
                            }}
                        </button>
                    })
                }}
            </Show>
    }
}

/// What the list shows.
#[derive(Clone, Debug, PartialEq)]
enum ListState {
    /// Nothing yet.
    Loading,
    /// The first page as this browser last showed it, until the database
    /// answers.
    Kept,
    /// The database's answer.
    Fresh,
    Failed(String),
}
