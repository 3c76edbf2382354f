//! `GET /sync/events`: a `text/event-stream` of pokes. Each poke carries the
//! user's server version (never data); a client that is behind pulls with
//! `POST /sync`.
//!
//! [`EventParser`] reads the stream incrementally, by the rules of the HTML
//! standard's event-stream format (any of CR, LF or CRLF ends a line; `:`
//! starts a comment; `data` lines join with LF; an empty line dispatches), so
//! a client can feed it whatever chunks the network delivers. It is written
//! here rather than taken from a crate because it runs in the browser's DB
//! worker over a JavaScript stream, where every dependency is downloaded by
//! every user, and the format is a page of the standard.

use serde::{Deserialize, Serialize};

/// The path of the stream.
pub const EVENTS_PATH: &str = "/sync/events";

/// What the stream says: the user's database is at `server_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poke {
    pub server_version: i64,
}

impl Poke {
    pub fn to_json(self) -> String {
        format!("{{\"server_version\":{}}}", self.server_version)
    }

    /// The poke an event carries; `None` for an event of another kind
    /// (clients ignore those, so the server may add kinds), and an error for
    /// a poke that is malformed.
    pub fn from_event(event: &StreamEvent) -> Option<Result<Self, String>> {
        if event.kind != "message" {
            return None;
        }
        Some(
            serde_json::from_str::<Poke>(&event.data)
                .map_err(|e| format!("unreadable poke {:?}: {e}", event.data))
                .and_then(|p| {
                    if (0..=crate::MAX_COUNTER).contains(&p.server_version) {
                        Ok(p)
                    } else {
                        Err(format!(
                            "server_version {} is not from 0 to 2^53",
                            p.server_version
                        ))
                    }
                }),
        )
    }
}

/// One dispatched event of an event stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEvent {
    /// The `event` field, `"message"` when absent.
    pub kind: String,
    /// The `data` lines, joined with `\n`.
    pub data: String,
}

/// What a chunk of the stream held, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamItem {
    Event(StreamEvent),
    /// A comment line: the server's heartbeat.
    Comment,
}

/// Longest line kept: a poke is a few dozen bytes, so a longer line is a
/// broken or hostile server, and is cut rather than buffered without end.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads an event stream chunk by chunk.
#[derive(Debug, Default)]
pub struct EventParser {
    line: Vec<u8>,
    /// The last chunk ended with CR: an LF starting the next one belongs to it.
    after_cr: bool,
    /// A line ended already: a byte-order mark can only open the first.
    past_first_line: bool,
    kind: String,
    data: String,
    has_data: bool,
}

impl EventParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the stream; returns what they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<StreamItem> {
        let mut out = Vec::new();
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match b {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, &mut out);
                }
                _ if self.line.len() < MAX_LINE_BYTES => self.line.push(b),
                _ => {}
            }
        }
        out
    }

    fn line_done(&mut self, mut line: &[u8], out: &mut Vec<StreamItem>) {
        if !std::mem::replace(&mut self.past_first_line, true) {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            if self.has_data {
                let kind = std::mem::take(&mut self.kind);
                out.push(StreamItem::Event(StreamEvent {
                    kind: if kind.is_empty() {
                        "message".into()
                    } else {
                        kind
                    },
                    data: std::mem::take(&mut self.data),
                }));
            }
            self.kind.clear();
            self.data.clear();
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            out.push(StreamItem::Comment);
            return;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.kind = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // `id` and `retry` matter to EventSource's own reconnection, which
            // clients of this stream do themselves; other fields are ignored.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(data: &str) -> StreamItem {
        StreamItem::Event(StreamEvent {
            kind: "message".into(),
            data: data.into(),
        })
    }

    #[test]
    fn pokes_and_heartbeats_read_the_same_whatever_the_chunks_and_line_ends() {
        let stream = "\u{feff}data: {\"server_version\":7}\r\n\r\n:\n\ndata:{\"server_version\":9}\r\r: hi\r\n";
        let want = vec![
            message("{\"server_version\":7}"),
            StreamItem::Comment,
            message("{\"server_version\":9}"),
            StreamItem::Comment,
        ];
        for chunk in 1..=stream.len() {
            let mut parser = EventParser::new();
            let got: Vec<StreamItem> = stream
                .as_bytes()
                .chunks(chunk)
                .flat_map(|c| parser.feed(c))
                .collect();
            assert_eq!(got, want, "chunks of {chunk} bytes");
        }
    }

    #[test]
    fn data_lines_join_and_events_without_data_are_not_dispatched() {
        let mut parser = EventParser::new();
        let got = parser.feed(b"event: other\ndata: a\ndata\ndata:  b\nid: 3\n\nevent: lone\n\n");
        assert_eq!(
            got,
            vec![StreamItem::Event(StreamEvent {
                kind: "other".into(),
                data: "a\n\n b".into()
            })]
        );
        assert_eq!(
            parser.feed(b"data: x"),
            vec![],
            "not dispatched before its empty line"
        );
        assert_eq!(parser.feed(b"\n\n"), vec![message("x")]);
    }

    #[test]
    fn a_poke_is_read_strictly_and_other_kinds_are_left_alone() {
        let event = |kind: &str, data: &str| StreamEvent {
            kind: kind.into(),
            data: data.into(),
        };
        let poke = Poke { server_version: 42 };
        assert_eq!(
            Poke::from_event(&event("message", &poke.to_json())),
            Some(Ok(poke))
        );
        assert_eq!(Poke::from_event(&event("future-kind", "{}")), None);
        for bad in [
            "{}",
            "{\"server_version\":-1}",
            "{\"server_version\":9007199254740993}",
            "{\"server_version\":1.5}",
            "{\"server_version\":1,\"extra\":2}",
            "not json",
        ] {
            assert!(
                matches!(Poke::from_event(&event("message", bad)), Some(Err(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_endless_line_is_cut_not_buffered() {
        let mut parser = EventParser::new();
        let mut long = b"data: ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 10 * MAX_LINE_BYTES));
        assert!(parser.feed(&long).is_empty());
        assert!(parser.line.len() <= MAX_LINE_BYTES);
        let got = parser.feed(b"\n\n");
        assert!(matches!(&got[..], [StreamItem::Event(e)] if e.data.len() < MAX_LINE_BYTES));
    }
}
