//! The client half of a sync round.

use protocol::{
    PROTOCOL_VERSION, Seen, SiteIdHex, SyncRequest, SyncResponse, WireChange, WireValue,
};
use store::migrations::SCHEMA_VERSION;
use store::{ChangeFilter, PageEnd, Store, changes::apply_in};

use crate::convert::{from_wire, to_wire_own};
use crate::{Cursors, SyncError};

/// The most changes the first answer of a round may hold. Small, so that
/// merging starts at once instead of after the server has read, sent and the
/// client parsed a full page; each page asked ahead doubles, since it travels
/// while the one before it merges (the server caps it at its own page size).
pub const FIRST_PULL_PAGE: u32 = 1_000;

/// The most local changes the first push of a round holds: small, so that its
/// answer comes back soon.
pub const FIRST_PUSH_PAGE: usize = 1_000;

/// Each push page read while the one before it travels doubles, up to this:
/// a request carries its own commit (and fsync) and its own parsing, and
/// fewer, larger ones let the server merge at close to its raw speed
/// (sync_bench: pages of 1,000 reached 0.68 of a raw merge, of 5,000 0.84).
/// Pages of 8,000 were no faster, and the worker reading one holds up the
/// tabs' saves twice as long.
pub const MAX_PUSH_PAGE: usize = 4_000;

/// The most bytes of JSON the changes of one push may take: half the server's
/// body limit, so that a page of long notes (or many saved versions of one)
/// is split instead of refused. A single larger change goes alone.
pub const MAX_PUSH_BYTES: usize = protocol::MAX_REQUEST_BYTES / 2;

// Each saved version of a note is one change, and a change goes whole: the
// longest note, even if JSON escaped every byte into six, must fit in a
// request on its own.
const _: () = assert!(6 * store::notes::MAX_NOTE_BYTES + 64 * 1024 <= protocol::MAX_REQUEST_BYTES);

/// A request ready to send, plus what absorbing its answer must record.
#[derive(Clone, Debug)]
pub struct Round {
    pub request: SyncRequest,
    /// The local `(db_version, seq)` this round's push starts after: every
    /// change up to it must be acknowledged before this answer is absorbed.
    push_from: (i64, i64),
    /// The local `(db_version, seq)` the pushed changes reach: acknowledged on success.
    push_upto: (i64, i64),
    /// Local changes remain beyond this round's page.
    more_local: bool,
    /// The most changes this round's push could hold.
    push_page: usize,
}

impl Round {
    /// The round after this one while local changes remain: the next page of
    /// the push, read from where this one's ends. Lets the next push be read
    /// and sent while this one travels. Absorb the answers in order: if this
    /// one fails, drop the next one's answer; [`absorb`] refuses it anyway, so
    /// that a failed page is never counted as pushed. (Sending a page twice is
    /// harmless: merging is idempotent.) Its page is twice this one's, up to
    /// `max_changes`.
    pub fn next_push(&self, store: &Store, max_changes: usize) -> Result<Option<Round>, SyncError> {
        if !self.more_local {
            return Ok(None);
        }
        // The server version received so far, not this round's `since`: a
        // stale `since` would make the server look through everything since
        // for others' changes, at every request of a long push.
        let cursors = Cursors::load(store.conn())?;
        read_push(
            store,
            self.push_upto,
            &cursors,
            self.push_page.saturating_mul(2).min(max_changes),
            self.request.head,
        )
        .map(Some)
    }

    /// The round after this one, when it can be sent before this one's
    /// answer is absorbed: nothing is left to push and the server has more,
    /// so it is the next page of the pull, from where `response` ends. Lets
    /// the next page travel while this one merges. Absorb the answers in
    /// order; if absorbing this one fails, drop the next one's answer (a pull
    /// changes nothing on the server).
    pub fn next_pull(&self, response: &SyncResponse) -> Option<Round> {
        if self.more_local || !response.more || response.resend {
            return None;
        }
        let told = response.server_version.max(response.head);
        let version = match &self.request.seen {
            Some(seen) if seen.epoch == response.epoch => seen.version.max(told),
            _ => told,
        };
        Some(Round {
            request: SyncRequest {
                protocol: self.request.protocol,
                schema_version: self.request.schema_version,
                site_id: self.request.site_id.clone(),
                since: response.server_version,
                head: self.request.head,
                changes: Vec::new(),
                page_size: Some(
                    self.request
                        .page_size
                        .map_or(FIRST_PULL_PAGE, |n| n.saturating_mul(2)),
                ),
                seen: Some(Seen {
                    epoch: response.epoch.clone(),
                    version,
                }),
            },
            push_from: self.push_upto,
            push_upto: self.push_upto,
            more_local: false,
            push_page: self.push_page,
        })
    }
}

/// What one absorbed round did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub pushed: usize,
    pub pulled: usize,
    /// The server had lost history this replica relied on (restored from a
    /// backup, or new): every local change goes again, from the start. Drop
    /// any answer asked ahead and prepare the next round afresh.
    pub resent: bool,
    /// Nothing left to push or pull: the replica is in sync.
    pub done: bool,
}

/// Builds the next request: at most `max_changes` local changes not yet
/// acknowledged (a larger transaction goes out over several requests) and at
/// most [`MAX_PUSH_BYTES`] of them, and the server version already received.
pub fn prepare(store: &Store, max_changes: usize) -> Result<Round, SyncError> {
    let cursors = Cursors::load(store.conn())?;
    read_push(
        store,
        (cursors.pushed_local_version, cursors.pushed_local_seq),
        &cursors,
        max_changes,
        store.db_version()?,
    )
}

/// A round pushing the local changes after `from`, asking for the server's
/// changes after those `cursors` received. `head` is the database version
/// when the round began: pages asked ahead repeat it, so that the server,
/// whichever of them it takes first, never sees this replica's version go
/// down.
fn read_push(
    store: &Store,
    from: (i64, i64),
    cursors: &Cursors,
    max_changes: usize,
    head: i64,
) -> Result<Round, SyncError> {
    let site = store.site_id()?;
    let page = store.changes_after(
        from,
        ChangeFilter::OnlyFrom(site),
        max_changes.max(1),
        PageEnd::Anywhere,
    )?;
    let mut changes: Vec<WireChange> = page
        .changes
        .iter()
        .map(to_wire_own) // their origin is the request's site_id
        .collect();
    let (mut push_upto, mut more_local) = (page.next, page.more);
    let fit = fitting(&changes, MAX_PUSH_BYTES);
    if fit < changes.len() {
        // A push may end inside a db_version: the cursor is exact.
        let last = &changes[fit - 1];
        (push_upto, more_local) = ((last.db_version, last.seq), true);
        changes.truncate(fit);
    }
    Ok(Round {
        request: SyncRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: SCHEMA_VERSION,
            site_id: SiteIdHex::encode(&site),
            since: cursors.received_server_version,
            head,
            changes,
            page_size: Some(FIRST_PULL_PAGE),
            seen: cursors.server_epoch.map(|epoch| Seen {
                epoch: SiteIdHex::encode(&epoch),
                version: cursors
                    .seen_server_version
                    .max(cursors.received_server_version),
            }),
        },
        push_from: from,
        push_upto,
        more_local,
        push_page: max_changes.max(1),
    })
}

/// How many of `changes`, from the first, fit in `budget` bytes of JSON:
/// always at least one, so that a change larger than the budget still goes,
/// alone.
fn fitting(changes: &[WireChange], budget: usize) -> usize {
    // Most pages are far from the budget: a bound from the strings' lengths
    // settles them without writing any JSON.
    let bound = changes
        .iter()
        .fold(0usize, |sum, c| sum.saturating_add(json_len_bound(c)));
    if bound <= budget {
        return changes.len();
    }
    let mut bytes = 0usize;
    for (i, change) in changes.iter().enumerate() {
        // The comma between changes, and the change as serde_json writes it.
        bytes = bytes.saturating_add(1).saturating_add(json_len(change));
        if bytes > budget && i > 0 {
            return i;
        }
    }
    changes.len()
}

/// At least `json_len(change) + 1`: every string escaped at six bytes a
/// byte, plus the field names and the numbers at their longest.
fn json_len_bound(change: &WireChange) -> usize {
    let strings = [
        Some(change.table.as_str()),
        Some(&change.pk),
        Some(&change.cid),
        change.site_id.as_deref(),
        change.val.as_ref().map(|v| match v {
            WireValue::Int(s) | WireValue::Real(s) | WireValue::Text(s) | WireValue::Blob(s) => {
                s.as_str()
            }
        }),
    ];
    let escaped: usize = strings.iter().flatten().map(|s| 6 * s.len()).sum();
    const FIELDS_AND_NUMBERS: usize = 256;
    escaped + FIELDS_AND_NUMBERS
}

fn json_len(change: &WireChange) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing into a counter cannot fail; if it ever did, the change is
    // counted as too large to share a request.
    match serde_json::to_writer(&mut count, change) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

/// Merges the server's answer and advances both cursors, in one transaction.
/// Call only for a successful (2xx) response: on any failure, do nothing and
/// the same round can be prepared again and retried.
pub fn absorb(
    store: &mut Store,
    round: &Round,
    response: &SyncResponse,
) -> Result<Progress, SyncError> {
    if response.protocol != PROTOCOL_VERSION {
        return Err(SyncError::Protocol {
            found: response.protocol,
            supported: PROTOCOL_VERSION,
        });
    }
    if response.schema_version != SCHEMA_VERSION {
        return Err(SyncError::SchemaMismatch {
            client: SCHEMA_VERSION,
            server: response.schema_version,
        });
    }
    if !(0..=protocol::MAX_COUNTER).contains(&response.head) {
        return Err(SyncError::BadResponse(format!(
            "head {} is not from 0 to 2^53",
            response.head
        )));
    }
    if !(0..=response.head).contains(&response.server_version) {
        return Err(SyncError::BadResponse(format!(
            "server_version {} is not from 0 to head ({})",
            response.server_version, response.head
        )));
    }
    let epoch = SiteIdHex::decode(&response.epoch)
        .ok_or_else(|| SyncError::BadResponse("epoch is not 32 hex digits".into()))?;
    let schema = store.crr_schema()?;
    let changes = response
        .changes
        .iter()
        .enumerate()
        .map(|(index, w)| {
            if w.site_id.is_none() {
                return Err(SyncError::BadResponse(format!(
                    "change {index} has no site_id"
                )));
            }
            crate::convert::check_counters(w)
                .and_then(|()| from_wire(w, None))
                .and_then(|c| crate::check::change(&c, schema).map(|()| c))
                .map_err(|reason| SyncError::BadResponse(format!("change {index}: {reason}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let tx = store.conn_mut().transaction()?;
    let mut cursors = Cursors::load(&tx)?;
    // After a resend nothing counts as acknowledged, so no order is broken.
    if !response.resend
        && (cursors.pushed_local_version, cursors.pushed_local_seq) < round.push_from
    {
        return Err(SyncError::OutOfOrder);
    }
    apply_in(&tx, &changes)?;
    (cursors.pushed_local_version, cursors.pushed_local_seq) = if response.resend {
        // What the server lost may be anything this replica ever sent.
        (0, i64::MAX)
    } else {
        (cursors.pushed_local_version, cursors.pushed_local_seq).max(round.push_upto)
    };
    let told = response.head.max(response.server_version);
    cursors.seen_server_version = if cursors.server_epoch == Some(epoch) {
        cursors.seen_server_version.max(told)
    } else {
        told
    };
    cursors.server_epoch = Some(epoch);
    cursors.received_server_version = response.server_version;
    cursors.save(&tx)?;
    tx.commit()?;

    Ok(Progress {
        pushed: round.request.changes.len(),
        pulled: changes.len(),
        resent: response.resend,
        done: !response.resend && !round.more_local && !response.more,
    })
}

/// How many notes have local changes the server has not acknowledged yet:
/// what a person would call "unsynced", however many lines changed. Every
/// note edit also writes its `notes` row, so that table's clock alone tells,
/// cheaply enough to ask after every save.
pub fn pending_changes(store: &Store) -> Result<i64, SyncError> {
    let cursors = Cursors::load(store.conn())?;
    Ok(store.local_rows_changed_after(
        "notes",
        (cursors.pushed_local_version, cursors.pushed_local_seq),
    )?)
}

/// Whether anything at all (any row of any table) is unsynced: the careful
/// check before data is thrown away, as on sign-out.
pub fn has_unsynced_changes(store: &Store) -> Result<bool, SyncError> {
    let cursors = Cursors::load(store.conn())?;
    let page = store.changes_after(
        (cursors.pushed_local_version, cursors.pushed_local_seq),
        ChangeFilter::OnlyFrom(store.site_id()?),
        1,
        PageEnd::Anywhere,
    )?;
    Ok(!page.changes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_bound_is_never_under_the_json_written() {
        let nasty = "\u{1}\"\\\n\té€😀 ".repeat(50);
        for val in [
            None,
            Some(WireValue::int(i64::MIN)),
            Some(WireValue::real(-0.0)),
            Some(WireValue::Text(nasty.clone())),
            Some(WireValue::blob(&[0xff; 99])),
        ] {
            for site_id in [None, Some("ab".repeat(16))] {
                let change = WireChange {
                    table: nasty.clone(),
                    pk: "AQID".into(),
                    cid: nasty.clone(),
                    val: val.clone(),
                    col_version: i64::MIN,
                    db_version: i64::MAX,
                    site_id,
                    cl: i64::MIN,
                    seq: i64::MIN,
                };
                assert!(json_len_bound(&change) > json_len(&change), "{change:?}");
            }
        }
    }
}
