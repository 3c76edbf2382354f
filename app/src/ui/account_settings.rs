//! What a signed-in user does with their account: a new password, signing
//! out everywhere (a lost laptop), deleting the account.

use leptos::prelude::*;

use super::{Ctx, ask};
use crate::rpc::Request;

/// A password box that forgets what it held once used.
fn password_box(
    label: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <input
            type="password"
            autocomplete=autocomplete
            aria-label=label
            placeholder=label
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

#[component]
pub fn AccountSettings() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let delete_password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // Runs one account request; `done` says what happened when it worked.
    let run = move |request: Request, done: &'static str| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match ask::status(request).await {
                Ok(s) => {
                    current.set(String::new());
                    new.set(String::new());
                    delete_password.set(String::new());
                    ctx.set_status(s);
                    ctx.say(done);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    let change_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (password, new_password) = (current.get_untracked(), new.get_untracked());
        if password.is_empty() || new_password.is_empty() {
            error.set(Some("Enter your current password and a new one.".into()));
            return;
        }
        run(
            Request::ChangePassword {
                password,
                new_password,
            },
            "Password changed. Your other devices ask for the new one before they sync again.",
        );
    };
    let sign_out_everywhere = move |_| {
        if !super::account::confirm(
            "Sign out of this account on every device, this one included?\n\n\
             Each device keeps its notes and asks for the password before it syncs again.",
        ) {
            return;
        }
        run(
            Request::SignOutEverywhere,
            "Signed out everywhere. Enter your password to sign in again here; your notes are \
             safe on this device.",
        );
    };
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let password = delete_password.get_untracked();
        if password.is_empty() {
            error.set(Some("Enter your password to delete the account.".into()));
            return;
        }
        let name = ctx
            .status
            .with_untracked(|s| s.account.clone())
            .unwrap_or_default();
        if !super::account::confirm(&format!(
            "Delete the account “{name}” and everything the server keeps of it? This cannot be \
             undone.\n\nThe notes on this device stay here, without an account; your other \
             devices keep theirs too."
        )) {
            return;
        }
        run(
            Request::DeleteAccount { password },
            "Account deleted. Its notes stay on this device, without an account.",
        );
    };

    view! {
        <details class="account-settings">
            <summary>"Account settings"</summary>
            <form class="settings-form" aria-label="Change password" on:submit=change_password>
                // For password managers: whose password changes.
                <input
                    type="text"
                    autocomplete="username"
                    hidden
                    prop:value=move || ctx.status.with(|s| s.account.clone().unwrap_or_default())
                />
                {password_box("Current password", "current-password", current)}
                {password_box("New password", "new-password", new)}
                <button type="submit" disabled=move || busy.get()>"Change password"</button>
            </form>
            <p class="hint">
                "Changing the password signs out every other device. Lost a device? "
                <button type="button" class="linkish" disabled=move || busy.get() on:click=sign_out_everywhere>
                    "Sign out everywhere"
                </button>
            </p>
            <form class="settings-form danger" aria-label="Delete account" on:submit=delete>
                {password_box("Password to delete the account", "current-password", delete_password)}
                <button type="submit" class="danger" disabled=move || busy.get()>"Delete account"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </details>
    }
}
