//! `store::Change` ⇄ `protocol::WireChange`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use protocol::value::Decoded;
use protocol::{MAX_COUNTER, SiteIdHex, WireChange, WireValue};
use store::{Change, Value};

/// Encodes a change for the wire, with its origin site.
pub fn to_wire(c: &Change) -> WireChange {
    encode(c, Some(SiteIdHex::encode(&c.site_id)))
}

/// Encodes a change a client pushes as its own: the request's `site_id` names
/// its origin, so encoding one per change would only be thrown away.
pub fn to_wire_own(c: &Change) -> WireChange {
    encode(c, None)
}

fn encode(c: &Change, site_id: Option<String>) -> WireChange {
    // Straight from the SQLite value: going through `Decoded` copied every
    // text and blob twice.
    let val = match &c.val {
        Value::Null => None,
        Value::Integer(i) => Some(WireValue::int(*i)),
        Value::Real(r) => Some(WireValue::real(*r)),
        Value::Text(t) => Some(WireValue::Text(t.clone())),
        Value::Blob(b) => Some(WireValue::blob(b)),
    };
    WireChange {
        table: c.table.clone(),
        pk: BASE64.encode(&c.pk),
        cid: c.cid.clone(),
        val,
        col_version: c.col_version,
        db_version: c.db_version,
        site_id,
        cl: c.cl,
        seq: c.seq,
    }
}

/// Whether a change's counters are in range: `col_version`, `db_version` and
/// `cl` from 1, `seq` from 0, none above [`MAX_COUNTER`]. Checked by both
/// sides: a server must not store a clock-pinning counter, and a client must
/// not merge one from a server that did.
pub fn check_counters(w: &WireChange) -> Result<(), String> {
    let within = |v: i64, from: i64| (from..=MAX_COUNTER).contains(&v);
    if within(w.col_version, 1) && within(w.db_version, 1) && within(w.cl, 1) && within(w.seq, 0) {
        Ok(())
    } else {
        Err(format!(
            "col_version, db_version and cl must be 1 or more and seq 0 or more, \
             and none above 2^53 ({MAX_COUNTER})"
        ))
    }
}

/// Decodes a wire change; `origin` is used when the change names no site.
/// The error is a reason fit to show the sender.
pub fn from_wire(w: &WireChange, origin: Option<&[u8; 16]>) -> Result<Change, String> {
    let val = match WireValue::decode(w.val.as_ref()).map_err(|e| e.to_string())? {
        Decoded::Null => Value::Null,
        Decoded::Int(i) => Value::Integer(i),
        Decoded::Real(r) => Value::Real(r),
        Decoded::Text(t) => Value::Text(t),
        Decoded::Blob(b) => Value::Blob(b),
    };
    let pk = BASE64
        .decode(&w.pk)
        .map_err(|e| format!("pk is not valid base64: {e}"))?;
    let site_id = match (&w.site_id, origin) {
        (Some(s), _) => SiteIdHex::decode(s).ok_or("site_id must be 32 hex digits")?,
        (None, Some(o)) => *o,
        (None, None) => return Err("site_id is missing".into()),
    };
    Ok(Change {
        table: w.table.clone(),
        pk,
        cid: w.cid.clone(),
        val,
        col_version: w.col_version,
        db_version: w.db_version,
        site_id: site_id.to_vec(),
        cl: w.cl,
        seq: w.seq,
    })
}
