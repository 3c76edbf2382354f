//! The note requests: each is one call into the store, its answer converted
//! to the wire types of `rpc`.

use store::Store;

use super::words::storage;
use crate::rpc::{
    Conflict, Device, Note, NoteSummary, Request, Response, RpcError, Sort, Tag, Version,
    VersionSummary,
};

fn device(d: store::devices::Device) -> Device {
    Device {
        name: d.name,
        this_one: d.this_one,
    }
}

fn note_out(n: store::Note, revision: i64) -> Note {
    Note {
        revision,
        id: n.id,
        body: n.body,
        created_at: n.created_at,
        updated_at: n.updated_at,
        deleted_at: n.deleted_at,
        pinned: n.pinned,
        conflicts: n
            .conflicts
            .into_iter()
            .map(|c| Conflict {
                line_id: c.line_id,
                text: c.text,
                current: c.current,
                line_number: c.line_number,
                edited_at: c.edited_at,
                by: c.by.map(device),
                current_by: c.current_by.map(device),
            })
            .collect(),
    }
}

fn summary(n: store::NoteSummary, snippet: Option<String>) -> NoteSummary {
    NoteSummary {
        id: n.id,
        title: n.title,
        updated_at: n.updated_at,
        conflicts: n.conflicts,
        deleted_at: n.deleted_at,
        preview: n.preview,
        snippet,
        pinned: n.pinned,
    }
}

fn summaries(list: Vec<store::NoteSummary>) -> Vec<NoteSummary> {
    list.into_iter().map(|n| summary(n, None)).collect()
}

/// Notes indexed before the tags are counted, at most.
const TAGS_INDEX_FIRST: usize = 50;

/// Matches shown at most when searching the trash (it holds 30 days).
const TRASH_SEARCH_HITS: usize = 200;

/// The notes matching a search, best first, each with where it matches.
fn found(hits: Vec<store::SearchHit>) -> Vec<NoteSummary> {
    hits.into_iter()
        .map(|hit| summary(hit.note, Some(hit.snippet)))
        .collect()
}

fn get_note(store: &Store, id: &str, known: Option<i64>) -> Result<Response, store::StoreError> {
    let revision = store.revision()?;
    if known == Some(revision) {
        return Ok(Response::NoteUnchanged);
    }
    let note = store.get_note(id)?;
    Ok(Response::Note(note.map(|n| note_out(n, revision))))
}

/// The notes list, or a search when `query` holds a word.
fn list(
    store: &mut Store,
    query: &str,
    limit: usize,
    sort: Sort,
    tag: Option<&str>,
) -> Result<Response, store::StoreError> {
    let (notes, total) = if store::fts_query(query).is_some() {
        let page = store.search_tagged(query, false, tag, limit)?;
        (found(page.hits), page.total)
    } else {
        // No word in it (only punctuation, say): matched as typed.
        let options = store::ListOptions {
            query,
            tag,
            sort: match sort {
                Sort::Edited => store::Sort::Edited,
                Sort::Created => store::Sort::Created,
                Sort::Title => store::Sort::Title,
            },
        };
        let page = store.list_page(&options, limit)?;
        (summaries(page.notes), page.total)
    };
    Ok(Response::NoteList {
        notes,
        total: u32::try_from(total).unwrap_or(u32::MAX),
    })
}

/// Runs a note request; `None` if `request` is not one (the leader handles
/// those itself).
pub fn handle(
    store: &mut Store,
    request: &Request,
    now_ms: i64,
) -> Option<Result<Response, RpcError>> {
    let result = match request {
        Request::ListNotes {
            query,
            limit,
            sort,
            tag,
        } => list(store, query, *limit as usize, *sort, tag.as_deref()),
        // What a save just marked is counted at once; a sync's thousands
        // are left to the background indexing, which says when it is done.
        Request::ListTags => store
            .index_pending(TAGS_INDEX_FIRST)
            .and_then(|_| store.tags())
            .map(|tags| {
                Response::Tags(
                    tags.into_iter()
                        .map(|t| Tag {
                            name: t.tag,
                            notes: t.notes,
                        })
                        .collect(),
                )
            }),
        Request::SetPinned { id, pinned } => store.set_pinned(id, *pinned).map(Response::Done),
        Request::GetNote { id, known } => get_note(store, id, *known),
        Request::SaveNote { id, body } => store.save_note(id, body, now_ms).map(Response::Saved),
        Request::SaveLines {
            id,
            base,
            from,
            removed,
            inserted,
        } => {
            let splice = store::Splice {
                from: *from as usize,
                removed: *removed as usize,
                inserted,
            };
            store
                .save_note_splice(id, *base, splice, now_ms)
                .map(|saved| saved.map_or(Response::Stale, Response::Saved))
        }
        Request::DeleteNote { id } => store.delete_note(id, now_ms).map(Response::Done),
        Request::RestoreNote { id } => store.restore_note(id).map(Response::Done),
        Request::ListTrash { query } if store::fts_query(query).is_some() => store
            .search_notes(query, true, TRASH_SEARCH_HITS)
            .map(|page| Response::Notes(found(page.hits))),
        Request::ListTrash { .. } => store.list_trash().map(|l| Response::Notes(summaries(l))),
        Request::DeleteForever { id } => store.delete_forever(id).map(Response::Done),
        Request::DiscardIfEmpty { id } => store.discard_if_empty(id).map(Response::Done),
        Request::EmptyTrash => store.empty_trash().map(Response::Emptied),
        Request::History { note_id } => store.history(note_id).map(|h| {
            Response::History(
                h.into_iter()
                    .map(|v| VersionSummary {
                        id: v.id,
                        saved_at: v.saved_at,
                        title: v.title,
                        line_count: v.line_count,
                    })
                    .collect(),
            )
        }),
        Request::GetVersion { version_id } => store.get_version(version_id).map(|v| {
            Response::Version(v.map(|v| Version {
                id: v.id,
                note_id: v.note_id,
                saved_at: v.saved_at,
                body: v.body,
            }))
        }),
        Request::RestoreVersion {
            note_id,
            version_id,
        } => store
            .restore_version(note_id, version_id, now_ms)
            .map(Response::Done),
        Request::KeepLineVersion { note_id, line_id } => store
            .keep_line_version(note_id, line_id, now_ms)
            .map(Response::Done),
        Request::DismissLineVersion { note_id, line_id } => store
            .dismiss_line_version(note_id, line_id, now_ms)
            .map(Response::Done),
        Request::KeepBothLineVersions { note_id, line_id } => store
            .keep_both_line_versions(note_id, line_id, now_ms)
            .map(Response::Done),
        Request::ExportData => return Some(super::transfer::export_data(store)),
        Request::ExportNote { id } => return Some(super::transfer::export_note(store, id)),
        Request::ImportNotes { notes } => {
            return Some(super::transfer::import_notes(store, notes, now_ms));
        }
        Request::Status
        | Request::Sync
        | Request::SignIn { .. }
        | Request::SignOut { .. }
        | Request::ChangePassword { .. }
        | Request::SignOutEverywhere
        | Request::DeleteAccount { .. }
        | Request::SetAutoSync(_)
        | Request::Presence { .. }
        | Request::SetDeviceName(_) => {
            return None;
        }
    };
    Some(result.map_err(storage))
}
