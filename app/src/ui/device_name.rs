//! This device's name as the user's other devices show it (beside the
//! conflict copies it wrote), and renaming it.

use leptos::prelude::*;

use super::{Ctx, ask};
use crate::rpc::Request;

#[component]
pub fn DeviceName() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });

    let start = move |_| {
        draft.set(ctx.status.with_untracked(|s| s.device_name.clone()));
        editing.set(true);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = draft.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match ask::status(Request::SetDeviceName(name)).await {
                Ok(s) => {
                    ctx.say(format!(
                        "Your other devices now call this one “{}”.",
                        s.device_name
                    ));
                    ctx.set_status(s);
                    editing.set(false);
                }
                Err(e) => ctx.warn(format!("Could not rename this device: {e}")),
            }
        });
    };

    view! {
        <div class="device">
            {move || if editing.get() {
                view! {
                    <form class="device-form" on:submit=save>
                        <input
                            node_ref=input
                            type="text"
                            aria-label="This device's name"
                            maxlength="60"
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                        />
                        <button type="submit">"Save"</button>
                        <button type="button" class="quiet" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <span class="muted">"This device: "</span>
                    <strong class="device-name">{move || ctx.status.with(|s| s.device_name.clone())}</strong>
                    <button class="quiet" aria-label="Rename this device" on:click=start>"Rename"</button>
                }.into_any()
            }}
        </div>
    }
}
