//! Every request of the UI paired with the answer it gets: one function per
//! request, so a caller handles the answer and the failures, never an answer
//! of another kind ("unexpected" is decided here, once).

use crate::client;
use crate::rpc::{
    Note, NoteSummary, Request, Response, RpcError, Sort, Status, Tag, Version, VersionSummary,
};

/// An answer, taken out of the worker's `Response`.
trait Answer: Sized {
    fn from(response: Response) -> Option<Self>;
}

async fn ask<A: Answer>(request: Request) -> Result<A, RpcError> {
    A::from(client::call(request).await?).ok_or(RpcError::Unexpected)
}

/// Whether the request found what it was about.
impl Answer for bool {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Done(found) => Some(found),
            _ => None,
        }
    }
}

impl Answer for Status {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Status(s) => Some(s),
            _ => None,
        }
    }
}

/// A note's revision after a save.
pub struct Saved(pub i64);

impl Answer for Saved {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Saved(revision) => Some(Self(revision)),
            _ => None,
        }
    }
}

/// A page of the notes list, and how many notes the whole list has.
pub struct Page {
    pub notes: Vec<NoteSummary>,
    pub total: u32,
}

impl Answer for Page {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::NoteList { notes, total } => Some(Self { notes, total }),
            _ => None,
        }
    }
}

impl Answer for Vec<NoteSummary> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Notes(notes) => Some(notes),
            _ => None,
        }
    }
}

impl Answer for Vec<Tag> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Tags(tags) => Some(tags),
            _ => None,
        }
    }
}

impl Answer for Vec<VersionSummary> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::History(versions) => Some(versions),
            _ => None,
        }
    }
}

impl Answer for Option<Version> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Version(version) => Some(version),
            _ => None,
        }
    }
}

/// A note as read.
pub enum Read {
    Note(Note),
    /// Unchanged since the revision the asker had.
    Unchanged,
    /// No such note (deleted for good, maybe in another tab).
    Gone,
}

impl Answer for Read {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Note(Some(note)) => Some(Self::Note(note)),
            Response::Note(None) => Some(Self::Gone),
            Response::NoteUnchanged => Some(Self::Unchanged),
            _ => None,
        }
    }
}

/// A note in full; `None` if there is no such note.
impl Answer for Option<Note> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Note(note) => Some(note),
            _ => None,
        }
    }
}

/// Lines saved, or refused as made against an older text.
pub enum Lines {
    Saved(i64),
    Stale,
}

impl Answer for Lines {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Saved(revision) => Some(Self::Saved(revision)),
            Response::Stale => Some(Self::Stale),
            _ => None,
        }
    }
}

/// How many notes went for good.
struct Emptied(usize);

impl Answer for Emptied {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::Emptied(n) => Some(Self(n)),
            _ => None,
        }
    }
}

pub async fn list_notes(
    query: String,
    limit: u32,
    sort: Sort,
    tag: Option<String>,
) -> Result<Page, RpcError> {
    ask(Request::ListNotes {
        query,
        limit,
        sort,
        tag,
    })
    .await
}

pub async fn list_tags() -> Result<Vec<Tag>, RpcError> {
    ask(Request::ListTags).await
}

pub async fn list_trash(query: String) -> Result<Vec<NoteSummary>, RpcError> {
    ask(Request::ListTrash { query }).await
}

/// `known`: the revision of the copy the asker has.
pub async fn get_note(id: String, known: Option<i64>) -> Result<Read, RpcError> {
    ask(Request::GetNote { id, known }).await
}

/// The note in full, whatever copy the asker has.
pub async fn read_note(id: String) -> Result<Option<Note>, RpcError> {
    ask(Request::GetNote { id, known: None }).await
}

pub async fn save_note(id: String, body: String) -> Result<i64, RpcError> {
    ask::<Saved>(Request::SaveNote { id, body })
        .await
        .map(|s| s.0)
}

/// Sends a `Request::SaveLines`.
pub async fn save_lines(request: Request) -> Result<Lines, RpcError> {
    ask(request).await
}

pub async fn set_pinned(id: String, pinned: bool) -> Result<bool, RpcError> {
    ask(Request::SetPinned { id, pinned }).await
}

pub async fn delete_note(id: String) -> Result<bool, RpcError> {
    ask(Request::DeleteNote { id }).await
}

pub async fn restore_note(id: String) -> Result<bool, RpcError> {
    ask(Request::RestoreNote { id }).await
}

pub async fn delete_forever(id: String) -> Result<bool, RpcError> {
    ask(Request::DeleteForever { id }).await
}

pub async fn discard_if_empty(id: String) -> Result<bool, RpcError> {
    ask(Request::DiscardIfEmpty { id }).await
}

pub async fn empty_trash() -> Result<usize, RpcError> {
    ask::<Emptied>(Request::EmptyTrash).await.map(|e| e.0)
}

pub async fn history(note_id: String) -> Result<Vec<VersionSummary>, RpcError> {
    ask(Request::History { note_id }).await
}

pub async fn get_version(version_id: String) -> Result<Option<Version>, RpcError> {
    ask(Request::GetVersion { version_id }).await
}

/// Restoring a version, choosing a conflict copy: whether it was found.
pub async fn done(request: Request) -> Result<bool, RpcError> {
    ask(request).await
}

/// The requests answered with where sync stands now: `Status`, `Sync`,
/// signing in or out, account changes, settings.
pub async fn status(request: Request) -> Result<Status, RpcError> {
    ask(request).await
}
