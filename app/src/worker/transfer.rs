//! The DB worker's part of export and import (crate `portable`): it reads
//! every note for an export and saves the notes an import read. Zipping
//! and reading files happen in the transfer worker (`app/transfer`), which
//! the page starts only when needed.

use store::Store;

use super::words::storage;
use crate::rpc::{Response, RpcError};

/// Every note, trashed ones included, with its saved versions.
pub fn export_data(store: &Store) -> Result<Response, RpcError> {
    match portable::export::gather(store, |_| {}) {
        Ok(notes) => Ok(Response::ExportData(notes)),
        Err(portable::PortableError::Store(e)) => Err(storage(e)),
        Err(e) => Err(RpcError::Storage(e.to_string())),
    }
}

/// One note as a Markdown file named from its title.
pub fn export_note(store: &Store, id: &str) -> Result<Response, RpcError> {
    let Some(note) = store.get_note(id).map_err(storage)? else {
        return Err(RpcError::Refused("That note is no longer here.".into()));
    };
    let note = portable::ExportedNote::of(note, Vec::new());
    Ok(Response::File {
        name: portable::export::file_name(&note),
        mime: "text/markdown".into(),
        bytes: portable::export::markdown(&note).into_bytes(),
    })
}

/// Saves notes an import read, in one transaction.
pub fn import_notes(
    store: &mut Store,
    notes: &[portable::Incoming],
    now_ms: i64,
) -> Result<Response, RpcError> {
    let saved = portable::import::save_batch(store, notes, now_ms).map_err(storage)?;
    Ok(Response::ImportSaved {
        added: u32::try_from(saved.added).unwrap_or(u32::MAX),
        already_here: u32::try_from(saved.already_here).unwrap_or(u32::MAX),
    })
}
