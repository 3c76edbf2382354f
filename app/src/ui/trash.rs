//! The trash: notes deleted in the last 30 days, to open, restore or delete
//! for good, and "Empty trash" (asked twice: it cannot be undone).

use leptos::prelude::*;

use super::note_row::format_time;
use super::{Ctx, ask};

#[component]
pub fn TrashList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // What the trash's search box holds; the list follows it.
    let query = RwSignal::new(String::new());
    let trash = LocalResource::new(move || {
        ctx.version.track();
        let query = query.get();
        async move { ask::list_trash(query).await }
    });
    let confirming = RwSignal::new(false);

    let delete_forever = move |id: String| {
        leptos::task::spawn_local(async move {
            match ask::delete_forever(id.clone()).await {
                Ok(_) => {
                    if ctx.selected.get_untracked().as_ref() == Some(&id) {
                        ctx.selected.set(None);
                    }
                    ctx.say("Note deleted for good.");
                }
                Err(e) => ctx.warn(format!("Could not delete the note: {e}")),
            }
        });
    };
    let empty = move |_| {
        confirming.set(false);
        leptos::task::spawn_local(async move {
            match ask::empty_trash().await {
                Ok(n) => {
                    ctx.selected.set(None);
                    ctx.say(format!("Trash emptied: {n} note(s) deleted for good."));
                }
                Err(e) => ctx.warn(format!("Could not empty the trash: {e}")),
            }
        });
    };

    view! {
        <div class="sidebar-tools trash-tools">
            <input
                type="search"
                class="search"
                placeholder="Search the trash"
                aria-label="Search the trash"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Escape" { query.set(String::new()); }
            />
            <p class="muted">"Deleted notes stay here for 30 days."</p>
            {move || if confirming.get() {
                view! {
                    <div class="confirm" role="group" aria-label="Confirm emptying the trash">
                        <span>"Delete every note in the trash for good?"</span>
                        <button class="danger" on:click=empty>"Yes, empty trash"</button>
                        <button on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button class="danger" on:click=move |_| confirming.set(true)>"Empty trash"</button>
                }.into_any()
            }}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move { match trash.await {
                Ok(list) if list.is_empty() => {
                    let text = if query.with_untracked(|q| q.trim().is_empty()) {
                        "The trash is empty."
                    } else {
                        "No note in the trash matches your search."
                    };
                    view! { <p class="muted empty">{text}</p> }.into_any()
                }
                Ok(list) => view! {
                    <ul class="note-list">
                        {list.into_iter().map(|n| {
                            let (open_id, restore_id, delete_id) = (n.id.clone(), n.id.clone(), n.id.clone());
                            let current = {
                                let id = n.id.clone();
                                move || ctx.selected.get().as_deref() == Some(id.as_str())
                            };
                            let deleted = n.deleted_at.map(|t| format!("Deleted {}", format_time(t as f64)));
                            view! {
                                <li class="trash-item">
                                    <button
                                        class="note-item"
                                        class:selected=current.clone()
                                        aria-current=move || if current() { "true" } else { "false" }
                                        on:click=move |_| ctx.selected.set(Some(open_id.clone()))
                                    >
                                        <span class="note-title">{n.title.clone()}</span>
                                        {n.snippet.as_deref().map(|s| view! {
                                            <span class="note-preview">{super::note_row::highlighted(s)}</span>
                                        })}
                                        <span class="note-date">{deleted}</span>
                                    </button>
                                    <div class="row-actions">
                                        <button
                                            aria-label=format!("Restore {}", n.title)
                                            on:click=move |_| ctx.restore_note(restore_id.clone())
                                        >"Restore"</button>
                                        <button
                                            class="danger"
                                            aria-label=format!("Delete {} forever", n.title)
                                            on:click=move |_| delete_forever(delete_id.clone())
                                        >"Delete forever"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            }})}
        </Transition>
    }
}
