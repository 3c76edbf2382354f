//! Edits not yet saved when the page goes away. Autosave waits 300 ms after
//! the last key, and a closing tab takes its DB worker with it, so the last
//! words typed could be lost. When the page is hidden or closed, the editor
//! keeps them here (localStorage writes are synchronous, so they are stored
//! before the page is gone) and asks for a save. A save that fails (a full
//! storage) leaves its text here too. The next start saves what the database
//! does not have yet, and forgets the rest; opening the note shows it.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::{Ctx, ask, local_storage};
use crate::rpc::{Request, RpcError};

const PREFIX: &str = "notes.draft.v1:";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Draft {
    /// Whose notebook the note is in (`None`: the local notebook).
    pub account: Option<String>,
    pub id: String,
    pub text: String,
    /// The note's texts the draft was typed over: the last one read or saved,
    /// and any save still on its way. If the database holds one of them, the
    /// draft is newer and replaces it; if it holds anything else, the note
    /// was changed elsewhere meanwhile and the draft becomes a note of its own.
    pub over: Vec<String>,
}

fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

thread_local! {
    /// Drafts localStorage could not take (it has a quota of its own): kept
    /// while this page lives.
    static IN_TAB: RefCell<Vec<Draft>> = const { RefCell::new(Vec::new()) };
}

/// Where a draft was kept.
#[derive(Clone, Copy, PartialEq)]
pub enum Kept {
    OnDevice,
    InThisTab,
}

/// Keeps `draft` until a save of its note succeeds (or the next start).
pub fn keep(draft: Draft) -> Kept {
    let stored = local_storage()
        .zip(serde_json::to_string(&draft).ok())
        .is_some_and(|(s, json)| s.set_item(&key(&draft.id), &json).is_ok());
    IN_TAB.with_borrow_mut(|kept| {
        kept.retain(|d| d.id != draft.id);
        if !stored {
            kept.push(draft);
        }
    });
    if stored {
        Kept::OnDevice
    } else {
        Kept::InThisTab
    }
}

/// The newest draft kept of note `id`, if any.
pub fn of(id: &str) -> Option<Draft> {
    IN_TAB
        .with_borrow(|kept| kept.iter().find(|d| d.id == id).cloned())
        .or_else(|| read(&key(id)))
}

fn read(key: &str) -> Option<Draft> {
    local_storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
}

/// How many notes of `account`'s notebook have a draft kept.
pub fn count(account: Option<&str>) -> usize {
    let mut ids: Vec<String> = Vec::new();
    for draft in keys()
        .iter()
        .filter_map(|key| read(key))
        .chain(IN_TAB.with_borrow(Vec::clone))
    {
        // A note may have a draft in both places; a few drafts at most, so
        // no sort (its code would cost more download than this loop).
        if draft.account.as_deref() == account && !ids.contains(&draft.id) {
            ids.push(draft.id);
        }
    }
    ids.len()
}

/// The note's edits are in the database now.
pub fn saved(id: &str) {
    IN_TAB.with_borrow_mut(|kept| kept.retain(|d| d.id != id));
    remove(&key(id));
}

fn remove(key: &str) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

/// The keys of the drafts kept.
fn keys() -> Vec<String> {
    let Some(s) = local_storage() else {
        return Vec::new();
    };
    (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .collect()
}

/// Forgets every draft: the notebook is about to be another one.
pub fn forget_all() {
    IN_TAB.with_borrow_mut(Vec::clear);
    keys().iter().for_each(|key| remove(key));
}

/// The local notebook's notes moved into `account`'s notebook (with their
/// ids and texts), so their drafts go with them; any other draft is
/// forgotten.
pub fn signed_in(account: &str) {
    let mut drafts = Vec::new();
    for key in keys() {
        drafts.extend(read(&key));
        remove(&key);
    }
    // Last: a draft kept in the tab is newer than one of the same note in
    // localStorage.
    drafts.extend(IN_TAB.with_borrow_mut(std::mem::take));
    for mut draft in drafts.into_iter().filter(|d| d.account.is_none()) {
        draft.account = Some(account.to_owned());
        keep(draft);
    }
}

/// Saves the drafts the database lacks (kept by earlier pages, or brought
/// along at sign-in). Drafts of another account's notebook wait for it.
pub fn recover(ctx: Ctx) {
    let keys = keys();
    if keys.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let Ok(status) = ask::status(Request::Status).await else {
            return;
        };
        // The first draft that failed names the message; its error says why.
        let mut failed: Option<(String, RpcError)> = None;
        let mut others = 0;
        for key in keys {
            match read(&key) {
                // Gone meanwhile, or unreadable (an older format): nothing to save.
                None => remove(&key),
                Some(draft) if draft.account == status.account => {
                    match restore(ctx, &draft).await {
                        Ok(()) => remove(&key),
                        Err(_) if failed.is_some() => others += 1,
                        Err(e) => failed = Some((store::notes::title_of(&draft.text), e)),
                    }
                }
                Some(_) => {}
            }
        }
        if let Some((title, e)) = failed {
            ctx.warn(not_saved_yet(&title, others, &e));
        }
    });
}

/// Words drafts that could not be saved at start-up: which note (the "This
/// note" of a too-long refusal is that one), and how many more.
fn not_saved_yet(title: &str, others: usize, e: &RpcError) -> String {
    match others {
        0 => format!(
            "Text typed earlier in “{title}” could not be saved yet. {e} It is kept on \
             this device, and saved when you open the note or start the app again."
        ),
        n => format!(
            "Text typed earlier in “{title}” and {n} other note{} could not be saved yet. \
             {e} It is kept on this device, and saved when you open those notes or start \
             the app again.",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// Puts `draft` in the database, as its note or as a new one.
async fn restore(ctx: Ctx, draft: &Draft) -> Result<(), RpcError> {
    let current = ask::read_note(draft.id.clone()).await?.map(|n| n.body);
    if current.as_deref() == Some(draft.text.as_str()) {
        return Ok(());
    }
    let over = current.as_ref().is_some_and(|c| draft.over.contains(c));
    let id = if over {
        draft.id.clone()
    } else {
        super::notes_list::new_id()
    };
    ask::save_note(id, draft.text.clone()).await?;
    if !over {
        ctx.warn(
            "Text typed just before the app closed was kept as a new note: \
             its note had changed elsewhere meanwhile.",
        );
    }
    Ok(())
}
