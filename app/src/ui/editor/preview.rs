//! The note as its Markdown reads (#23), per note or, on wide screens, beside
//! its text. Drawn element by element from `markdown::render`: never from
//! HTML text, so what a note holds can add no markup, script or handler.
//! Ticking a task box edits that one line and saves it as typing does, so
//! an edit of another line on another device still merges with it.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::save::Editing;
use crate::ui::local_storage;

/// The notes last left previewed, as ids separated by spaces.
const KEY: &str = "notes.preview.v1";
/// How many of them are remembered; the oldest are forgotten first.
const REMEMBERED: usize = 200;
/// Quiet time after a change of the text before the preview is drawn again.
const REDRAW_MS: u32 = 150;

fn previewed() -> Vec<String> {
    let kept = local_storage().and_then(|s| s.get_item(KEY).ok().flatten());
    kept.map(|ids| ids.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Best effort: without storage, every note opens as text.
fn remember(id: &str, on: bool) {
    let Some(storage) = local_storage() else {
        return;
    };
    let mut ids = previewed();
    ids.retain(|p| p != id);
    if on {
        ids.push(id.to_owned());
    }
    let from = ids.len().saturating_sub(REMEMBERED);
    let _ = storage.set_item(KEY, &ids[from..].join(" "));
}

/// Whether the note shown is previewed: as it was last left.
pub(super) fn previewing(editing: Editing) -> RwSignal<bool> {
    let on = RwSignal::new(false);
    Effect::new(move |_| {
        let now = editing
            .ctx
            .selected
            .with(|id| id.as_ref().is_some_and(|id| previewed().contains(id)));
        if on.get_untracked() != now {
            on.set(now);
        }
    });
    on
}

#[component]
pub(super) fn PreviewButton(on: RwSignal<bool>, editing: Editing) -> impl IntoView {
    let toggle = move |_| {
        let now = !on.get_untracked();
        on.set(now);
        if let Some(id) = editing.ctx.selected.get_untracked() {
            remember(&id, now);
        }
    };
    view! {
        <button
            aria-pressed=move || if on.get() { "true" } else { "false" }
            title="Show the note as Markdown (beside its text on a wide screen)"
            on:click=toggle
        >"Preview"</button>
    }
}

/// Creates `nodes` under `parent`. Text goes in as text nodes and attributes
/// as attributes: the browser parses nothing.
fn draw(
    doc: &web_sys::Document,
    parent: &web_sys::Node,
    nodes: &[markdown::Node],
) -> Result<(), JsValue> {
    for node in nodes {
        match node {
            markdown::Node::Text(text) => {
                parent.append_child(&doc.create_text_node(text))?;
            }
            markdown::Node::Element(e) => {
                let el = doc.create_element(e.name)?;
                for (name, value) in &e.attrs {
                    el.set_attribute(name, value)?;
                }
                draw(doc, &el, &e.children)?;
                parent.append_child(&el)?;
            }
        }
    }
    Ok(())
}

impl Editing {
    /// Ticks the task box on `line` of the note shown, or unticks it, and
    /// saves at once (a box is one click, with no more typing to wait for);
    /// whether the text changed.
    fn tick(self, line: usize, done: bool) -> bool {
        let shown = self.ctx.selected.get_untracked();
        let Some(id) = self
            .loaded
            .get_untracked()
            .filter(|id| shown.as_ref() == Some(id))
        else {
            return false;
        };
        let Some(ticked) = self
            .text
            .with_untracked(|t| markdown::set_task(t, line, done))
        else {
            return false;
        };
        self.show(ticked);
        self.dirty.set(true);
        // A save waiting for the pause after typing is this one now.
        self.edits.update_value(|n| *n += 1);
        leptos::task::spawn_local(async move {
            self.save(id, self.text.get_untracked()).await;
        });
        true
    }
}

#[component]
pub(super) fn Preview(editing: Editing) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    // The text the preview shows, which its boxes' line numbers count in.
    let drawn_from = StoredValue::new(String::new());
    let redraw = move |el: &web_sys::HtmlDivElement| {
        let nodes = editing.text.try_with_untracked(|t| {
            drawn_from.set_value(t.clone());
            markdown::render(t)
        });
        let Some(nodes) = nodes else {
            return;
        };
        el.set_text_content(None);
        if let Err(e) = draw(&document(), el, &nodes) {
            web_sys::console::warn_2(&"notes: the preview is incomplete".into(), &e);
        }
    };
    // Drawn at once when it opens, then after each pause in the changes: the
    // preview of a 5,000-line note takes ~50 ms to build and ~200 ms more to
    // lay out, which typing beside it must not wait for at every key.
    let changes = StoredValue::new(0_u64);
    Effect::new(move |drawn: Option<bool>| {
        editing.text.track();
        let Some(el) = root.get() else {
            return false;
        };
        if drawn != Some(true) {
            redraw(&el);
            return true;
        }
        changes.update_value(|n| *n += 1);
        let mine = changes.get_value();
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(REDRAW_MS).await;
            // Closed meanwhile, or changed again: nothing to draw now.
            if changes.try_get_value() == Some(mine) {
                redraw(&el);
            }
        });
        true
    });
    // One listener for every box: they are redrawn with each change.
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(line) = input
            .get_attribute("data-line")
            .and_then(|l| l.parse().ok())
        else {
            return;
        };
        // Lines typed above the box since it was drawn (the preview waits
        // for a pause) make its number another line's; and the text may have
        // no box there any more. Either way the box shows the text again.
        let line_in = |t: &String| t.split('\n').nth(line).map(str::to_owned);
        let moved = editing.text.with_untracked(line_in) != drawn_from.with_value(line_in);
        if moved || !editing.tick(line, input.checked()) {
            input.set_checked(!input.checked());
            if let Some(el) = root.get_untracked() {
                redraw(&el);
            }
        }
    };
    view! {
        <div class="md-preview" role="region" aria-label="Preview" node_ref=root on:change=on_change></div>
    }
}
