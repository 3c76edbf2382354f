//! The list of notes (newest first), the search box and "New note".

use leptos::prelude::*;

use super::Ctx;
use super::first_page::{self, FirstPage};
use crate::client;
use crate::rpc::{NoteSummary, Request, Response};

/// Rows rendered at first, and added by each "Show more".
const PAGE: usize = 200;

/// A new note's id: random, made here so that a retried create cannot make two.
fn new_id() -> String {
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
    // Drawn until the database answers.
    let cached = StoredValue::new(first_page::load());
    let notes = LocalResource::new(move || {
        let query = ctx.query.get();
        let limit = u32::try_from(shown.get()).unwrap_or(u32::MAX);
        ctx.version.track();
        async move { client::call(Request::ListNotes { query, limit }).await }
    });

    let new_note = move |_| {
        let id = new_id();
        // Close the open note now (its unsaved edits are written): until the
        // new one exists, nothing typed may land in the old one.
        ctx.selected.set(None);
        leptos::task::spawn_local(async move {
            match client::call(Request::SaveNote {
                id: id.clone(),
                body: String::new(),
            })
            .await
            {
                Ok(_) => {
                    ctx.query.set(String::new());
                    ctx.selected.set(Some(id));
                }
                Err(e) => ctx.say(format!("Could not create a note: {e}")),
            }
        });
    };

    view! {
        <div class="sidebar-tools">
                <input
                    type="search"
                    class="search"
                    placeholder="Search notes"
                    aria-label="Search notes"
                    prop:value=move || ctx.query.get()
                    on:input=move |ev| ctx.query.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            ctx.query.set(String::new());
                        }
                    }
                />
                <button class="primary" on:click=new_note>"New note"</button>
        </div>
            <Transition fallback=move || match cached.get_value() {
                Some(page) if !page.notes.is_empty() => rows(ctx, page.notes, page.total, shown, true).into_any(),
                _ => view! { <p class="muted">"Loading…"</p> }.into_any(),
            }>
                {move || Suspend::new(async move { match notes.await {
                    Ok(Response::NoteList { notes: list, total }) => {
                        let searching = !ctx.query.get_untracked().is_empty();
                        if !searching && list.len() <= PAGE {
                            first_page::keep(&FirstPage { notes: list.clone(), total });
                        }
                        if list.is_empty() {
                            let text = if searching {
                                "No note matches your search."
                            } else {
                                "No notes yet. Press “New note” to start."
                            };
                            view! { <p class="muted empty">{text}</p> }.into_any()
                        } else {
                            rows(ctx, list, total, shown, false).into_any()
                        }
                    }
                    Ok(_) => view! { <p class="error" role="alert">"Unexpected answer from the database."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }})}
            </Transition>
    }
}

/// The list's rows, and "Show more" when there are more than `list`;
/// `cached`: the copy from the last start, shown until the database answers.
fn rows(
    ctx: Ctx,
    list: Vec<NoteSummary>,
    total: u32,
    shown: RwSignal<usize>,
    cached: bool,
) -> impl IntoView {
    let hidden = (total as usize).saturating_sub(list.len());
    view! {
        <ul class="note-list" aria-busy=cached.then_some("true")>
            {list.into_iter().map(|n| {
                let id = n.id.clone();
                let current = {
                    let id = id.clone();
                    move || ctx.selected.get().as_deref() == Some(id.as_str())
                };
                view! {
                    <li>
                        <button
                            class="note-item"
                            class:selected=current.clone()
                            aria-current=move || if current() { "true" } else { "false" }
                            on:click=move |_| ctx.selected.set(Some(id.clone()))
                        >
                            <span class="note-title">{n.title}</span>
                            {(n.conflicts > 0).then(|| view! {
                                <span class="conflict-badge">
                                    {format!("{} conflicting edit{}", n.conflicts, if n.conflicts == 1 { "" } else { "s" })}
                                </span>
                            })}
                            <span class="note-date">{format_time(n.updated_at as f64)}</span>
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
        {(hidden > 0).then(|| view! {
            <button class="show-more" on:click=move |_| shown.update(|n| *n += PAGE)>{format!("Show more ({hidden} older notes)")}</button>
        })}
    }
}

thread_local! {
    /// One formatter for every date shown: `Date.toLocaleString` with
    /// options builds a new one per call, slow over hundreds of rows.
    static DATE_FORMAT: js_sys::Function = {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &opts).format()
    };
}

/// A local date and time, short.
pub fn format_time(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    DATE_FORMAT.with(|format| {
        format
            .call1(&wasm_bindgen::JsValue::NULL, &date)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    })
}
