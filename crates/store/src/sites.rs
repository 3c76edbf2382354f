//! What a server database knows of each site that syncs with it, and the
//! merge of a push that uses it to tell one replica from two.
//!
//! A copied file (a browser profile, a restored OPFS, a copied data
//! directory) makes two replicas with one site id. A server never sends a
//! site its own changes, so neither would ever see the other's edits. Two
//! signs give such a pair away:
//! - a lower database version (`head`) than the site reported before: one
//!   replica's version never goes down;
//! - a push that changes the database with a change inside the range of an
//!   acknowledged push of that site: one replica sending such a change again
//!   (a retry whose answer was lost) merges to nothing.
//!
//! From then on the site id is *shared*: every request with it is refused,
//! so every replica using it takes a new id and syncs from the start. Each
//! then receives every change made under the old id, the other's included.
//! Only one of them had its changes merged under the old id before the
//! second was caught, which is why it is the push, not a later one, that is
//! refused: a change sent again under a new id merges to nothing where the
//! old id's equal change is (equal col_version and value) and stays the old
//! id's.
//!
//! Ranges, not one cursor: a client sends the next page of a long push
//! before the answer to the one before it, so a later page may merge first.
//! The latest push's range is kept apart from the hull of the earlier ones,
//! and a page that arrives late lands between them, inside neither.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::changes::{Change, SiteId, apply_where};
use crate::{Store, StoreError};

/// A change's place in its own replica's history: `(db_version, seq)`.
type Position = (i64, i64);

/// Positions from `lo` to `hi`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    lo: Position,
    hi: Position,
}

impl Range {
    fn contains(&self, p: Position) -> bool {
        self.lo <= p && p <= self.hi
    }

    fn hull(self, other: Option<Range>) -> Range {
        match other {
            None => self,
            Some(o) => Range {
                lo: self.lo.min(o.lo),
                hi: self.hi.max(o.hi),
            },
        }
    }

    /// The range of a push's changes; `None` for none.
    fn of(changes: &[Change]) -> Option<Range> {
        let mut positions = changes.iter().map(|c| (c.db_version, c.seq));
        let first = positions.next()?;
        Some(positions.fold(
            Range {
                lo: first,
                hi: first,
            },
            |r, p| Range {
                lo: r.lo.min(p),
                hi: r.hi.max(p),
            },
        ))
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Record {
    head: i64,
    /// The hull of the acknowledged pushes before `last`.
    old: Option<Range>,
    last: Option<Range>,
    shared: bool,
}

impl Record {
    fn acknowledged(&self, p: Position) -> bool {
        self.old.is_some_and(|r| r.contains(p)) || self.last.is_some_and(|r| r.contains(p))
    }

    fn note_push(&mut self, push: Range) {
        match self.last {
            None => self.last = Some(push),
            // Overlapping the latest push: a retry, perhaps with more.
            Some(last) if push.lo <= last.hi && push.hi >= last.lo => {
                self.last = Some(push.hull(Some(last)));
            }
            // After it: the next push.
            Some(last) if push.lo > last.hi => {
                self.old = Some(last.hull(self.old));
                self.last = Some(push);
            }
            // Before it: a page that arrived after the one sent after it.
            Some(_) => self.old = Some(push.hull(self.old)),
        }
    }
}

/// Why a site id was found used by two replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedSite {
    /// Found so before this request.
    Already,
    /// The request's database version is below one the site sent before.
    LowerHead,
    /// A change inside an acknowledged push of the site changed the database.
    ChangedAcknowledged,
}

/// What became of a push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// Merged (all of it) and recorded.
    Merged,
    /// Refused, nothing merged: the site id is used by more than one replica.
    Shared(SharedSite),
}

impl Store {
    /// Merges the push of `site`, whose database version was `head`, all or
    /// nothing, unless it shows that more than one replica uses that id.
    /// Errors are the merge's ([`StoreError::Apply`] names the change).
    pub fn merge_push(
        &mut self,
        site: &SiteId,
        head: i64,
        changes: &[Change],
    ) -> Result<PushOutcome, StoreError> {
        let mut record = load(self, site)?.unwrap_or_default();
        if record.shared {
            return Ok(PushOutcome::Shared(SharedSite::Already));
        }
        if head < record.head {
            mark_shared(self, site)?;
            return Ok(PushOutcome::Shared(SharedSite::LowerHead));
        }
        let replayed: Vec<bool> = changes
            .iter()
            .map(|c| record.acknowledged((c.db_version, c.seq)))
            .collect();
        let tables: Vec<String> = if replayed.contains(&true) {
            self.crr_schema()?
                .table_names()
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        };
        let tx = self.conn_mut().transaction()?;
        if !tables.is_empty() {
            let before: i64 = tx.query_row("SELECT crsql_db_version()", [], |r| r.get(0))?;
            apply_where(&tx, changes, |i| replayed[i])?;
            if written_after(&tx, &tables, before)? {
                drop(tx);
                mark_shared(self, site)?;
                return Ok(PushOutcome::Shared(SharedSite::ChangedAcknowledged));
            }
        }
        apply_where(&tx, changes, |i| !replayed[i])?;
        let grew = head > record.head;
        record.head = record.head.max(head);
        if let Some(push) = Range::of(changes) {
            record.note_push(push);
        }
        if grew || !changes.is_empty() {
            save(&tx, site, &record)?;
        }
        tx.commit()?;
        Ok(PushOutcome::Merged)
    }
}

/// Whether any row of the CRR `tables` was written after `version`.
fn written_after(tx: &Transaction<'_>, tables: &[String], version: i64) -> rusqlite::Result<bool> {
    for table in tables {
        let clock = format!("{table}__crsql_clock").replace('"', "\"\"");
        let written = tx
            .prepare_cached(&format!(
                r#"SELECT EXISTS (SELECT 1 FROM "{clock}" WHERE db_version > ?1)"#
            ))?
            .query_row([version], |r| r.get::<_, bool>(0))?;
        if written {
            return Ok(true);
        }
    }
    Ok(false)
}

fn load(store: &Store, site: &SiteId) -> rusqlite::Result<Option<Record>> {
    let range = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<Option<Range>> {
        let lo: (Option<i64>, Option<i64>) = (r.get(at)?, r.get(at + 1)?);
        let hi: (Option<i64>, Option<i64>) = (r.get(at + 2)?, r.get(at + 3)?);
        Ok(match (lo, hi) {
            ((Some(a), Some(b)), (Some(c), Some(d))) => Some(Range {
                lo: (a, b),
                hi: (c, d),
            }),
            _ => None,
        })
    };
    store
        .conn()
        .prepare_cached(
            "SELECT head, old_lo_version, old_lo_seq, old_hi_version, old_hi_seq,
                    last_lo_version, last_lo_seq, last_hi_version, last_hi_seq, shared
             FROM server_sites WHERE site_id = ?1",
        )?
        .query_row([&site[..]], |r| {
            Ok(Record {
                head: r.get(0)?,
                old: range(r, 1)?,
                last: range(r, 5)?,
                shared: r.get(9)?,
            })
        })
        .optional()
}

fn save(tx: &Transaction<'_>, site: &SiteId, record: &Record) -> rusqlite::Result<()> {
    let lo = |r: Option<Range>| r.map(|r| r.lo);
    let hi = |r: Option<Range>| r.map(|r| r.hi);
    let (old_lo, old_hi, last_lo, last_hi) = (
        lo(record.old),
        hi(record.old),
        lo(record.last),
        hi(record.last),
    );
    tx.prepare_cached(
        "INSERT OR REPLACE INTO server_sites (site_id, head, old_lo_version, old_lo_seq,
             old_hi_version, old_hi_seq, last_lo_version, last_lo_seq, last_hi_version,
             last_hi_seq, shared)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
    )?
    .execute(params![
        &site[..],
        record.head,
        old_lo.map(|p| p.0),
        old_lo.map(|p| p.1),
        old_hi.map(|p| p.0),
        old_hi.map(|p| p.1),
        last_lo.map(|p| p.0),
        last_lo.map(|p| p.1),
        last_hi.map(|p| p.0),
        last_hi.map(|p| p.1),
    ])?;
    Ok(())
}

fn mark_shared(store: &Store, site: &SiteId) -> rusqlite::Result<()> {
    store.conn().execute(
        "INSERT INTO server_sites (site_id, head, shared) VALUES (?1, 0, 1)
         ON CONFLICT (site_id) DO UPDATE SET shared = 1",
        [&site[..]],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lo: i64, hi: i64) -> Range {
        Range {
            lo: (lo, 0),
            hi: (hi, 0),
        }
    }

    #[test]
    fn pages_of_one_push_in_any_order_never_land_inside_an_acknowledged_range() {
        // Pages 1..=3 of a long push; every order they might merge in.
        let pages = [range(1, 10), range(11, 20), range(21, 30)];
        for order in [[0, 1, 2], [1, 0, 2], [0, 2, 1], [2, 0, 1], [1, 2, 0]] {
            let mut record = Record::default();
            for &i in &order {
                let page = pages[i];
                for p in [page.lo, page.hi] {
                    assert!(!record.acknowledged(p), "{order:?}: page {i} at {p:?}");
                }
                record.note_push(page);
            }
            for p in 1..=30 {
                assert!(record.acknowledged((p, 0)), "{order:?}: {p}");
            }
        }
    }

    #[test]
    fn a_retry_overlapping_the_latest_push_extends_it() {
        let mut record = Record::default();
        record.note_push(range(1, 10));
        record.note_push(range(5, 12));
        assert_eq!(record.last, Some(range(1, 12)));
        assert_eq!(record.old, None);
        record.note_push(range(13, 14));
        assert_eq!(record.old, Some(range(1, 12)));
        assert_eq!(record.last, Some(range(13, 14)));
    }
}
