//! Store failures in words for the user: a full disk and a note too long are
//! the ones users can act on, so they say what to do.

use store::StoreError;

use crate::rpc::RpcError;

/// A failed save or read in words.
pub fn storage(e: impl Into<StoreError>) -> RpcError {
    in_words(
        e.into(),
        "so the last change was not saved. Free some space on this device, then try again.",
    )
}

/// A failed Sync in words: the store's failures as above, the server's as
/// the server put them.
pub fn sync_storage(e: sync::SyncError) -> RpcError {
    match e {
        sync::SyncError::Store(s) => in_words(
            s,
            "so Sync could not finish (your notes are safe). \
             Free some space on this device, then Sync again.",
        ),
        other => RpcError::Server(other.to_string()),
    }
}

/// A store failure in words for the user; `when_full` goes on from "the
/// browser's storage for this site is full".
fn in_words(e: StoreError, when_full: &str) -> RpcError {
    if let StoreError::NoteTooLong { bytes, max } = e {
        // In hundredths, rounded, with integers: float formatting with a
        // precision costs the download several KB.
        let mb = |n: usize| {
            let hundredths = (n.saturating_mul(100) + (1 << 19)) >> 20;
            format!("{}.{:02} MB", hundredths / 100, hundredths % 100)
        };
        return RpcError::Refused(format!(
            "This note is too long: {}, and a note holds at most {}. \
             Move part of it into another note.",
            mb(bytes),
            mb(max)
        ));
    }
    // Also when the merge of a change hit it (`StoreError::Apply`).
    if e.is_disk_full() {
        RpcError::Storage(format!(
            "the browser's storage for this site is full, {when_full}"
        ))
    } else {
        RpcError::Storage(format!("could not read or write notes on this device: {e}"))
    }
}
