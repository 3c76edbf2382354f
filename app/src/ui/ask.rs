//! Every request of the UI paired with the answer it gets: one function per
//! request, so a caller handles the answer and the failures, never an answer
//! of another kind ("unexpected" is decided here, once).

use std::future::Future;

use futures::FutureExt;

use crate::client;
use crate::rpc::{
    Note, NoteSummary, Request, Response, RpcError, Sort, Status, Tag, Version, VersionSummary,
};

/// An answer, taken out of the worker's `Response`.
trait Answer: Sized {
    fn from(response: Response) -> Option<Self>;
}

/// The call's own future, mapped: no state machine of its own per answer
/// type (each cost the download hundreds of bytes).
fn ask<A: Answer>(request: Request) -> impl Future<Output = Result<A, RpcError>> {
    client::call(request).map(|answer| answer.and_then(|r| A::from(r).ok_or(RpcError::Unexpected)))
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

/// A file to hand to the browser's downloads.
pub struct Download {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl Answer for Download {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::File { name, mime, bytes } => Some(Self { name, mime, bytes }),
            _ => None,
        }
    }
}

impl Answer for Vec<portable::ExportedNote> {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::ExportData(notes) => Some(notes),
            _ => None,
        }
    }
}

/// What saving a step of an import did.
#[derive(Clone, Copy)]
pub struct ImportSaved {
    pub added: u32,
    pub already_here: u32,
}

impl Answer for ImportSaved {
    fn from(response: Response) -> Option<Self> {
        match response {
            Response::ImportSaved {
                added,
                already_here,
            } => Some(Self {
                added,
                already_here,
            }),
            _ => None,
        }
    }
}

pub fn export_data() -> impl Future<Output = Result<Vec<portable::ExportedNote>, RpcError>> {
    ask(Request::ExportData)
}

pub fn export_note(id: String) -> impl Future<Output = Result<Download, RpcError>> {
    ask(Request::ExportNote { id })
}

pub fn import_notes(
    notes: Vec<portable::Incoming>,
) -> impl Future<Output = Result<ImportSaved, RpcError>> {
    ask(Request::ImportNotes { notes })
}

pub fn list_notes(
    query: String,
    limit: u32,
    sort: Sort,
    tag: Option<String>,
) -> impl Future<Output = Result<Page, RpcError>> {
    ask(Request::ListNotes {
        query,
        limit,
        sort,
        tag,
    })
}

pub fn list_tags() -> impl Future<Output = Result<Vec<Tag>, RpcError>> {
    ask(Request::ListTags)
}

pub fn list_trash(query: String) -> impl Future<Output = Result<Vec<NoteSummary>, RpcError>> {
    ask(Request::ListTrash { query })
}

/// `known`: the revision of the copy the asker has.
pub fn get_note(id: String, known: Option<i64>) -> impl Future<Output = Result<Read, RpcError>> {
    ask(Request::GetNote { id, known })
}

/// The note in full, whatever copy the asker has.
pub fn read_note(id: String) -> impl Future<Output = Result<Option<Note>, RpcError>> {
    ask(Request::GetNote { id, known: None })
}

pub fn save_note(id: String, body: String) -> impl Future<Output = Result<i64, RpcError>> {
    ask::<Saved>(Request::SaveNote { id, body }).map(|saved| saved.map(|s| s.0))
}

/// Sends a `Request::SaveLines`.
pub fn save_lines(request: Request) -> impl Future<Output = Result<Lines, RpcError>> {
    ask(request)
}

pub fn set_pinned(id: String, pinned: bool) -> impl Future<Output = Result<bool, RpcError>> {
    ask(Request::SetPinned { id, pinned })
}

pub fn delete_note(id: String) -> impl Future<Output = Result<bool, RpcError>> {
    ask(Request::DeleteNote { id })
}

pub fn restore_note(id: String) -> impl Future<Output = Result<bool, RpcError>> {
    ask(Request::RestoreNote { id })
}

pub fn delete_forever(id: String) -> impl Future<Output = Result<bool, RpcError>> {
    ask(Request::DeleteForever { id })
}

pub fn discard_if_empty(id: String) -> impl Future<Output = Result<bool, RpcError>> {
    ask(Request::DiscardIfEmpty { id })
}

pub fn empty_trash() -> impl Future<Output = Result<usize, RpcError>> {
    ask::<Emptied>(Request::EmptyTrash).map(|emptied| emptied.map(|e| e.0))
}

pub fn history(note_id: String) -> impl Future<Output = Result<Vec<VersionSummary>, RpcError>> {
    ask(Request::History { note_id })
}

pub fn get_version(version_id: String) -> impl Future<Output = Result<Option<Version>, RpcError>> {
    ask(Request::GetVersion { version_id })
}

/// Restoring a version, choosing a conflict copy: whether it was found.
pub fn done(request: Request) -> impl Future<Output = Result<bool, RpcError>> {
    ask(request)
}

/// The requests answered with where sync stands now: `Status`, `Sync`,
/// signing in or out, account changes, settings.
pub fn status(request: Request) -> impl Future<Output = Result<Status, RpcError>> {
    ask(request)
}
