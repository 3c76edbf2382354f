//! Conflict copies of the open note: the versions of a line that lost to an
//! edit made at the same time on another device, each with "Use this
//! version" and "Dismiss". Nothing is resolved without the user.

use leptos::prelude::*;

use super::notes_list::format_time;
use crate::rpc::{Conflict, Request};

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
                {conflicts.into_iter().map(|c| {
                    let (keep, dismiss) = {
                        let (n1, n2, l1, l2) = (note_id.clone(), note_id.clone(), c.line_id.clone(), c.line_id.clone());
                        (
                            move |_| act.run((
                                Request::KeepLineVersion { note_id: n1.clone(), line_id: l1.clone() },
                                "The other version is now the line.".into(),
                            )),
                            move |_| act.run((
                                Request::DismissLineVersion { note_id: n2.clone(), line_id: l2.clone() },
                                "Version dismissed.".into(),
                            )),
                        )
                    };
                    let current = match &c.current {
                        Some(text) => format!("Line {} now reads “{}”.", c.line_number, text),
                        None => format!("Line {} was removed here.", c.line_number),
                    };
                    view! {
                        <li class="conflict">
                            <p class="muted">{current}</p>
                            <p>
                                "Other version ("{format_time(c.edited_at as f64)}"): "
                                <q class="conflict-text">{c.text.clone()}</q>
                            </p>
                            <div class="row-actions">
                                <button
                                    aria-label=format!("Use this version of line {}", c.line_number)
                                    on:click=keep
                                >"Use this version"</button>
                                <button
                                    class="quiet"
                                    aria-label=format!("Dismiss this version of line {}", c.line_number)
                                    on:click=dismiss
                                >"Dismiss"</button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
