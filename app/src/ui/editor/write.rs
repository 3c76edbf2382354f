//! How an edit reaches the database: as the lines it changed from the text
//! the editor last read or saved, put onto what the note holds now if that
//! changed meanwhile, else whole.

use crate::client;
use crate::rpc::{Request, Response, RpcError};

/// The text the database holds for the note shown, and the store's revision
/// when it did: an edit is sent as the lines it changed from this, and a
/// re-read asks only whether anything changed since.
#[derive(Clone)]
pub struct Base {
    pub id: String,
    pub text: String,
    pub revision: i64,
}

/// What a save wrote.
pub struct Written {
    /// The note's revision after it.
    pub revision: i64,
    /// The note's text, when it is not the one sent: the edit was put onto
    /// lines written elsewhere since the editor's base, which it must show.
    pub merged: Option<String>,
}

/// How sending the changed lines went.
enum Lines {
    Saved(i64),
    /// The note changed since the revision they were computed against.
    Stale,
    /// No splice between these texts (one is empty).
    Whole,
}

async fn save_lines(id: &str, from: &Base, body: &str) -> Result<Lines, RpcError> {
    let Some(splice) = notetext::Splice::between(&from.text, body) else {
        return Ok(Lines::Whole);
    };
    let (Ok(at), Ok(removed)) = (u32::try_from(splice.from), u32::try_from(splice.removed)) else {
        return Ok(Lines::Whole);
    };
    let request = Request::SaveLines {
        id: id.to_owned(),
        base: from.revision,
        from: at,
        removed,
        inserted: splice.inserted.to_owned(),
    };
    Ok(match client::call(request).await? {
        Response::Saved(revision) => Lines::Saved(revision),
        _ => Lines::Stale,
    })
}

async fn save_whole(id: String, body: String) -> Result<i64, RpcError> {
    match client::call(Request::SaveNote { id, body }).await? {
        Response::Saved(revision) => Ok(revision),
        _ => Err(RpcError::Unexpected),
    }
}

/// Writes `body` as the note's text, typed over `base`: as the lines changed
/// from it when the database still holds it; put onto what it holds now when
/// the note changed since (a Sync merged another device's lines, another tab
/// saved), where saving the whole text would delete those lines; whole when
/// there is no base.
pub async fn write(id: String, body: &str, base: Option<&Base>) -> Result<Written, RpcError> {
    let saved = |revision| Written {
        revision,
        merged: None,
    };
    let Some(base) = base.filter(|b| b.id == id) else {
        return save_whole(id, body.to_owned()).await.map(saved);
    };
    match save_lines(&id, base, body).await? {
        Lines::Saved(revision) => return Ok(saved(revision)),
        Lines::Whole => return save_whole(id, body.to_owned()).await.map(saved),
        Lines::Stale => {}
    }
    // A few tries: each reads the note again, and another write may land
    // between that read and this save.
    for _ in 0..3 {
        let now = match client::call(Request::GetNote {
            id: id.clone(),
            known: None,
        })
        .await?
        {
            Response::Note(Some(now)) => now,
            // Deleted for good elsewhere: the text is all there is.
            _ => break,
        };
        let merged = notetext::rebase(&base.text, body, &now.body);
        let now = Base {
            id: id.clone(),
            text: now.body,
            revision: now.revision,
        };
        let revision = match save_lines(&id, &now, &merged).await? {
            Lines::Saved(revision) => revision,
            Lines::Stale => continue,
            Lines::Whole => save_whole(id.clone(), merged.clone()).await?,
        };
        return Ok(Written {
            revision,
            merged: (merged != body).then_some(merged),
        });
    }
    save_whole(id, body.to_owned()).await.map(saved)
}
