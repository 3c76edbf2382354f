//! The Sync button and the status line: Offline / Syncing / Synced / Error,
//! and how many local changes are not synced yet.

use leptos::prelude::*;

use super::notes_list::format_time;
use super::{Action, Ctx};
use crate::client;
use crate::rpc::{Request, Response, RpcError};

fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

#[component]
pub fn SyncBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let sync = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match client::call(Request::Sync).await {
                Ok(Response::Status(s)) => ctx.status.set(s),
                Ok(_) => {}
                Err(e) => {
                    if matches!(e, RpcError::Outdated(_)) {
                        ctx.offer("Reload to update the app, then Sync again.", Action::Reload);
                    }
                    // The worker keeps a failed Sync's words in the status,
                    // which a later Sync or sign-in in any tab clears; this
                    // tab keeps its own copy only of a failure the worker
                    // could not record (it did not answer at all).
                    match client::call(Request::Status).await {
                        Ok(Response::Status(s)) if s.last_error.is_some() => ctx.status.set(s),
                        _ => error.set(Some(e.to_string())),
                    }
                }
            }
            busy.set(false);
            ctx.refresh_status();
        });
    };

    let line = move || {
        let s = ctx.status.get();
        let state = if busy.get() || s.syncing {
            "Syncing…".to_owned()
        } else if let Some(e) = error.get().or(s.last_error.clone()) {
            if online() {
                format!("Error: {e}")
            } else {
                format!("Offline: {e}")
            }
        } else if !online() {
            "Offline: your notes are saved on this device.".to_owned()
        } else if let Some(t) = s.last_synced_ms {
            format!("Synced {}", format_time(t))
        } else if s.account.is_some() {
            "Not synced yet".to_owned()
        } else {
            "Local notebook: sign in to sync".to_owned()
        };
        // Without an account nothing is ever synced: no count to worry about.
        let pending = match (s.account.is_some(), s.pending_changes) {
            (false, _) | (true, 0) => String::new(),
            (true, 1) => " · 1 note not synced yet".to_owned(),
            (true, n) => format!(" · {n} notes not synced yet"),
        };
        format!("{state}{pending}")
    };

    view! {
        <div class="syncbar">
            <button
                class="primary"
                on:click=sync
                disabled=move || busy.get() || ctx.status.get().account.is_none()
                title=move || if ctx.status.get().account.is_none() { "Sign in to sync" } else { "Send and receive changes" }
            >"Sync"</button>
            <span class="sync-status" role="status" aria-live="polite">{line}</span>
        </div>
    }
}
