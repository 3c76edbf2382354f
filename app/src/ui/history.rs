//! A note's history: earlier versions (one per few minutes of editing), to
//! read and restore. Restoring keeps the current text in history first.

use leptos::prelude::*;

use super::conflicts::Act;
use super::notes_list::format_time;
use crate::client;
use crate::rpc::{Request, Response, Version};

#[component]
pub fn HistoryPanel(note_id: String, act: Act, close: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<super::Ctx>();
    let versions = LocalResource::new({
        let note_id = note_id.clone();
        move || {
            ctx.version.track();
            let note_id = note_id.clone();
            async move { client::call(Request::History { note_id }).await }
        }
    });
    let preview = RwSignal::new(None::<Version>);
    let open = move |version_id: String| {
        leptos::task::spawn_local(async move {
            match client::call(Request::GetVersion { version_id }).await {
                Ok(Response::Version(v)) => preview.set(v),
                Ok(_) => {}
                Err(e) => ctx.warn(format!("Could not open that version: {e}")),
            }
        });
    };

    view! {
        <section class="history" aria-label="History">
            <div class="editor-tools">
                <h2>"History"</h2>
                <button on:click=move |_| close.run(())>"Back to note"</button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move { match versions.await {
                    Ok(Response::History(list)) if list.is_empty() => view! {
                        <p class="muted">"No earlier versions yet. One is kept every few minutes while you edit."</p>
                    }.into_any(),
                    Ok(Response::History(list)) => view! {
                        <ul class="note-list versions">
                            {list.into_iter().map(|v| {
                                let id = v.id.clone();
                                let selected = {
                                    let id = v.id.clone();
                                    move || preview.get().is_some_and(|p| p.id == id)
                                };
                                view! {
                                    <li>
                                        <button
                                            class="note-item"
                                            class:selected=selected.clone()
                                            aria-current=move || if selected() { "true" } else { "false" }
                                            on:click=move |_| open(id.clone())
                                        >
                                            <span class="note-title">{format_time(v.saved_at as f64)}</span>
                                            <span class="note-date">{format!("{} · {} lines", v.title, v.line_count)}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Ok(_) => view! { <p class="error" role="alert">"Unexpected answer from the database."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }})}
            </Transition>
            {move || preview.get().map(|v| {
                let restore = {
                    let (note_id, version_id) = (note_id.clone(), v.id.clone());
                    move |_| act.run((
                        Request::RestoreVersion { note_id: note_id.clone(), version_id: version_id.clone() },
                        "Version restored. The text it replaced is in History.".into(),
                    ))
                };
                view! {
                    <div class="version-preview">
                        <div class="editor-tools">
                            <span>{format!("As it was on {}", format_time(v.saved_at as f64))}</span>
                            <button class="primary" on:click=restore>"Restore this version"</button>
                        </div>
                        <pre aria-label="Version text">{v.body}</pre>
                    </div>
                }
            })}
        </section>
    }
}
