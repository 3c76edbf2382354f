//! The server half of a sync round: validate, merge, answer.

use std::collections::HashMap;

use protocol::{PROTOCOL_VERSION, SiteIdHex, SyncRequest, SyncResponse};
use store::migrations::SCHEMA_VERSION;
use store::{Change, ChangeFilter, Store, StoreError, Value};

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

/// The replicated tables, as the database itself declares them.
struct CrrTable {
    pk_columns: usize,
    columns: Vec<String>,
}

fn crr_tables(store: &Store) -> Result<HashMap<String, CrrTable>, SyncError> {
    let conn = store.conn();
    let mut names = conn.prepare_cached(
        r"SELECT substr(name, 1, length(name) - 13) FROM sqlite_master
          WHERE type = 'table' AND name LIKE '%\_\_crsql\_clock' ESCAPE '\'",
    )?;
    let names: Vec<String> = names
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut tables = HashMap::new();
    for name in names {
        let mut info = conn.prepare_cached("SELECT name, pk FROM pragma_table_info(?1)")?;
        let cols: Vec<(String, i64)> = info
            .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let pk_columns = cols.iter().filter(|(_, pk)| *pk > 0).count();
        let columns = cols
            .into_iter()
            .filter(|(_, pk)| *pk == 0)
            .map(|(c, _)| c)
            .collect();
        tables.insert(
            name,
            CrrTable {
                pk_columns,
                columns,
            },
        );
    }
    Ok(tables)
}

/// Checks what cr-sqlite would otherwise reject (or worse, accept) deep inside
/// a merge, so that a bad change gets a precise answer and nothing is applied.
fn validate(index: usize, c: &Change, tables: &HashMap<String, CrrTable>) -> Result<(), SyncError> {
    let bad = |reason: String| SyncError::BadChange { index, reason };
    let table = tables
        .get(&c.table)
        .ok_or_else(|| bad(format!("unknown table {:?}", c.table)))?;
    if c.cid != "-1" && !table.columns.contains(&c.cid) {
        return Err(bad(format!(
            "unknown column {:?} of table {:?}",
            c.cid, c.table
        )));
    }
    if c.cid == "-1" && c.val != Value::Null {
        return Err(bad(
            "a row sentinel (cid \"-1\") carries no value: send null".into(),
        ));
    }
    crate::pk::validate(&c.pk, table.pk_columns).map_err(|why| {
        bad(format!(
            "pk is not a packed primary key of {} column(s) for table {:?}: {why}",
            table.pk_columns, c.table
        ))
    })
}

/// A request checked and decoded, so far as that needs no database: a server
/// does this before it takes the user's database, which then waits only for
/// the merge and the answer.
#[derive(Debug)]
pub struct Push {
    client: [u8; 16],
    since: i64,
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
/// page size, how many changes and that each is well formed) and decodes its
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
        crate::convert::check_counters(w)
            .map_err(|reason| SyncError::BadChange { index, reason })?;
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
    let tables = crr_tables(store)?;
    for (index, change) in push.changes.iter().enumerate() {
        validate(index, change, &tables)?;
    }
    store.apply_changes(&push.changes).map_err(|e| match e {
        // A full disk or an I/O error is no fault of the change.
        StoreError::Apply { index, .. } if !e.is_storage_fault() => SyncError::BadChange {
            index,
            reason: "the database refused this change".into(),
        },
        other => SyncError::Store(other),
    })?;

    // A client ahead of this database (say, restored from a backup) gets
    // everything again: merging is idempotent, skipping is not.
    let since = if push.since > store.db_version()? {
        0
    } else {
        push.since
    };
    if let Some(version) =
        store.nobody_else_wrote_after(tables.keys().map(String::as_str), since, &client)?
    {
        return Ok(SyncResponse {
            protocol: PROTOCOL_VERSION,
            schema_version: SCHEMA_VERSION,
            changes: Vec::new(),
            // As `changes_since` answers when it finds nothing.
            server_version: since.max(version),
            more: false,
        });
    }
    let page = store.changes_since_within(
        since,
        ChangeFilter::NotFrom(client),
        push.page_size,
        limits.page_bytes,
    )?;
    Ok(SyncResponse {
        protocol: PROTOCOL_VERSION,
        schema_version: SCHEMA_VERSION,
        changes: page.changes.iter().map(to_wire).collect(),
        server_version: page.next_since,
        more: page.more,
    })
}
