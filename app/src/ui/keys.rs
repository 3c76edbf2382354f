//! Keyboard shortcuts for the whole app (issue #23): Ctrl/Cmd-K the command
//! palette, Ctrl/Cmd-Alt-N a new note, `/` or Ctrl/Cmd-F the search box, the
//! arrow keys between the rows of the list, `?` the list of shortcuts.
//!
//! Keys typed into a text field are the user's text: there only the
//! Ctrl/Cmd combinations act. The two dialogs are native `<dialog>`s shown
//! modal, so the browser keeps the focus inside, closes them on Escape and
//! gives the focus back to where it was (and screen readers hear a dialog).
//! They are static markup in `index.html`, and three listeners on the
//! window serve them and the shortcuts: as views they were 4 KB more of the
//! download, which has a budget (docs/BENCHMARKS.md).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, KeyboardEvent};

use super::dom::{call, find, get, is, text};
use super::{Ctx, Pane, notes_list::new_id, palette};

/// Listens to the keys, and to typing and clicks in the palette.
pub fn install(ctx: Ctx) {
    for kind in ["keydown", "input", "click"] {
        // For as long as the page: the app is never unmounted.
        let _ = window_event_listener_untyped(kind, move |ev| on_event(ctx, &ev));
    }
}

fn on_event(ctx: Ctx, ev: &Event) {
    let Some(target) = ev.target().map(JsValue::from) else {
        return;
    };
    let in_palette = call(&target, "closest", Some("#palette")).is_truthy();
    match text(ev, "type").as_str() {
        "keydown" => {
            let ev = ev.unchecked_ref::<KeyboardEvent>();
            if on_key(ctx, ev, &target) {
                ev.prevent_default();
            } else if in_palette {
                palette::on_key(ctx, ev);
            }
        }
        "input" if in_palette => palette::on_input(),
        "click" if in_palette => palette::on_click(ctx, &target),
        _ => {}
    }
}

/// Shows dialog `id` unless it is open already (false then). Shown modal,
/// it has the focus, keeps it and closes on Escape.
pub(super) fn show(id: &str) -> bool {
    let dialog = find(&format!("#{id}"));
    if is(&dialog, "open") {
        return false;
    }
    call(&dialog, "showModal", None);
    is(&dialog, "open")
}

/// Closes dialog `id` at once, giving the focus back to where it was before
/// it opened, so that what runs next can move it where it leads.
pub(super) fn close(id: &str) {
    call(&find(&format!("#{id}")), "close", None);
}

/// Acts on a key pressed anywhere; true if it was a shortcut (the browser
/// must then not do its own thing with it).
fn on_key(ctx: Ctx, ev: &KeyboardEvent, target: &JsValue) -> bool {
    if is(ev, "defaultPrevented") || is(ev, "isComposing") {
        return false;
    }
    let key = ev.key();
    let command = ev.ctrl_key() || ev.meta_key();
    let alt = is(ev, "altKey");
    let in_dialog = call(target, "closest", Some("dialog")).is_truthy();
    let typing = matches!(
        text(target, "tagName").as_str(),
        "INPUT" | "TEXTAREA" | "SELECT"
    );
    if command && !alt && key.eq_ignore_ascii_case("k") {
        // Again in the palette: closes it (the browser's own Ctrl-K, its
        // search bar, stays one Escape away).
        if show(PALETTE) {
            palette::opened();
        } else {
            close(PALETTE);
        }
        return true;
    }
    // A dialog's keys are its own (Escape, its arrows).
    if in_dialog {
        return false;
    }
    if command && alt && text(ev, "code") == "KeyN" && !alt_gr_letter(ev) {
        new_note(ctx);
        return true;
    }
    if command && !alt && key.eq_ignore_ascii_case("f") {
        return focus_search();
    }
    if key == "ArrowDown" && call(target, "matches", Some(SEARCH)).is_truthy() {
        return focus(&find(".sidebar .note-item"));
    }
    if typing || command || alt {
        return false;
    }
    match key.as_str() {
        "/" => focus_search(),
        "?" => show(SHORTCUTS),
        "ArrowDown" | "ArrowUp" => move_in_list(target, key == "ArrowDown"),
        _ => false,
    }
}

/// The dialogs' ids.
pub(super) const PALETTE: &str = "palette";
pub(super) const SHORTCUTS: &str = "shortcuts";

/// The search box of the list shown (the notes' or the trash's).
const SEARCH: &str = ".sidebar input[type=search]";

/// On Windows, AltGr is Ctrl+Alt: AltGr+N types "ń" on a Polish keyboard,
/// which must stay a letter in the note, not open a new one.
fn alt_gr_letter(ev: &KeyboardEvent) -> bool {
    let key = ev.key();
    !ev.meta_key() && key.chars().count() == 1 && !key.is_ascii()
}

/// Opens a new, empty note in the notes list, with the caret in it (as
/// "New note" does, from any view).
pub(super) fn new_note(ctx: Ctx) {
    let id = new_id();
    ctx.pane.set(Pane::Notes);
    ctx.query.set(String::new());
    ctx.fresh.set(Some(id.clone()));
    ctx.selected.set(Some(id));
}

/// Puts the focus in the search box, its text selected to be typed over.
/// False when it is there already: a second Ctrl/Cmd-F is the browser's
/// own find in the page.
fn focus_search() -> bool {
    let input = find(SEARCH);
    if !input.is_truthy() || call(&input, "matches", Some(":focus")).is_truthy() {
        return false;
    }
    call(&input, "focus", None);
    call(&input, "select", None);
    true
}

/// Up and Down from a row of the list go to the row before or after it;
/// Up from the first goes back to the search box.
fn move_in_list(from: &JsValue, down: bool) -> bool {
    let row = call(from, "closest", Some(".sidebar .note-list > li"));
    if !row.is_truthy() {
        return false;
    }
    let next = get(
        &row,
        if down {
            "nextElementSibling"
        } else {
            "previousElementSibling"
        },
    );
    if next.is_truthy() {
        focus(&call(&next, "querySelector", Some(".note-item")))
    } else {
        !down && focus_search()
    }
}

/// Focuses `el`; false if there is none.
pub(super) fn focus(el: &JsValue) -> bool {
    if !el.is_truthy() {
        return false;
    }
    call(el, "focus", None);
    true
}
