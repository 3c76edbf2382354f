//! Pin or unpin the note shown: a pinned note heads the list, on every
//! device (a replicated column, so it syncs like the text).

use leptos::prelude::*;

use super::Ctx;
use crate::ui::ask;

/// The toggle; `pinned` is the note's state as last read.
#[component]
pub fn PinButton(id: String, pinned: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let toggle = move |_| {
        let id = id.clone();
        let want = !pinned.get_untracked();
        leptos::task::spawn_local(async move {
            match ask::set_pinned(id, want).await {
                Ok(true) => {
                    pinned.set(want);
                    ctx.say(if want {
                        "Pinned: the note heads the list."
                    } else {
                        "Unpinned."
                    });
                }
                // A new note is written with its first words.
                Ok(false) => ctx.warn("Write something in the note before pinning it."),
                Err(e) => ctx.warn(format!("Could not pin the note: {e}")),
            }
        });
    };
    view! {
        <button
            class="pin"
            aria-pressed=move || if pinned.get() { "true" } else { "false" }
            on:click=toggle
        >{move || if pinned.get() { "Unpin" } else { "Pin" }}</button>
    }
}
