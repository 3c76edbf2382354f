//! The Leptos UI: a notes list with search, the trash, an editor with
//! autosave, history and conflict copies, account and sync controls. It never
//! touches SQLite: it asks its tab's worker.

mod account;
mod account_settings;
mod ask;
mod conflicts;
mod device_name;
mod dom;
mod drafts;
mod editor;
mod first_page;
mod history;
mod keys;
mod note_row;
mod notes_list;
mod notice;
mod open_note;
mod organize;
mod palette;
mod persist;
mod presence;
mod release;
mod status;
mod transfer;
mod trash;
mod when;

use leptos::prelude::*;

use crate::client::{self, Event};
use crate::rpc::{Request, Sort, Status};
pub use notice::{Action, Notice};

/// This origin's localStorage, if the browser gives one (not in every
/// private window).
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// What the sidebar lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Notes,
    Trash,
}

/// State shared by the components (all signals, so `Copy`).
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Bumped when data changed anywhere: views re-read.
    pub version: RwSignal<u64>,
    pub selected: RwSignal<Option<String>>,
    pub pane: RwSignal<Pane>,
    pub query: RwSignal<String>,
    /// The notes list's order.
    pub sort: RwSignal<Sort>,
    /// The tag the notes list is narrowed to.
    pub tag: RwSignal<Option<String>>,
    pub status: RwSignal<Status>,
    pub notice: RwSignal<Option<Notice>>,
    pub fatal: RwSignal<Option<String>>,
    /// A note "New note" opened that nothing was typed into yet: it is
    /// written with its first words, and not kept if left empty.
    pub fresh: RwSignal<Option<String>>,
    /// The notes list's ids as shown, top to bottom: what opens after a
    /// delete.
    pub order: StoredValue<Vec<String>>,
}

/// A phone-sized screen, where the list and a note take turns
/// (style/main.css has the same width).
pub fn narrow() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w <= 640.0)
}

impl Ctx {
    /// Shows `status` unless a newer one is shown already: statuses reach
    /// the page by two roads (answers and broadcasts) and may cross.
    pub fn set_status(&self, status: crate::rpc::Status) {
        if self
            .status
            .with_untracked(|shown| status.stamp >= shown.stamp)
        {
            self.status.set(status);
        }
    }

    /// Takes a note out of the trash and opens it in the notes list.
    pub fn restore_note(&self, id: String) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            match ask::restore_note(id.clone()).await {
                Ok(_) => {
                    ctx.pane.set(Pane::Notes);
                    ctx.selected.set(Some(id));
                    ctx.say("Note restored.");
                }
                Err(e) => ctx.warn(format!("Could not restore the note: {e}")),
            }
        });
    }

    /// Re-reads the status line from the worker.
    pub fn refresh_status(&self) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            if let Ok(s) = ask::status(Request::Status).await {
                ctx.set_status(s);
            }
        });
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        version: RwSignal::new(0),
        selected: RwSignal::new(open_note::last()),
        pane: RwSignal::new(Pane::Notes),
        query: RwSignal::new(String::new()),
        sort: RwSignal::new(organize::saved_sort()),
        tag: RwSignal::new(None),
        status: RwSignal::new(Status::default()),
        notice: RwSignal::new(None),
        fatal: RwSignal::new(None),
        fresh: RwSignal::new(None),
        order: StoredValue::new(Vec::new()),
    };
    provide_context(ctx);
    let transfer = transfer::Transfer::new();
    provide_context(transfer);
    if let Err(e) = client::Db::start(move |event| match event {
        Event::Changed => {
            ctx.version.update(|v| *v += 1);
            ctx.refresh_status();
        }
        Event::Fatal(message) => ctx.fatal.set(Some(message)),
        Event::Status(status) => ctx.set_status(status),
        Event::OtherRelease => ctx.offer(
            "Another tab runs a different version of Notes, and the two cannot work \
             together. Reload every tab of Notes to use the newest.",
            Action::Reload,
        ),
    }) {
        ctx.fatal.set(Some(e));
    }
    ctx.refresh_status();
    drafts::recover(ctx);
    release::watch(ctx);
    keys::install(ctx);
    presence::watch();
    open_note::remember(ctx);
    // On a phone the account box waits behind a menu button.
    let menu = RwSignal::new(false);

    view! {
        <div
            class="app"
            class:reading=move || ctx.selected.with(Option::is_some)
            // Files dropped anywhere on the page are imported.
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if ev.data_transfer().is_some_and(|d| d.types().includes(&"Files".into(), 0)) {
                    ev.prevent_default();
                }
            }
            on:drop=move |ev: leptos::ev::DragEvent| {
                let files = transfer::files_of(ev.data_transfer().and_then(|d| d.files()));
                if !files.is_empty() {
                    ev.prevent_default();
                    transfer.import(ctx, files);
                }
            }
        >
            <header class="topbar" class:menu-open=move || menu.get()>
                <h1 class="brand">"Notes"</h1>
                <status::SyncBar />
                <button
                    class="menu-toggle"
                    aria-controls="account"
                    aria-expanded=move || if menu.get() { "true" } else { "false" }
                    on:click=move |_| menu.update(|open| *open = !*open)
                >"Account"</button>
                <account::AccountBox />
            </header>
            {move || ctx.fatal.get().map(|m| view! {
                <p class="fatal" role="alert">{m}</p>
            })}
            <main class="panes">
                <Sidebar />
                <editor::Editor />
            </main>
            <notice::Toast />
        </div>
    }
}

/// Notes or Trash, with the switch between them.
#[component]
fn Sidebar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tab = move |pane: Pane, label: &'static str| {
        view! {
            <button
                class="pane-tab"
                class:selected=move || ctx.pane.get() == pane
                aria-pressed=move || if ctx.pane.get() == pane { "true" } else { "false" }
                on:click=move |_| {
                    ctx.pane.set(pane);
                    ctx.selected.set(None);
                }
            >{label}</button>
        }
    };
    view! {
        <section class="sidebar" aria-label="Notes">
            <nav class="pane-tabs" aria-label="Views">
                {tab(Pane::Notes, "Notes")}
                {tab(Pane::Trash, "Trash")}
            </nav>
            {move || match ctx.pane.get() {
                Pane::Notes => view! { <notes_list::NotesList /> }.into_any(),
                Pane::Trash => view! { <trash::TrashList /> }.into_any(),
            }}
        </section>
    }
}
