//! Edits not yet saved when the page goes away. Autosave waits 300 ms after
//! the last key, and a closing tab takes its DB worker with it, so the last
//! words typed could be lost. When the page is hidden or closed, the editor
//! keeps them here (localStorage writes are synchronous, so they are stored
//! before the page is gone) and asks for a save. The next start saves what
//! the database does not have yet, and forgets the rest.

use serde::{Deserialize, Serialize};

use super::{Ctx, local_storage};
use crate::client;
use crate::rpc::{Request, Response};

const PREFIX: &str = "notes.draft.v1:";

#[derive(Debug, Serialize, Deserialize)]
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

/// Keeps `draft` until a save of its note succeeds (or the next start).
pub fn keep(draft: &Draft) {
    if let (Some(s), Ok(json)) = (local_storage(), serde_json::to_string(draft)) {
        // A full storage leaves only the save asked for at the same time.
        let _ = s.set_item(&format!("{PREFIX}{}", draft.id), &json);
    }
}

/// The note's edits are in the database now.
pub fn saved(id: &str) {
    remove(&format!("{PREFIX}{id}"));
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
    keys().iter().for_each(|key| remove(key));
}

/// Saves what earlier pages kept and the database lacks. Drafts of another
/// account's notebook wait for it.
pub fn recover(ctx: Ctx) {
    let keys = keys();
    if keys.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let Ok(Response::Status(status)) = client::call(Request::Status).await else {
            return;
        };
        for key in keys {
            let draft: Option<Draft> = local_storage()
                .and_then(|s| s.get_item(&key).ok().flatten())
                .and_then(|json| serde_json::from_str(&json).ok());
            match draft {
                // Gone meanwhile, or unreadable (an older format): nothing to save.
                None => remove(&key),
                Some(draft) if draft.account == status.account => {
                    if restore(ctx, &draft).await {
                        remove(&key);
                    }
                }
                Some(_) => {}
            }
        }
    });
}

/// Whether `draft` is now in the database, as its note or as a new one.
async fn restore(ctx: Ctx, draft: &Draft) -> bool {
    let current = match client::call(Request::GetNote {
        id: draft.id.clone(),
        known: None,
    })
    .await
    {
        Ok(Response::Note(note)) => note.map(|n| n.body),
        _ => return false,
    };
    if current.as_deref() == Some(draft.text.as_str()) {
        return true;
    }
    let over = current.as_ref().is_some_and(|c| draft.over.contains(c));
    let id = if over {
        draft.id.clone()
    } else {
        super::notes_list::new_id()
    };
    let saved = client::call(Request::SaveNote {
        id,
        body: draft.text.clone(),
    })
    .await;
    if !matches!(saved, Ok(Response::Saved(_))) {
        return false;
    }
    if !over {
        ctx.say(
            "Text typed just before the app closed was kept as a new note: \
             its note had changed elsewhere meanwhile.",
        );
    }
    true
}
