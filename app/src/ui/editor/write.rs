//! How an edit reaches the database: as the lines it changed from the text
//! the editor last read or saved, put onto what the note holds now if that
//! changed meanwhile, else whole.

use crate::rpc::{Request, RpcError};
use crate::ui::ask;

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
    Ok(match ask::save_lines(request).await? {
        ask::Lines::Saved(revision) => Lines::Saved(revision),
        ask::Lines::Stale => Lines::Stale,
    })
}

/// Writes `body` as the note's text, typed over `base`: as the lines changed
/// from it when the database still holds it; put onto what it holds now when
/// the note changed since (a Sync merged another device's lines, another tab
/// saved), where saving the whole text would delete those lines; whole when
/// there is no base.
pub async fn write(id: String, body: &str, base: Option<&Base>) -> Result<Written, RpcError> {
    // `body` put onto the note as last read, once it was read again.
    let mut merged: Option<String> = None;
    if let Some(base) = base.filter(|b| b.id == id) {
        // Nothing typed since (a save queued behind one that sent it all).
        if base.text == body {
            return Ok(Written {
                revision: base.revision,
                merged: None,
            });
        }
        let mut now: Option<Base> = None;
        // Another write may land between a read and the save after it.
        for _ in 0..4 {
            let from = now.as_ref().unwrap_or(base);
            match save_lines(&id, from, merged.as_deref().unwrap_or(body)).await? {
                Lines::Saved(revision) => {
                    return Ok(Written {
                        revision,
                        merged: merged.filter(|m| m != body),
                    });
                }
                Lines::Whole => break,
                Lines::Stale => {}
            }
            let Some(note) = ask::read_note(id.clone()).await? else {
                // Deleted for good elsewhere: the text is all there is.
                break;
            };
            merged = Some(notetext::rebase(&base.text, body, &note.body));
            now = Some(Base {
                id: id.clone(),
                text: note.body,
                revision: note.revision,
            });
        }
    }
    let merged = merged.filter(|m| m != body);
    let whole = merged.clone().unwrap_or_else(|| body.to_owned());
    let revision = ask::save_note(id, whole).await?;
    Ok(Written { revision, merged })
}
