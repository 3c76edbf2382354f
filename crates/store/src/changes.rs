//! Reading and applying cr-sqlite changes: the rows of `crsql_changes`.

use rusqlite::types::Value;
use rusqlite::{Row, params};

use crate::{Store, StoreError};

/// A cr-sqlite site id is 16 bytes.
pub const SITE_ID_LEN: usize = 16;
pub type SiteId = [u8; SITE_ID_LEN];

/// One row of `crsql_changes`: one column of one row, at one version.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub table: String,
    /// The primary key, packed by cr-sqlite.
    pub pk: Vec<u8>,
    /// The column, or `-1` for a row's existence (create/delete sentinel).
    pub cid: String,
    pub val: Value,
    pub col_version: i64,
    pub db_version: i64,
    pub site_id: Vec<u8>,
    /// Causal length: odd while the row exists, even once deleted.
    pub cl: i64,
    pub seq: i64,
}

/// Which changes to read, by the site they originated at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeFilter {
    All,
    /// Only changes made at this site (a client pushing its own writes).
    OnlyFrom(SiteId),
    /// Everything except this site's changes (never echo a peer's own writes).
    NotFrom(SiteId),
}

/// A page of changes in `(db_version, seq)` order.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// More changes remain after this page; ask again from `next`.
    pub more: bool,
    /// The db_version to ask from next time when pages hold whole db_versions:
    /// the page's last db_version when `more`, otherwise this replica's
    /// db_version when the page was read.
    pub next_since: i64,
    /// The `(db_version, seq)` position reached: everything at or before it
    /// has been read. Exact even when a page ended inside a db_version.
    pub next: (i64, i64),
}

/// How a page may end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageEnd {
    /// Only between db_versions: for a cursor that is a db_version alone.
    WholeVersions,
    /// Anywhere: for a `(db_version, seq)` cursor, so that one transaction
    /// larger than a page still goes out in pieces.
    Anywhere,
}

const SELECT: &str = r#"SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq
    FROM crsql_changes WHERE db_version >= ?1 AND (db_version > ?1 OR seq > ?2)"#;

/// About how many bytes a change takes, in memory or on the wire.
fn approx_len(c: &Change) -> usize {
    let value = match &c.val {
        Value::Text(t) => t.len(),
        Value::Blob(b) => b.len(),
        Value::Null | Value::Integer(_) | Value::Real(_) => 8,
    };
    // The numbers and the wire's field names.
    const FIXED: usize = 100;
    FIXED + c.table.len() + c.pk.len() + c.cid.len() + c.site_id.len() + value
}

fn change_from_row(row: &Row<'_>) -> rusqlite::Result<Change> {
    Ok(Change {
        table: row.get(0)?,
        pk: row.get(1)?,
        cid: row.get(2)?,
        val: row.get(3)?,
        col_version: row.get(4)?,
        db_version: row.get(5)?,
        site_id: row.get(6)?,
        cl: row.get(7)?,
        seq: row.get(8)?,
    })
}

impl Store {
    /// How many rows of CRR `table` were changed here (not merged from
    /// elsewhere) after `(db_version, seq)`. Reads the table's clock directly
    /// (cr-sqlite 0.16 marks local writes with site ordinal 0) through its
    /// `db_version` index: `crsql_changes` would assemble every change since
    /// `after` first, which for a fresh 5,000-line note takes 50 ms natively.
    pub fn local_rows_changed_after(
        &self,
        table: &str,
        after: (i64, i64),
    ) -> Result<i64, StoreError> {
        let clock = format!("{table}__crsql_clock");
        let exists: bool = self.conn().query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [&clock],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                table.to_owned(),
            )));
        }
        Ok(self
            .conn()
            .prepare_cached(&format!(
                r#"SELECT count(DISTINCT key) FROM "{clock}"
               WHERE site_id = 0 AND db_version >= ?1 AND (db_version > ?1 OR seq > ?2)"#
            ))?
            .query_row(params![after.0, after.1], |r| r.get(0))?)
    }

    /// Whether no site but `except` changed a row of the CRR `tables` after
    /// `since`: then this replica's db_version, read in the same snapshot;
    /// `None` when there may be such changes.
    ///
    /// A server answering a push asks this: the changes after the client's
    /// `since` are then mostly the ones it just pushed, and `crsql_changes`
    /// would assemble every one of them, values and all, only to filter them
    /// out. The clocks answer through their db_version index, as in
    /// [`Store::local_rows_changed_after`]: a clock row's `site_id` is an
    /// ordinal into `crsql_site_id`, and `crsql_changes` reports exactly the
    /// clock rows (joined to their keys) with the site of that ordinal. A
    /// clock row without its key row only makes the answer `None`: never a
    /// change withheld.
    pub fn nobody_else_wrote_after<'t>(
        &self,
        tables: impl IntoIterator<Item = &'t str>,
        since: i64,
        except: &SiteId,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self.conn().unchecked_transaction()?;
        for table in tables {
            let clock = format!("{table}__crsql_clock").replace('"', "\"\"");
            // A site with no ordinal here wrote nothing here: `IS NOT NULL`
            // then counts every row as another site's, as it should.
            let mut other = tx.prepare_cached(&format!(
                r#"SELECT EXISTS (SELECT 1 FROM "{clock}" WHERE db_version > ?1
                   AND site_id IS NOT (SELECT ordinal FROM crsql_site_id WHERE site_id = ?2))"#
            ))?;
            if other.query_row(params![since, &except[..]], |r| r.get::<_, bool>(0))? {
                return Ok(None);
            }
        }
        let version: i64 = tx.query_row("SELECT crsql_db_version()", [], |r| r.get(0))?;
        tx.commit()?;
        Ok(Some(version))
    }

    /// Changes with `db_version > since`, filtered by origin, in pages of about
    /// `limit` changes (a page is longer when one db_version holds more).
    pub fn changes_since(
        &self,
        since: i64,
        filter: ChangeFilter,
        limit: usize,
    ) -> Result<ChangePage, StoreError> {
        self.changes_after((since, i64::MAX), filter, limit, PageEnd::WholeVersions)
    }

    /// Changes after the `(db_version, seq)` position `after`, filtered by
    /// origin, in pages of about `limit` changes ending as `end` allows.
    pub fn changes_after(
        &self,
        after: (i64, i64),
        filter: ChangeFilter,
        limit: usize,
        end: PageEnd,
    ) -> Result<ChangePage, StoreError> {
        self.page_after(after, filter, (limit, usize::MAX), end)
    }

    /// [`Store::changes_since`], with a page also ending (between
    /// db_versions) once its changes hold about `max_bytes` of keys and
    /// values: what a server answers with stays bounded however long the
    /// notes are.
    pub fn changes_since_within(
        &self,
        since: i64,
        filter: ChangeFilter,
        limit: usize,
        max_bytes: usize,
    ) -> Result<ChangePage, StoreError> {
        self.page_after(
            (since, i64::MAX),
            filter,
            (limit, max_bytes),
            PageEnd::WholeVersions,
        )
    }

    /// A page after `after` of at most about `(changes, bytes)`.
    fn page_after(
        &self,
        after: (i64, i64),
        filter: ChangeFilter,
        (limit, max_bytes): (usize, usize),
        end: PageEnd,
    ) -> Result<ChangePage, StoreError> {
        let conn = self.conn();
        // One read transaction: the rows and the db_version come from one snapshot.
        let tx = conn.unchecked_transaction()?;
        let (sql, site) = match filter {
            ChangeFilter::All => (format!("{SELECT} ORDER BY db_version, seq"), None),
            ChangeFilter::OnlyFrom(s) => (
                format!("{SELECT} AND site_id = ?3 ORDER BY db_version, seq"),
                Some(s),
            ),
            ChangeFilter::NotFrom(s) => (
                format!("{SELECT} AND site_id IS NOT ?3 ORDER BY db_version, seq"),
                Some(s),
            ),
        };
        let mut stmt = tx.prepare_cached(&sql)?;
        let (since, after_seq) = after;
        let mut rows = match site {
            Some(site) => stmt.query(params![since, after_seq, &site[..]])?,
            None => stmt.query(params![since, after_seq])?,
        };
        let mut changes: Vec<Change> = Vec::new();
        let (mut more, mut bytes) = (false, 0usize);
        while let Some(row) = rows.next()? {
            let change = change_from_row(row)?;
            let full = changes.len() >= limit || bytes >= max_bytes;
            let boundary = match end {
                PageEnd::Anywhere => true,
                PageEnd::WholeVersions => changes
                    .last()
                    .is_some_and(|c| c.db_version != change.db_version),
            };
            if full && boundary {
                more = true;
                break;
            }
            bytes = bytes.saturating_add(approx_len(&change));
            changes.push(change);
        }
        drop(rows);
        drop(stmt);
        let (next_since, next) = if more {
            let last = changes.last().map_or(after, |c| (c.db_version, c.seq));
            (
                last.0,
                if end == PageEnd::WholeVersions {
                    (last.0, i64::MAX)
                } else {
                    last
                },
            )
        } else {
            let now: i64 = tx.query_row("SELECT crsql_db_version()", [], |r| r.get(0))?;
            let v = since.max(now);
            (v, (v, i64::MAX))
        };
        tx.commit()?;
        Ok(ChangePage {
            changes,
            more,
            next_since,
            next,
        })
    }

    /// Merges `changes` in one transaction: all of them or none. Re-applying
    /// changes already merged is harmless.
    pub fn apply_changes(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        apply_in(&tx, changes)?;
        tx.commit()?;
        Ok(())
    }
}

/// Merges `changes` inside the caller's transaction, so that the caller can
/// record what it merged (sync cursors) atomically with the merge.
pub fn apply_in(tx: &rusqlite::Transaction<'_>, changes: &[Change]) -> Result<(), StoreError> {
    apply_where(tx, changes, |_| true)
}

/// Merges the changes of `changes` whose index `keep` accepts; errors name
/// the index in `changes`.
pub(crate) fn apply_where(
    tx: &rusqlite::Transaction<'_>,
    changes: &[Change],
    keep: impl Fn(usize) -> bool,
) -> Result<(), StoreError> {
    for (index, c) in changes.iter().enumerate() {
        if c.site_id.len() != SITE_ID_LEN {
            return Err(StoreError::BadSiteId {
                index,
                expected: SITE_ID_LEN,
                found: c.site_id.len(),
            });
        }
    }
    let mut insert = tx.prepare_cached(
        r#"INSERT INTO crsql_changes
           ("table", pk, cid, val, col_version, db_version, site_id, cl, seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"#,
    )?;
    for (index, c) in changes.iter().enumerate().filter(|(i, _)| keep(*i)) {
        insert
            .execute(params![
                c.table,
                c.pk,
                c.cid,
                c.val,
                c.col_version,
                c.db_version,
                c.site_id,
                c.cl,
                c.seq
            ])
            .map_err(|source| StoreError::Apply { index, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const A: SiteId = [0xaa; 16];
    const B: SiteId = [0xbb; 16];

    fn merge(s: &mut Store, site: SiteId, cid: &str, val: Value, db_version: i64, cl: i64) {
        let pk: Vec<u8> = s
            .conn()
            .query_row("SELECT crsql_pack_columns(1)", [], |r| r.get(0))
            .unwrap();
        s.apply_changes(&[Change {
            table: "t".into(),
            pk,
            cid: cid.into(),
            val,
            col_version: 1,
            db_version,
            site_id: site.to_vec(),
            cl,
            seq: 0,
        }])
        .unwrap();
    }

    #[test]
    fn another_sites_clock_moved_by_a_merge_still_counts_as_written() {
        let mut s = Store::open_in_memory().unwrap();
        s.conn()
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, b, c);
                 SELECT crsql_as_crr('t');",
            )
            .unwrap();
        merge(&mut s, B, "-1", Value::Null, 1, 1);
        merge(&mut s, B, "b", Value::Integer(1), 1, 1);
        merge(&mut s, B, "c", Value::Integer(2), 1, 1);
        let since = s.db_version().unwrap();
        assert_eq!(
            s.nobody_else_wrote_after(["t"], since, &A).unwrap(),
            Some(since)
        );
        // A deleted and recreated the row (causal length 3) and wrote only
        // b: cr-sqlite zeroes B's clock of c at a new db_version, still B's.
        merge(&mut s, A, "-1", Value::Null, 5, 3);
        merge(&mut s, A, "b", Value::Integer(3), 5, 3);
        let full = s
            .changes_since(since, ChangeFilter::NotFrom(A), 100)
            .unwrap();
        assert!(
            full.changes.iter().any(|c| c.site_id == B.to_vec()),
            "{full:?}"
        );
        assert_eq!(s.nobody_else_wrote_after(["t"], since, &A).unwrap(), None);
        // Up to date: nothing but A's own changes after the last version.
        let now = s.db_version().unwrap();
        assert_eq!(
            s.nobody_else_wrote_after(["t"], now, &A).unwrap(),
            Some(now)
        );
        // A site that never pushed is sent everything.
        assert_eq!(
            s.nobody_else_wrote_after(["t"], 0, &[0xcc; 16]).unwrap(),
            None
        );
    }
}
