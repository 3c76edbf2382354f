//! The sync bar: the Sync button (a round now), the "Sync automatically"
//! setting, and a status line that says what is true: Live, Syncing…,
//! notes waiting to sync, Offline — retrying in N s, or what went wrong,
//! and when the last sync succeeded.

use std::time::Duration;

use leptos::prelude::*;

use super::note_row::format_time;
use super::{Action, Ctx, ask};
use crate::rpc::{Live, Request, Status};

fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

/// The status line for `s` at `now_ms`; `busy`: a Sync pressed here runs,
/// `own_error`: its failure, if the worker could not record it.
fn line(s: &Status, busy: bool, now_ms: f64, own_error: Option<String>) -> String {
    if s.account.is_none() {
        // What ended the account here, if it was deleted: said until the
        // next sign-in.
        return s
            .last_error
            .clone()
            .unwrap_or_else(|| "Local notebook: sign in to sync".to_owned());
    }
    let error = own_error.or_else(|| s.last_error.clone());
    let retry = s
        .retry_at_ms
        .map(|t| ((t - now_ms) / 1000.0).ceil().max(1.0) as u64);
    let synced = s.last_synced_ms.map(format_time);
    let state = if busy || s.syncing {
        "Syncing…".to_owned()
    } else if s.offline || !online() {
        match retry {
            Some(n) => format!("Offline — retrying in {n} s"),
            None if s.live == Live::Off && error.is_some() => {
                format!("Offline: {}", error.unwrap_or_default())
            }
            None => "Offline: your notes are saved on this device".to_owned(),
        }
    } else if let Some(e) = &error {
        match retry {
            Some(n) => format!("Error: {e} — retrying in {n} s"),
            None => format!("Error: {e}"),
        }
    } else {
        match s.live {
            Live::Live => "Live".to_owned(),
            Live::Connecting => "Connecting…".to_owned(),
            Live::Polling => "Checking for changes every 30 s (live updates do not get \
                              through this network)"
                .to_owned(),
            Live::Retrying => match retry {
                Some(n) => format!("Reconnecting in {n} s"),
                None => "Reconnecting…".to_owned(),
            },
            Live::Paused => "Resting while Notes is in the background".to_owned(),
            Live::Off | Live::Stopped => match &synced {
                Some(t) => return with_waiting(format!("Synced {t}"), s),
                // Said once: the notes waiting say it already.
                None if s.pending_changes > 0 => return waiting(s.pending_changes),
                None => "Not synced yet".to_owned(),
            },
        }
    };
    let state = with_waiting(state, s);
    match synced {
        Some(t) if !(busy || s.syncing) => format!("{state} · last synced {t}"),
        _ => state,
    }
}

/// `state`, then how many notes wait to sync, if any.
fn with_waiting(state: String, s: &Status) -> String {
    match s.pending_changes {
        0 => state,
        n => format!("{state} · {}", waiting(n)),
    }
}

fn waiting(n: i64) -> String {
    if n == 1 {
        "1 note waiting to sync".to_owned()
    } else {
        format!("{n} notes waiting to sync")
    }
}

#[component]
pub fn SyncBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let now = RwSignal::new(js_sys::Date::now());

    // "retrying in N s" counts down: the line is redrawn each second while
    // a retry waits, and not otherwise.
    Effect::new(move |ticking: Option<Option<IntervalHandle>>| {
        let waits = ctx.status.with(|s| s.retry_at_ms.is_some());
        if let Some(Some(handle)) = ticking {
            handle.clear();
        }
        now.set(js_sys::Date::now());
        waits
            .then(|| {
                set_interval_with_handle(
                    move || now.set(js_sys::Date::now()),
                    Duration::from_secs(1),
                )
                .ok()
            })
            .flatten()
    });

    // The server moved to a newer schema (found by a round of its own or a
    // Sync pressed): a reload brings the release that can sync with it.
    Effect::new(move |offered: Option<bool>| {
        let needed = ctx.status.with(|s| s.reload_needed);
        if needed && offered != Some(true) {
            ctx.offer("Reload to update the app, then Sync again.", Action::Reload);
        }
        needed
    });

    let sync = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match ask::status(Request::Sync).await {
                Ok(s) => ctx.set_status(s),
                Err(e) => {
                    // The worker keeps a failed Sync's words in the status,
                    // which a later Sync or sign-in in any tab clears; this
                    // tab keeps its own copy only of a failure the worker
                    // could not record (it did not answer at all).
                    match ask::status(Request::Status).await {
                        Ok(s) if s.last_error.is_some() => ctx.set_status(s),
                        _ => error.set(Some(e.to_string())),
                    }
                }
            }
            busy.set(false);
            ctx.refresh_status();
        });
    };

    let set_auto = move |ev| {
        let on = event_target_checked(&ev);
        leptos::task::spawn_local(async move {
            match ask::status(Request::SetAutoSync(on)).await {
                Ok(s) => ctx.set_status(s),
                Err(e) => ctx.warn(format!("Could not change the setting: {e}")),
            }
        });
    };

    let signed_out = move || ctx.status.with(|s| s.account.is_none());
    view! {
        <div class="syncbar">
            <button
                class="primary"
                on:click=sync
                disabled=move || busy.get() || signed_out()
                title=move || if signed_out() { "Sign in to sync" } else { "Send and receive changes now" }
            >"Sync"</button>
            <label class="auto-sync" hidden=signed_out>
                <input
                    type="checkbox"
                    prop:checked=move || ctx.status.with(|s| s.auto_sync)
                    on:change=set_auto
                />
                "Sync automatically"
            </label>
            // A countdown would be read out every second: only the other
            // changes are announced.
            <span
                class="sync-status"
                role="status"
                aria-live=move || if ctx.status.with(|s| s.retry_at_ms.is_some()) { "off" } else { "polite" }
            >
                {move || line(&ctx.status.get(), busy.get(), now.get(), error.get())}
            </span>
        </div>
    }
}
