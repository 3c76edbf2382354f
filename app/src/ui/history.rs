//! A note's history: the text now, then earlier versions (one per few
//! minutes of editing), newest first. Each version shows what changed after
//! it (lines removed and added on the way to the next one) and can be
//! restored; restoring keeps the current text in history first.

use leptos::prelude::*;
use store::notes::{LineChange, compare};

use super::ask;
use super::conflicts::Act;
use super::note_row::format_time;
use crate::rpc::{Request, RpcError, Version};

/// What the panel shows under the list.
#[derive(Clone, PartialEq)]
enum Shown {
    Now(String),
    Version {
        version: Version,
        /// From this version to the text after it.
        changes: Vec<LineChange>,
    },
}

async fn text_of(note_id: String, version_id: Option<String>) -> Result<String, RpcError> {
    let gone = || RpcError::Refused("That version is no longer there.".into());
    match version_id {
        Some(version_id) => ask::get_version(version_id)
            .await?
            .map(|v| v.body)
            .ok_or_else(gone),
        None => ask::read_note(note_id)
            .await?
            .map(|n| n.body)
            .ok_or_else(gone),
    }
}

#[component]
pub fn HistoryPanel(note_id: String, act: Act, close: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<super::Ctx>();
    let versions = LocalResource::new({
        let note_id = note_id.clone();
        move || {
            ctx.version.track();
            let note_id = note_id.clone();
            async move { ask::history(note_id).await }
        }
    });
    let shown = RwSignal::new(None::<Shown>);
    let note = StoredValue::new(note_id.clone());
    // `newer`: the version after it, or `None` for the text now.
    let open = {
        move |version_id: Option<String>, newer: Option<String>| {
            let note_id = note.get_value();
            leptos::task::spawn_local(async move {
                let Some(version_id) = version_id else {
                    match text_of(note_id, None).await {
                        Ok(text) => shown.set(Some(Shown::Now(text))),
                        Err(e) => ctx.warn(format!("Could not open the note: {e}")),
                    }
                    return;
                };
                let version = ask::get_version(version_id).await;
                let after = text_of(note_id, newer).await;
                match (version, after) {
                    (Ok(Some(version)), Ok(after)) => {
                        let changes = compare(&version.body, &after);
                        shown.set(Some(Shown::Version { version, changes }));
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        ctx.warn(format!("Could not open that version: {e}"))
                    }
                    _ => ctx.warn("That version is no longer there."),
                }
            });
        }
    };
    let is_shown = move |id: Option<&str>| {
        shown.with(|s| match (s, id) {
            (Some(Shown::Now(_)), None) => true,
            (Some(Shown::Version { version, .. }), Some(id)) => version.id == id,
            _ => false,
        })
    };
    let entry = move |label: String, detail: String, id: Option<String>, newer: Option<String>| {
        let mine = id.clone();
        let current = move || is_shown(mine.as_deref());
        view! {
            <li>
                <button
                    class="note-item"
                    class:selected=current.clone()
                    aria-current=move || if current() { "true" } else { "false" }
                    on:click=move |_| open(id.clone(), newer.clone())
                >
                    <span class="note-title">{label}</span>
                    <span class="note-date">{detail}</span>
                </button>
            </li>
        }
    };

    view! {
        <section class="history" aria-label="History">
            <div class="editor-tools">
                <h2>"History"</h2>
                <button on:click=move |_| close.run(())>"Back to note"</button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move { match versions.await {
                    Ok(list) => {
                        let empty = list.is_empty();
                        let mut newer = None::<String>;
                        let rows = list.into_iter().map(|v| entry(
                            format_time(v.saved_at as f64),
                            format!("{} · {} lines", v.title, v.line_count),
                            Some(v.id.clone()),
                            newer.replace(v.id.clone()),
                        )).collect_view();
                        view! {
                            <ul class="note-list versions">
                                {entry("Now".into(), "The text as it is".into(), None, None)}
                                {rows}
                            </ul>
                            {empty.then(|| view! {
                                <p class="muted">"No earlier versions yet. One is kept every few minutes while you edit."</p>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }})}
            </Transition>
            {move || shown.get().map(|s| match s {
                Shown::Now(text) => view! {
                    <div class="version-preview">
                        <div class="editor-tools"><span>"The text as it is now"</span></div>
                        <div class="version-text" aria-label="Version text">{text}</div>
                    </div>
                }.into_any(),
                Shown::Version { version, changes } => {
                    let restore = {
                        let (note_id, version_id) = (note_id.clone(), version.id.clone());
                        move |_| act.run((
                            Request::RestoreVersion { note_id: note_id.clone(), version_id: version_id.clone() },
                            "Version restored. The text it replaced is in History.".into(),
                        ))
                    };
                    view! {
                        <div class="version-preview">
                            <div class="editor-tools">
                                <span>{format!("As it was on {}", format_time(version.saved_at as f64))}</span>
                                <button class="primary" on:click=restore>"Restore this version"</button>
                            </div>
                            <p class="hint">"Struck-through lines were removed after this version; highlighted ones were added."</p>
                            <div class="version-text" aria-label="Version text">{changes_view(changes)}</div>
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// Lines removed after a version as `<del>`, lines added as `<ins>`.
fn changes_view(changes: Vec<LineChange>) -> impl IntoView {
    changes
        .into_iter()
        .map(|c| match c {
            LineChange::Same(l) => view! { <div class="line">{l}</div> }.into_any(),
            LineChange::Removed(l) => view! { <div class="line"><del>{l}</del></div> }.into_any(),
            LineChange::Added(l) => view! { <div class="line"><ins>{l}</ins></div> }.into_any(),
        })
        .collect_view()
}
