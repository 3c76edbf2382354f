//! The list of notes (newest first), the search box and "New note".

use leptos::prelude::*;

use super::Ctx;
use crate::client;
use crate::rpc::{Request, Response};

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
    // Rendering thousands of rows is what makes a big notebook slow to open:
    // show the newest first, more on request (search always covers all).
    let shown = RwSignal::new(PAGE);
    let notes = LocalResource::new(move || {
        let query = ctx.query.get();
        ctx.version.track();
        async move { client::call(Request::ListNotes { query }).await }
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
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move { match notes.await {
                    Ok(Response::Notes(list)) if list.is_empty() => {
                        let text = if ctx.query.get_untracked().is_empty() {
                            "No notes yet. Press “New note” to start."
                        } else {
                            "No note matches your search."
                        };
                        view! { <p class="muted empty">{text}</p> }.into_any()
                    }
                    Ok(Response::Notes(list)) => {
                        let hidden = list.len().saturating_sub(shown.get_untracked());
                        view! {
                        <ul class="note-list">
                            {list.into_iter().take(shown.get_untracked()).map(|n| {
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
                            <button class="show-more" on:click=move |_| {
                                shown.update(|n| *n += PAGE);
                                ctx.version.update(|v| *v += 1);
                            }>{format!("Show more ({hidden} older notes)")}</button>
                        })}
                    }.into_any()
                    }
                    Ok(_) => view! { <p class="error" role="alert">"Unexpected answer from the database."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }})}
            </Transition>
    }
}

/// A local date and time, short.
pub fn format_time(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    d.to_locale_string("default", &opts).into()
}
