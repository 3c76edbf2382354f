//! Conflict copies of the open note: the versions of a line that lost to an
//! edit made at the same time on another device, shown beside the line as it
//! reads now. Each can be kept beside it, used instead of it, or dismissed
//! (deleted). Nothing is resolved without the user.

use leptos::prelude::*;

use super::note_row::format_time;
use crate::rpc::{Conflict, Device, Request};

/// A request to run after unsaved edits are written, and what to say after.
pub type Act = Callback<(Request, String)>;

#[component]
pub fn ConflictPanel(note_id: String, conflicts: Vec<Conflict>, act: Act) -> impl IntoView {
    let count = conflicts.len();
    view! {
        <section class="conflicts" aria-label="Conflicting edits">
            <h2>{format!(
                "This note was edited on two devices at once: {count} other version{} kept",
                if count == 1 { "" } else { "s" }
            )}</h2>
            <ul>
                {conflicts.into_iter().map(|c| copy(note_id.clone(), c, act)).collect_view()}
            </ul>
        </section>
    }
}

/// One conflict copy, beside the line it lost to.
fn copy(note_id: String, c: Conflict, act: Act) -> impl IntoView {
    let n = c.line_number;
    let run = move |request: Request, done: &'static str| {
        move |_| act.run((request.clone(), done.to_owned()))
    };
    let ids = || (note_id.clone(), c.line_id.clone());
    let keep_both = c.current.is_some().then(|| {
        let (note_id, line_id) = ids();
        let click = run(
            Request::KeepBothLineVersions { note_id, line_id },
            "Both versions are now lines of the note, one after the other.",
        );
        view! {
            <button aria-label=format!("Keep both versions of line {n}") on:click=click>"Keep both"</button>
        }
    });
    let (note_id_use, line_id_use) = ids();
    let use_it = run(
        Request::KeepLineVersion {
            note_id: note_id_use,
            line_id: line_id_use,
        },
        "The other version is now the line.",
    );
    let (note_id, line_id) = ids();
    let dismiss = run(
        Request::DismissLineVersion { note_id, line_id },
        "The other version was deleted; the line stays as it reads.",
    );
    let from = |device: &Option<Device>| match device {
        Some(d) if d.this_one => format!(", from this device ({})", d.name),
        Some(d) => format!(", from {}", d.name),
        None => String::new(),
    };
    let (now_label, now_text) = match &c.current {
        Some(text) => (format!("Line {n} now{}", from(&c.current_by)), text.clone()),
        None => (format!("Line {n}"), "(removed)".to_owned()),
    };
    let other_label = format!(
        "Other version{}, {}",
        from(&c.by),
        format_time(c.edited_at as f64)
    );
    view! {
        <li class="conflict">
            <div class="conflict-sides">
                <figure>
                    <figcaption class="muted">{now_label}</figcaption>
                    <p class="conflict-text">{now_text}</p>
                </figure>
                <figure>
                    <figcaption class="muted">{other_label}</figcaption>
                    <p class="conflict-text">{c.text.clone()}</p>
                </figure>
            </div>
            <div class="row-actions">
                {keep_both}
                <button aria-label=format!("Use the other version of line {n}") on:click=use_it>
                    "Use the other version"
                </button>
                <button class="quiet" aria-label=format!("Dismiss this version of line {n}") on:click=dismiss>
                    "Dismiss"
                </button>
            </div>
            <p class="hint">"Dismiss deletes the other version; the line stays as it reads now."</p>
        </li>
    }
}
