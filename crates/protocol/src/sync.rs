//! `POST /sync`: the client sends its own changes and the server version it
//! has; the server applies them and answers with what the client lacks.

use serde::{Deserialize, Serialize};

use crate::value::WireValue;

/// Bumped on any incompatible change of these types (2: `page_size`; 3: the
/// server's epoch, `seen`, `head` and `resend`; 4: the request's `head`, and
/// a site id found shared by two replicas).
pub const PROTOCOL_VERSION: u32 = 4;

/// The `code` of a 409 answer to `POST /sync` when the request's site id is
/// used by more than one replica: take a new one and sync again from the
/// start.
pub const SITE_SHARED: &str = "site_shared";

/// The largest request body the server reads (413 beyond it).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// The most changes one request may push (413 beyond it).
pub const MAX_PUSHED_CHANGES: usize = 10_000;

/// The largest counter (`db_version`, `col_version`, `cl`, `seq`, a cursor or
/// a server version) either side accepts: 2^53, far beyond what any replica
/// reaches by writing, and exact in every JSON number. A counter near
/// i64::MAX would pin the clock of every replica that merged it (the next
/// version is that plus one), so it is refused, not stored.
pub const MAX_COUNTER: i64 = 1 << 53;

/// One row of `crsql_changes` on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireChange {
    pub table: String,
    /// cr-sqlite's packed primary key, standard base64.
    pub pk: String,
    pub cid: String,
    /// `null` is SQL NULL; otherwise a tagged value (see [`WireValue`]).
    pub val: Option<WireValue>,
    pub col_version: i64,
    pub db_version: i64,
    /// The origin site, 32 hex digits. Always set by the server; a client
    /// pushes only its own changes and may leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    pub cl: i64,
    pub seq: i64,
}

/// The body of `POST /sync`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    pub protocol: u32,
    /// The client's schema version; the server refuses a different one.
    pub schema_version: u32,
    /// The client replica's site id, 32 hex digits.
    pub site_id: String,
    /// The server version the client has already received (0 at first).
    pub since: i64,
    /// The client's own database version (cr-sqlite's `crsql_db_version()`)
    /// when this round began; pages asked ahead in the round repeat it. It
    /// never goes down on one replica, so a lower one than a site sent before
    /// shows a second replica with that site id (a copied file).
    pub head: i64,
    /// Changes made on the client, in `(db_version, seq)` order.
    pub changes: Vec<WireChange>,
    /// At most this many changes in the answer (whole db_versions permitting);
    /// the server's own page size caps it, and absent means that size. A
    /// client asks a small first page to start merging while larger ones travel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// The server history the client's cursors come from; absent before the
    /// client's first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
}

/// The newest server history a client has seen: the epoch of its last
/// answer, and the highest server version it was told in that epoch
/// (`server_version` or `head`, whichever is higher).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    /// 32 hex digits, as the server sent it.
    pub epoch: String,
    pub version: i64,
}

/// The answer to `POST /sync`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncResponse {
    pub protocol: u32,
    pub schema_version: u32,
    /// Changes the client has not seen, never its own, whole db_versions only.
    pub changes: Vec<WireChange>,
    /// Send this as `since` next time.
    pub server_version: i64,
    /// More changes are waiting: ask again at once with `since = server_version`.
    pub more: bool,
    /// The history this answer comes from, 32 hex digits: new each time the
    /// server opens the user's database.
    pub epoch: String,
    /// The server's version after merging this request's push.
    pub head: i64,
    /// The server no longer holds the history the client's cursors come from
    /// (it was restored from a backup, or is a new server): the client sends
    /// again every change it made, from the start. This answer's changes
    /// start from 0.
    pub resend: bool,
}

/// A site id (or an epoch id) as 32 lowercase hex digits.
pub struct SiteIdHex;

impl SiteIdHex {
    pub fn encode(id: &[u8]) -> String {
        // Every change on the wire carries one: a `format!` per byte was a
        // visible share of encoding a page of changes.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(id.len() * 2);
        for b in id {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        out
    }

    /// Parses exactly 32 hex digits (either case).
    pub fn decode(s: &str) -> Option<[u8; 16]> {
        // from_str_radix alone would accept a sign ("+1").
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_ids_round_trip_and_bad_ones_are_refused() {
        let id = [0xab; 16];
        assert_eq!(SiteIdHex::decode(&SiteIdHex::encode(&id)), Some(id));
        for bad in [
            "",
            "ab",
            &"g".repeat(32),
            &"a".repeat(33),
            &"é".repeat(16),
            "+1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(SiteIdHex::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn site_ids_encode_as_lowercase_hex_digits() {
        let id: Vec<u8> = (0u8..16).map(|i| i.wrapping_mul(17) ^ 0xa5).collect();
        let expected: String = id.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(SiteIdHex::encode(&id), expected);
        assert_eq!(SiteIdHex::encode(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let json = r#"{"protocol":1,"schema_version":1,"site_id":"00","since":0,"head":0,"changes":[],"extra":1}"#;
        assert!(serde_json::from_str::<SyncRequest>(json).is_err());
    }

    #[test]
    fn page_size_may_be_left_out_and_is_not_sent_when_unset() {
        let json =
            r#"{"protocol":4,"schema_version":9,"site_id":"00","since":0,"head":0,"changes":[]}"#;
        let request: SyncRequest = serde_json::from_str(json).unwrap();
        assert_eq!(request.page_size, None);
        assert_eq!(serde_json::to_string(&request).unwrap(), json);
        let asked: SyncRequest =
            serde_json::from_str(&json.replace("[]}", r#"[],"page_size":1000}"#)).unwrap();
        assert_eq!(asked.page_size, Some(1000));
    }
}
