//! Your notes in and out: "Export all notes" and "Import notes…" (files
//! picked, or dropped on the page). The zip is made, and files are read, by
//! the transfer worker (`app/transfer`), a wasm of its own started for one
//! job and ended after, so that zip, deflate and YAML are not in the app's
//! first download; the DB worker reads and saves the notes.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use portable::{Done, Job, Skipped};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use super::{Ctx, ask};

/// Notes saved per request: small, so that other tabs' saves go between
/// (each step is one transaction of the worker).
const STEP: usize = 200;

/// The import's state, shared by the box and the drop target.
#[derive(Clone, Copy)]
pub struct Transfer {
    busy: RwSignal<bool>,
    /// What the last export or import did, or how far it is.
    said: RwSignal<String>,
    skipped: RwSignal<Vec<Skipped>>,
}

impl Transfer {
    pub fn new() -> Self {
        Self {
            busy: RwSignal::new(false),
            said: RwSignal::new(String::new()),
            skipped: RwSignal::new(Vec::new()),
        }
    }

    fn export(self, ctx: Ctx) {
        self.busy.set(true);
        self.said.set("Exporting…".into());
        spawn_local(async move {
            let words = match self.run_export().await {
                Ok(name) => {
                    let words = format!("Exported every note to {name}.");
                    ctx.say(words.clone());
                    words
                }
                Err(e) => {
                    let words = format!("Could not export: {e}. Your notes are unchanged.");
                    ctx.warn(words.clone());
                    words
                }
            };
            self.said.set(words);
            self.busy.set(false);
        });
    }

    async fn run_export(self) -> Result<String, String> {
        let notes = ask::export_data().await.map_err(|e| e.to_string())?;
        let now_ms = js_sys::Date::now() as i64;
        match run(&Job::Export { notes, now_ms }).await? {
            Done::Zip { name, bytes } => {
                download(&ask::Download {
                    name: name.clone(),
                    mime: "application/zip".into(),
                    bytes,
                });
                Ok(name)
            }
            Done::Failed(why) => Err(why),
            Done::Read { .. } => Err("the transfer worker answered something else".into()),
        }
    }

    /// Reads `files` and imports the notes they hold.
    pub fn import(self, ctx: Ctx, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        if self.busy.get_untracked() {
            ctx.warn("An export or import is under way: give the files again when it has ended.");
            return;
        }
        self.busy.set(true);
        self.skipped.set(Vec::new());
        spawn_local(async move {
            let words = match self.run_import(files).await {
                Ok(words) => {
                    ctx.say(words.clone());
                    words
                }
                Err(e) => {
                    let words = format!(
                        "The import stopped: {e}. Notes saved before it stopped are kept; importing the same files again adds only the rest."
                    );
                    ctx.warn(words.clone());
                    words
                }
            };
            self.said.set(words);
            self.busy.set(false);
        });
    }

    async fn run_import(self, files: Vec<web_sys::File>) -> Result<String, String> {
        self.said.set(format!(
            "Reading {}…",
            count(files.len() as u32, "file", "files")
        ));
        let mut read = Vec::with_capacity(files.len());
        for file in files {
            let name = file.name();
            match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => read.push(portable::job::File {
                    name,
                    bytes: js_sys::Uint8Array::new(&buffer).to_vec(),
                    modified_ms: Some(file.last_modified() as i64),
                }),
                Err(_) => self.skipped.update(|s| {
                    s.push(Skipped {
                        file: name,
                        reason: "the browser could not read it".into(),
                    })
                }),
            }
        }
        let (notes, skipped) = match run(&Job::Read { files: read }).await? {
            Done::Read { notes, skipped } => (notes, skipped),
            Done::Failed(why) => return Err(why),
            Done::Zip { .. } => return Err("the transfer worker answered something else".into()),
        };
        self.skipped.update(|s| s.extend(skipped));
        if notes.is_empty() {
            return Ok("No notes were found in those files.".into());
        }
        let (mut added, mut already_here, of) = (0, 0, notes.len());
        let mut rest = notes.into_iter();
        let mut done = 0;
        loop {
            let step: Vec<_> = rest.by_ref().take(STEP).collect();
            if step.is_empty() {
                break;
            }
            done += step.len();
            let saved = ask::import_notes(step).await.map_err(|e| e.to_string())?;
            added += saved.added;
            already_here += saved.already_here;
            self.said.set(format!("Importing: {done} of {of} notes…"));
        }
        Ok(match already_here {
            0 => format!("Imported {}.", count(added, "note", "notes")),
            n => format!(
                "Imported {} ({} already here).",
                count(added, "note", "notes"),
                count(n, "was", "were")
            ),
        })
    }
}

/// Runs `job` in a transfer worker of its own, ended after.
async fn run(job: &Job) -> Result<Done, String> {
    let bytes = postcard::to_allocvec(job).map_err(|e| e.to_string())?;
    let worker = web_sys::Worker::new("/transfer_loader.js")
        .map_err(|_| "this browser could not start a worker for it".to_owned())?;
    type Answer = Result<Vec<u8>, String>;
    let (tx, rx) = futures::channel::oneshot::channel::<Answer>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let answer = tx.clone();
    let to = worker.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            // The worker's first message says it listens: the job goes then.
            if data.is_null() {
                if to
                    .post_message(&js_sys::Uint8Array::from(bytes.as_slice()))
                    .is_err()
                    && let Some(tx) = answer.borrow_mut().take()
                {
                    let _ = tx.send(Err("the files could not be handed to the worker".into()));
                }
            } else if let Some(tx) = answer.borrow_mut().take() {
                let _ = tx.send(Ok(js_sys::Uint8Array::new(&data).to_vec()));
            }
        });
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |_: web_sys::ErrorEvent| {
        if let Some(tx) = tx.borrow_mut().take() {
            // Offline before this part of the app was ever fetched, or it
            // ran out of memory.
            let _ = tx.send(Err("the part of the app that does it could not run; check the connection and try again".into()));
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let answer = rx
        .await
        .unwrap_or_else(|_| Err("the worker stopped".into()));
    worker.terminate();
    drop((on_message, on_error));
    postcard::from_bytes::<Done>(&answer?)
        .map_err(|_| "the worker's answer could not be read".into())
}

/// "1 note", "2 notes"; "1 was", "2 were".
fn count(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Hands `file` to the browser's downloads.
fn download(file: &ask::Download) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(file.bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&file.mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&url);
        a.set_download(&file.name);
        a.click();
    }
    // After the click has started the download.
    let _ = web_sys::window().map(|w| {
        let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)
    });
}

/// Every file of a `FileList` (an input's, or a drop's).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|k| list.get(k)).collect()
}

/// Exports one note as a Markdown file.
pub fn export_note(ctx: Ctx, id: String) {
    spawn_local(async move {
        match ask::export_note(id).await {
            Ok(file) => download(&file),
            Err(e) => ctx.warn(format!("Could not export the note: {e}")),
        }
    });
}

/// "Export / Import" in the account box.
#[component]
pub fn NotesInOut() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let transfer = expect_context::<Transfer>();
    let picked = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        transfer.import(ctx, files_of(input.files()));
        // The same files can be picked again.
        input.set_value("");
    };
    view! {
        <details class="notes-in-out">
            <summary>"Export / Import"</summary>
            <div class="settings-form">
                <button type="button" disabled=move || transfer.busy.get() on:click=move |_| transfer.export(ctx)>
                    "Export all notes"
                </button>
                <label class="file-button" class:disabled=move || transfer.busy.get()>
                    "Import notes…"
                    <input
                        type="file"
                        multiple
                        accept=".md,.markdown,.txt,.text,.zip,.json,.enex"
                        disabled=move || transfer.busy.get()
                        on:change=picked
                    />
                </label>
            </div>
            <p class="hint">
                "Export: a zip of Markdown files, the Trash in its own folder, and notes.json, which brings everything back. "
                "Import: Markdown or text files, zips of them, an export, or Simplenote, Google Keep (Takeout) and Evernote (.enex) exports; or drop them on the page. Importing twice adds nothing."
            </p>
            <p class="hint transfer-said" role="status">{move || transfer.said.get()}</p>
            {move || {
                let skipped = transfer.skipped.get();
                (!skipped.is_empty()).then(|| view! {
                    <details class="skipped" open>
                        <summary>{match skipped.len() {
                            1 => "1 file was not imported".to_owned(),
                            n => format!("{n} files were not imported"),
                        }}</summary>
                        <ul>
                            {skipped.into_iter().map(|s| view! { <li>{s.file}": "{s.reason}</li> }).collect_view()}
                        </ul>
                    </details>
                })
            }}
        </details>
    }
}
