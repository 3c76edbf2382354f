//! One note of a list: its title, pin, conflicts, a line of its text (or
//! where a search matched it) and when it was last edited; and the dates
//! every pane shows.

use leptos::prelude::*;

use super::{Ctx, when};
use crate::rpc::NoteSummary;

/// One note of the list.
pub(super) fn row(ctx: Ctx, now: RwSignal<f64>, n: NoteSummary) -> impl IntoView {
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
                aria-current={
                    let current = current.clone();
                    move || if current() { "true" } else { "false" }
                }
                // One stop for Tab, the open note's row (the arrows move
                // along the list, ui/keys.rs); every row while none is open.
                tabindex=move || {
                    if ctx.selected.with(Option::is_none) || current() { "0" } else { "-1" }
                }
                on:click=move |_| ctx.selected.set(Some(id.clone()))
            >
                <span class="note-title">{n.title}</span>
                {n.pinned.then(|| view! { <span class="pin-mark">"Pinned"</span> })}
                {(n.conflicts > 0).then(|| view! {
                    <span class="conflict-badge">
                        {format!("{} conflicting edit{}", n.conflicts, if n.conflicts == 1 { "" } else { "s" })}
                    </span>
                })}
                {match n.snippet {
                    Some(snippet) => view! { <span class="note-preview">{highlighted(&snippet)}</span> }.into_any(),
                    None => (!n.preview.is_empty())
                        .then(|| view! { <span class="note-preview">{n.preview}</span> })
                        .into_any(),
                }}
                {when::view_time(now, n.updated_at as f64)}
            </button>
        </li>
    }
}

/// A search snippet as text with its matches marked: split at the
/// markers the database put around them, never parsed as markup.
pub(super) fn highlighted(snippet: &str) -> Vec<AnyView> {
    let mut parts = Vec::new();
    for (i, piece) in snippet.split(store::MATCH_START).enumerate() {
        let (matched, rest) = match piece.split_once(store::MATCH_END) {
            Some((m, rest)) if i > 0 => (Some(m), rest),
            _ => (None, piece),
        };
        if let Some(m) = matched {
            parts.push(view! { <mark>{m.to_owned()}</mark> }.into_any());
        }
        if !rest.is_empty() {
            parts.push(rest.to_owned().into_any());
        }
    }
    parts
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
