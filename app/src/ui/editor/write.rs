//! How an edit reaches the database: as the lines it changed from the text
//! the editor last read or saved, else whole.

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

/// Writes `body` as the note's text: as the lines changed from `base` when
/// the database still holds that, else whole. Returns the new revision.
pub async fn write(id: String, body: &str, base: Option<&Base>) -> Result<i64, RpcError> {
    let splice = base
        .filter(|b| b.id == id)
        .and_then(|b| Some((b.revision, notetext::Splice::between(&b.text, body)?)));
    if let Some((revision, splice)) = splice
        && let (Ok(from), Ok(removed)) = (u32::try_from(splice.from), u32::try_from(splice.removed))
    {
        let request = Request::SaveLines {
            id: id.clone(),
            base: revision,
            from,
            removed,
            inserted: splice.inserted.to_owned(),
        };
        if let Response::Saved(revision) = client::call(request).await? {
            return Ok(revision);
        }
        // Stale: changed since (elsewhere, or by a restore); the whole text
        // merges with that.
    }
    match client::call(Request::SaveNote {
        id,
        body: body.to_owned(),
    })
    .await?
    {
        Response::Saved(revision) => Ok(revision),
        _ => Err(RpcError::Unexpected),
    }
}
