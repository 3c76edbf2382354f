//! Sign up, sign in and sign out (the signed-in account's settings are in
//! `account_settings`).

use leptos::prelude::*;

use super::Ctx;
use super::{ask, drafts, first_page};
use crate::rpc::{Request, RpcError};

/// A password the server would refuse, said before a round trip.
fn password_rule() -> String {
    format!(
        "That password is too short: use {} or more characters.",
        protocol::MIN_PASSWORD_BYTES
    )
}

#[component]
pub fn AccountBox() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // What Enter does in the signed-out form: the highlighted button.
    let creating = RwSignal::new(false);

    // `again`: the account signed in here, whose session the server ended.
    let sign_in = move |u: String, create_account: bool, again: bool| {
        let p = password.get_untracked();
        if u.is_empty() || p.is_empty() {
            error.set(Some(if again {
                "Enter your password.".into()
            } else {
                "Enter a username and a password.".into()
            }));
            return;
        }
        // The server's rule, said before a round trip and in our words.
        if create_account && p.len() < protocol::MIN_PASSWORD_BYTES {
            error.set(Some(password_rule()));
            return;
        }
        busy.set(true);
        error.set(None);
        // Local notes to move into the account (a search may hide them).
        let had_notes = !ctx.order.with_value(Vec::is_empty)
            || !ctx.query.with_untracked(|q| q.trim().is_empty());
        leptos::task::spawn_local(async move {
            match ask::status(Request::SignIn {
                username: u,
                password: p,
                create_account,
            })
            .await
            {
                Ok(s) if again => {
                    password.set(String::new());
                    ctx.say(if s.auto_sync {
                        "Signed in again. Your changes sync by themselves again."
                    } else {
                        "Signed in again. Press Sync to send your changes."
                    });
                    ctx.set_status(s);
                }
                Ok(s) => {
                    first_page::forget();
                    if let Some(account) = &s.account {
                        drafts::signed_in(account);
                    }
                    password.set(String::new());
                    ctx.set_status(s);
                    drafts::recover(ctx);
                    let auto = ctx.status.with_untracked(|s| s.auto_sync);
                    ctx.say(match (had_notes, auto) {
                        (true, true) => {
                            "Signed in. This device's notes join your account now, \
                                         and sync by themselves from here on."
                        }
                        (true, false) => {
                            "Signed in. This device's notes join your account \
                                          at the next Sync."
                        }
                        (false, true) => "Signed in. Your notes sync by themselves.",
                        (false, false) => "Signed in. Press Sync to get your notes.",
                    });
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    // Each button does what it says; pressing the other one also makes it
    // the one Enter presses.
    let submit = move |create_account: bool| {
        creating.set(create_account);
        sign_in(
            username.get_untracked().trim().to_owned(),
            create_account,
            false,
        );
    };
    let password_input = move || {
        view! {
            <input
                type="password"
                autocomplete=move || if creating.get() { "new-password" } else { "current-password" }
                aria-label="Password"
                aria-describedby="password-rule"
                placeholder="Password"
                prop:value=move || password.get()
                on:input=move |ev| password.set(event_target_value(&ev))
            />
        }
    };
    let error_line = move || {
        error
            .get()
            .map(|e| view! { <p class="error" role="alert">{e}</p> })
    };

    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let unsaved = drafts::count(ctx.status.get_untracked().account.as_deref());
            if unsaved > 0
                && !confirm(&format!(
                    "{unsaved} note(s) have words that could not be saved on this device yet \
                     and would be lost. Sign out anyway?\n\n\
                     Press Cancel, free some space on this device, then open those notes to save them."
                ))
            {
                return;
            }
            let mut result = ask::status(Request::SignOut {
                discard_unsynced: false,
            })
            .await;
            if let Err(RpcError::Unsynced { pending }) = result {
                if !confirm(&format!(
                    "{pending} note(s) have changes that are not synced and would be lost. Sign out anyway?\n\n\
                     Press Cancel, then Sync, to keep them."
                )) {
                    return;
                }
                result = ask::status(Request::SignOut {
                    discard_unsynced: true,
                })
                .await;
            }
            match result {
                Ok(s) => {
                    // The signed-out account's titles must not show at the
                    // next start.
                    first_page::forget();
                    drafts::forget_all();
                    ctx.set_status(s);
                    ctx.selected.set(None);
                    ctx.say("Signed out.");
                }
                Err(e) => ctx.warn(format!("Could not sign out: {e}")),
            }
        });
    };

    // Who is signed in, and whether their session ended: the box is drawn
    // again only when that changes, not at every status (a round, the live
    // connection), which would close the settings and lose what is typed.
    let who = Memo::new(move |_| ctx.status.with(|s| (s.account.clone(), s.session_ended)));
    let form = move || {
        let (account, session_ended) = who.get();
        match account {
            Some(name) if session_ended => {
                let (again_as, shown) = (name.clone(), name.clone());
                view! {
                    <form class="signin" on:submit=move |ev| {
                        ev.prevent_default();
                        sign_in(again_as.clone(), false, true);
                    }>
                        <span class="who">"Sign in again as " <strong>{shown}</strong></span>
                        // For password managers: whose password this is.
                        <input type="text" autocomplete="username" hidden prop:value=name />
                        {password_input()}
                        <button type="submit" disabled=move || busy.get()>"Sign in"</button>
                        <button type="button" on:click=sign_out>"Sign out"</button>
                    </form>
                    {error_line}
                }
                .into_any()
            }
            Some(name) => view! {
                <span class="who">"Signed in as " <strong>{name}</strong></span>
                <button on:click=sign_out>"Sign out"</button>
                <super::device_name::DeviceName />
                <super::account_settings::AccountSettings />
            }
            .into_any(),
            None => view! {
                <form class="signin" on:submit=move |ev| {
                    ev.prevent_default();
                    submit(creating.get_untracked());
                }>
                    <input
                        type="text"
                        autocomplete="username"
                        aria-label="Username"
                        placeholder="Username"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                    {password_input()}
                    // The highlighted button is the one Enter presses.
                    <button
                        type=move || if creating.get() { "button" } else { "submit" }
                        class:primary=move || !creating.get()
                        disabled=move || busy.get()
                        on:click=move |ev| if creating.get_untracked() { ev.prevent_default(); submit(false); }
                    >"Sign in"</button>
                    <button
                        type=move || if creating.get() { "submit" } else { "button" }
                        class:primary=move || creating.get()
                        disabled=move || busy.get()
                        on:click=move |ev| if !creating.get_untracked() { ev.prevent_default(); submit(true); }
                    >"Create account"</button>
                </form>
                <p id="password-rule" class="hint">
                    {move || if creating.get() {
                        format!(
                            "Passwords have {} or more characters. Enter creates the account.",
                            protocol::MIN_PASSWORD_BYTES
                        )
                    } else {
                        format!(
                            "New here? Choose a username and a password of {} or more characters, then Create account.",
                            protocol::MIN_PASSWORD_BYTES
                        )
                    }}
                </p>
                {error_line}
            }
            .into_any(),
        }
    };

    view! { <div class="account" id="account">{form}<super::transfer::NotesInOut /></div> }
}

/// Asks the user; no answer (no window, a blocked dialog) is no.
pub(super) fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
