//! The server half of a sync round: validate, merge, answer.

use protocol::{PROTOCOL_VERSION, SiteIdHex, SyncRequest, SyncResponse};
use store::migrations::SCHEMA_VERSION;
use store::{Change, ChangeFilter, PushOutcome, Store, StoreError};

use crate::SyncError;
use crate::convert::{from_wire, to_wire};

/// Bounds on one request and one response.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most changes a client may push in one request.
    pub max_changes: usize,
    /// About how many changes one response carries (whole db_versions only).
    pub page_size: usize,
    /// About how many bytes of keys and values one response carries at most
    /// (whole db_versions only): long notes, and their saved versions, go
    /// in more pages instead of one that a server holds whole in memory.
    pub page_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_changes: protocol::MAX_PUSHED_CHANGES,
            // Each page is a new query of cr-sqlite's changes table: fewer,
            // larger pages made a 50,000-change pull into an empty replica
            // 20 % faster than pages of 5,000 (sync_bench).
            page_size: 10_000,
            page_bytes: 8 * 1024 * 1024,
        }
    }
}

/// A request checked and decoded, so far as that needs no database: a server
/// does this before it takes the user's database, which then waits only for
/// the merge and the answer.
#[derive(Debug)]
pub struct Push {
    client: [u8; 16],
    since: i64,
    head: i64,
    /// The history the client's cursors come from, and how far into it.
    seen: Option<(store::EpochId, i64)>,
    page_size: usize,
    changes: Vec<Change>,
}

impl Push {
    /// The client's changes, decoded.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }
}

/// Checks what a request says of itself (protocol, schema, site, cursor,
/// head, page size, how many changes and that each is well formed) and decodes its
/// changes.
pub fn decode(request: &SyncRequest, limits: &Limits) -> Result<Push, SyncError> {
    if request.protocol != PROTOCOL_VERSION {
        return Err(SyncError::Protocol {
            found: request.protocol,
            supported: PROTOCOL_VERSION,
        });
    }
    if request.schema_version != SCHEMA_VERSION {
        return Err(SyncError::SchemaMismatch {
            client: request.schema_version,
            server: SCHEMA_VERSION,
        });
    }
    let client = SiteIdHex::decode(&request.site_id).ok_or(SyncError::BadSiteId)?;
    if !(0..=protocol::MAX_COUNTER).contains(&request.since) {
        return Err(SyncError::BadSince(request.since));
    }
    if !(0..=protocol::MAX_COUNTER).contains(&request.head) {
        return Err(SyncError::BadHead(request.head));
    }
    let seen = match &request.seen {
        None => None,
        Some(seen) => {
            let epoch = SiteIdHex::decode(&seen.epoch).ok_or(SyncError::BadSeen)?;
            if !(0..=protocol::MAX_COUNTER).contains(&seen.version) {
                return Err(SyncError::BadSeen);
            }
            Some((epoch, seen.version))
        }
    };
    let page_size = match request.page_size {
        None => limits.page_size,
        Some(0) => return Err(SyncError::BadPageSize),
        Some(n) => usize::try_from(n).map_or(limits.page_size, |n| n.min(limits.page_size)),
    };
    if request.changes.len() > limits.max_changes {
        return Err(SyncError::TooManyChanges {
            found: request.changes.len(),
            max: limits.max_changes,
        });
    }
    let mut changes = Vec::with_capacity(request.changes.len());
    for (index, w) in request.changes.iter().enumerate() {
        if w.site_id
            .as_deref()
            .is_some_and(|s| SiteIdHex::decode(s) != Some(client))
        {
            return Err(SyncError::BadChange {
                index,
                reason: "a client pushes only its own changes: site_id must be the request's"
                    .into(),
            });
        }
        let change = crate::convert::check_counters(w)
            .and_then(|()| from_wire(w, Some(&client)))
            .map_err(|reason| SyncError::BadChange { index, reason })?;
        changes.push(change);
    }
    Ok(Push {
        client,
        since: request.since,
        head: request.head,
        seen,
        page_size,
        changes,
    })
}

/// Serves one `/sync` request against the user's database: validates
/// everything, merges the client's changes atomically, and answers with a page
/// of changes the client has not seen (never its own).
pub fn serve(
    store: &mut Store,
    request: &SyncRequest,
    limits: &Limits,
) -> Result<SyncResponse, SyncError> {
    let push = decode(request, limits)?;
    merge_and_answer(store, &push, limits)
}

/// The part of `serve` that needs the database: checks each change against
/// its tables, merges them all or none, and answers.
pub fn merge_and_answer(
    store: &mut Store,
    push: &Push,
    limits: &Limits,
) -> Result<SyncResponse, SyncError> {
    let client = push.client;
    if client == store.site_id()? {
        return Err(SyncError::BadSiteId);
    }
    let schema = store.crr_schema()?;
    for (index, change) in push.changes.iter().enumerate() {
        crate::check::change(change, schema)
            .map_err(|reason| SyncError::BadChange { index, reason })?;
    }
    let outcome = store
        .merge_push(&client, push.head, &push.changes)
        .map_err(|e| match e {
            // A full disk or an I/O error is no fault of the change.
            StoreError::Apply { index, .. } if !e.is_storage_fault() => SyncError::BadChange {
                index,
                reason: "the database refused this change".into(),
            },
            other => SyncError::Store(other),
        })?;
    if let PushOutcome::Shared(_) = outcome {
        return Err(SyncError::SharedSite);
    }

    // A client whose cursors come from a history this database no longer
    // holds (a restored backup, a new server) gets everything again and is
    // told to send everything again: merging is idempotent, skipping is not.
    let epoch = store.current_server_epoch()?;
    let head = store.db_version()?;
    let resend = !holds_seen_history(store, push)?;
    let since = if resend { 0 } else { push.since };
    let answer = |changes, server_version, more| SyncResponse {
        protocol: PROTOCOL_VERSION,
        schema_version: SCHEMA_VERSION,
        changes,
        server_version,
        more,
        epoch: SiteIdHex::encode(&epoch),
        head,
        resend,
    };
    if let Some(version) =
        // The schema was read once for this database: borrowing it again is free.
        store.nobody_else_wrote_after(store.crr_schema()?.table_names(), since, &client)?
    {
        // As `changes_since` answers when it finds nothing.
        return Ok(answer(Vec::new(), since.max(version), false));
    }
    let page = store.changes_since_within(
        since,
        ChangeFilter::NotFrom(client),
        push.page_size,
        limits.page_bytes,
    )?;
    Ok(answer(
        page.changes.iter().map(to_wire).collect(),
        page.next_since,
        page.more,
    ))
}

/// Whether everything the client was told of (its `since`, and the highest
/// version it heard of in its epoch) is still in this database's history.
/// A client that was told nothing yet has nothing to lose.
fn holds_seen_history(store: &Store, push: &Push) -> Result<bool, SyncError> {
    let told = push.since.max(push.seen.map_or(0, |(_, v)| v));
    if told == 0 {
        return Ok(true);
    }
    match &push.seen {
        // A client of protocol 2 kept no epoch: one full sync settles it.
        None => Ok(false),
        Some((epoch, _)) => Ok(store.holds_history(epoch, told)?),
    }
}
