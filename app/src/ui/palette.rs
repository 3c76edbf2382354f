//! The command palette (Ctrl/Cmd-K): a combobox whose list holds the
//! commands whose name contains what is typed, then the notes that match it
//! (the list's own search: titles first). Up and Down choose, Enter runs
//! the choice, Escape closes.
//!
//! A command that a button on screen does presses that button, and is
//! offered only while the screen offers it (History with a note open, Sign
//! out when signed in): the palette can never do what the screen would not.

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::KeyboardEvent;

use super::dom::{call, find, get, set, text};
use super::keys;
use super::{Ctx, Pane, ask};
use crate::rpc::Sort;

/// Notes listed under the commands: enough to find one by its title,
/// few enough that the list fits on a laptop's screen.
const NOTES: u32 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    NewNote,
    Sync,
    ShowTrash,
    ShowNotes,
    History,
    Delete,
    SignOut,
    Shortcuts,
}

impl Command {
    const ALL: [Self; 8] = [
        Self::NewNote,
        Self::Sync,
        Self::ShowTrash,
        Self::ShowNotes,
        Self::History,
        Self::Delete,
        Self::SignOut,
        Self::Shortcuts,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::NewNote => "New note",
            Self::Sync => "Sync now",
            Self::ShowTrash => "Show the Trash",
            Self::ShowNotes => "Show the notes",
            Self::History => "History of this note",
            Self::Delete => "Move this note to the Trash",
            Self::SignOut => "Sign out",
            Self::Shortcuts => "Keyboard shortcuts",
        }
    }

    /// The enabled button on screen that does this, as (where, its text).
    fn button(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Self::Sync => (".syncbar button", "Sync"),
            Self::ShowTrash => (".pane-tabs button[aria-pressed=false]", "Trash"),
            Self::ShowNotes => (".pane-tabs button[aria-pressed=false]", "Notes"),
            Self::History => (".editor-tools button", "History"),
            Self::Delete => (".editor-tools button", "Delete note"),
            Self::SignOut => ("#account button", "Sign out"),
            Self::NewNote | Self::Shortcuts => return None,
        })
    }

    fn offered(self) -> bool {
        self.button()
            .is_none_or(|(at, text)| button(at, text).is_truthy())
    }

    fn run(self, ctx: Ctx) {
        match self {
            Self::NewNote => keys::new_note(ctx),
            Self::Shortcuts => {
                keys::show(keys::SHORTCUTS);
            }
            _ => {
                if let Some((at, text)) = self.button() {
                    call(&button(at, text), "click", None);
                }
            }
        }
    }
}

/// The enabled button `at` selects whose text is `label` (undefined if
/// there is none).
fn button(at: &str, label: &str) -> JsValue {
    let found = call(
        &document(),
        "querySelectorAll",
        Some(&format!("{at}:not(:disabled)")),
    );
    let count = get(&found, "length").as_f64().unwrap_or_default() as u32;
    (0..count)
        .map(|i| call(&found, "item", Some(&i.to_string())))
        .find(|b| text(b, "textContent").trim() == label)
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq)]
enum Choice {
    Command(Command),
    Note { id: String, title: String },
}

/// What the palette shows besides its box's text.
#[derive(Default)]
struct State {
    /// The notes matching the box's text, as the database last answered.
    notes: Vec<Choice>,
    /// The option Enter runs.
    active: usize,
    /// Questions asked: only the newest one's answer is shown.
    asked: u64,
    /// Why the notes could not be listed, if they could not.
    failed: Option<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::default();
}

/// Typed into the palette's box: the commands follow at once, the notes
/// when the database answers.
pub(super) fn on_input() {
    STATE.with_borrow_mut(|s| s.active = 0);
    draw();
    ask();
}

/// Called as the palette opens: empty, with the newest notes listed.
pub(super) fn opened() {
    let _ = js_sys::Reflect::set(&find(INPUT), &"value".into(), &"".into());
    STATE.with_borrow_mut(|s| s.active = 0);
    draw();
    ask();
}

const INPUT: &str = "#palette input";

fn typed() -> String {
    text(&find(INPUT), "value")
}

/// The commands the screen offers now whose name holds the box's text
/// (ASCII case only: the names are, and Unicode's case tables are a
/// download), then the notes.
fn choices() -> Vec<Choice> {
    let typed = typed().trim().to_ascii_lowercase();
    let mut all: Vec<Choice> = Command::ALL
        .into_iter()
        .filter(|c| c.label().to_ascii_lowercase().contains(&typed) && c.offered())
        .map(Choice::Command)
        .collect();
    STATE.with_borrow(|s| all.extend(s.notes.iter().cloned()));
    all
}

/// Asks the database for the notes that match the box's text.
fn ask() {
    let mine = STATE.with_borrow_mut(|s| {
        s.asked += 1;
        s.asked
    });
    let query = typed();
    leptos::task::spawn_local(async move {
        // Pinned and last edited first: what is likely wanted next.
        let answer = ask::list_notes(query, NOTES, Sort::Edited, None).await;
        let (notes, failed) = match answer {
            Ok(ask::Page { notes, .. }) => (
                notes
                    .into_iter()
                    .map(|n| Choice::Note {
                        id: n.id,
                        title: n.title,
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        // Typed on meanwhile: a newer answer is on its way.
        let newest = STATE.with_borrow_mut(|s| {
            let newest = s.asked == mine;
            if newest {
                s.notes = notes;
                s.failed = failed;
            }
            newest
        });
        if newest {
            draw();
        }
    });
}

/// Shows the choices, the active one, and how many there are.
fn draw() {
    let choices = choices();
    let (active, failed) = STATE.with_borrow(|s| (s.active, s.failed.clone()));
    let mut html = String::new();
    for (i, choice) in choices.iter().enumerate() {
        let (label, kind) = match choice {
            Choice::Command(c) => (c.label(), "Command"),
            Choice::Note { title, .. } => (title.as_str(), "Note"),
        };
        html += &format!(
            "<li id=\"palette-{i}\" role=\"option\" aria-selected=\"{}\">\
             <span>{}</span><span class=\"hint\">{kind}</span></li>",
            i == active,
            escape(label)
        );
    }
    let doc = document();
    if let Some(list) = doc.get_element_by_id("palette-choices") {
        list.set_inner_html(&html);
    }
    if let Some(input) = doc.query_selector(INPUT).ok().flatten() {
        let _ = if choices.is_empty() {
            input.remove_attribute("aria-activedescendant")
        } else {
            input.set_attribute("aria-activedescendant", &format!("palette-{active}"))
        };
    }
    let said = match (failed, choices.len()) {
        (Some(e), _) => format!("The notes could not be searched: {e}"),
        (None, 0) => "Nothing matches.".to_owned(),
        (None, n) => format!("{n} to choose from: ↑ ↓, then Enter."),
    };
    set(&find("#palette [role=status]"), "textContent", &said);
}

/// A title as text in markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Up and Down choose, Enter runs (Escape is the dialog's own).
pub(super) fn on_key(ctx: Ctx, ev: &KeyboardEvent) {
    let count = choices().len();
    let key = ev.key();
    match key.as_str() {
        "ArrowDown" | "ArrowUp" if count > 0 => {
            let step = if key == "ArrowDown" { 1 } else { count - 1 };
            STATE.with_borrow_mut(|s| s.active = (s.active + step) % count);
            draw();
        }
        "Enter" => run(ctx, STATE.with_borrow(|s| s.active)),
        _ => return,
    }
    ev.prevent_default();
}

/// A click on an option runs it; one beside the dialog (on its backdrop)
/// closes it.
pub(super) fn on_click(ctx: Ctx, target: &JsValue) {
    if text(target, "id") == keys::PALETTE {
        keys::close(keys::PALETTE);
        return;
    }
    let option = text(&call(target, "closest", Some("[role=option]")), "id");
    let at = option.strip_prefix("palette-").and_then(|i| i.parse().ok());
    if let Some(at) = at {
        run(ctx, at);
    }
}

fn run(ctx: Ctx, at: usize) {
    let Some(choice) = choices().into_iter().nth(at) else {
        return;
    };
    keys::close(keys::PALETTE);
    match choice {
        Choice::Command(c) => c.run(ctx),
        Choice::Note { id, .. } => {
            ctx.pane.set(Pane::Notes);
            ctx.selected.set(Some(id));
            // Into its text once the editor has drawn it: opened from the
            // keyboard, it is read or written next.
            set_timeout(
                || {
                    keys::focus(&find(".note-text"));
                },
                Duration::ZERO,
            );
        }
    }
}
