//! One `GET /sync/events` stream over a plain TCP socket: a hand-written
//! HTTP/1.1 request, the response head, then the chunked body fed to the
//! clients' own `protocol::EventParser`. Lighter than an HTTP client per
//! stream (10,000 of them run in this process next to the server), and the
//! socket is bound to a chosen source address before connecting.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use protocol::{EventParser, Poke, StreamItem};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Why a stream did not open.
#[derive(Debug)]
pub enum OpenError {
    /// No connection, or it broke before a response head arrived.
    Io(io::Error),
    /// Answered, but not 200; `retry_after` in seconds (0 if absent).
    Status { status: u16, retry_after: u64 },
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Status {
                status,
                retry_after,
            } => write!(f, "answered {status} (Retry-After {retry_after})"),
        }
    }
}

/// What the stream said next.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    Poke(i64),
    Heartbeat,
}

pub struct EventStream {
    tcp: TcpStream,
    /// Bytes read and not yet taken apart into chunks.
    raw: Vec<u8>,
    /// Bytes of the current chunk's data still to come (0: a size line next).
    in_chunk: usize,
    parser: EventParser,
    items: VecDeque<StreamItem>,
    /// The last chunk arrived: what is in `items` is all there is.
    ended: bool,
}

const MAX_HEAD: usize = 16 * 1024;

impl EventStream {
    pub async fn open(server: SocketAddr, from: Ipv4Addr, token: &str) -> Result<Self, OpenError> {
        let socket = TcpSocket::new_v4().map_err(OpenError::Io)?;
        socket
            .bind(SocketAddr::new(from.into(), 0))
            .map_err(OpenError::Io)?;
        let mut tcp = socket.connect(server).await.map_err(OpenError::Io)?;
        // Nagle would hold nothing back here (one write), but pokes must not
        // wait on the other side either: the server sets its own.
        let _ = tcp.set_nodelay(true);
        let request = format!(
            "GET /sync/events HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        );
        tcp.write_all(request.as_bytes())
            .await
            .map_err(OpenError::Io)?;
        let mut raw = Vec::with_capacity(512);
        let head_end = loop {
            if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if raw.len() > MAX_HEAD {
                return Err(OpenError::Io(io::Error::other("response head too long")));
            }
            if tcp.read_buf(&mut raw).await.map_err(OpenError::Io)? == 0 {
                return Err(OpenError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
        };
        let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| OpenError::Io(io::Error::other("no status line")))?;
        if status != 200 {
            let retry_after = head
                .lines()
                .find_map(|l| l.strip_prefix("retry-after:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            return Err(OpenError::Status {
                status,
                retry_after,
            });
        }
        if !head.contains("transfer-encoding: chunked") {
            return Err(OpenError::Io(io::Error::other(
                "the stream is not chunked: this reader only reads chunked bodies",
            )));
        }
        raw.drain(..head_end);
        Ok(Self {
            tcp,
            raw,
            in_chunk: 0,
            parser: EventParser::new(),
            items: VecDeque::new(),
            ended: false,
        })
    }

    /// The next poke or heartbeat; `Ok(None)` when the server ended the
    /// stream (the last chunk, or the connection closed).
    pub async fn next(&mut self) -> io::Result<Option<Item>> {
        loop {
            while let Some(item) = self.items.pop_front() {
                match item {
                    StreamItem::Comment => return Ok(Some(Item::Heartbeat)),
                    StreamItem::Event(e) => match Poke::from_event(&e) {
                        Some(Ok(p)) => return Ok(Some(Item::Poke(p.server_version))),
                        Some(Err(why)) => return Err(io::Error::other(why)),
                        None => {} // another kind of event: ignored, as clients do
                    },
                }
            }
            if self.ended {
                return Ok(None);
            }
            self.ended = !self.dechunk()?;
            if self.items.is_empty() && !self.ended && self.tcp.read_buf(&mut self.raw).await? == 0
            {
                return Ok(None);
            }
        }
    }

    /// Takes the complete parts of the chunked body read so far to the
    /// parser. `false` once the last (empty) chunk arrived.
    fn dechunk(&mut self) -> io::Result<bool> {
        let mut at = 0;
        loop {
            if self.in_chunk > 0 {
                let take = self.in_chunk.min(self.raw.len() - at);
                let items = self.parser.feed(&self.raw[at..at + take]);
                self.items.extend(items);
                at += take;
                self.in_chunk -= take;
                if self.in_chunk > 0 {
                    break;
                }
            }
            // A size line; after a chunk's data, the CRLF that ends it first.
            let rest = &self.raw[at..];
            let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
                break;
            };
            if eol == 0 {
                at += 2;
                continue;
            }
            let line = String::from_utf8_lossy(&rest[..eol]);
            let hex = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(hex, 16)
                .map_err(|_| io::Error::other(format!("bad chunk size line {line:?}")))?;
            at += eol + 2;
            if size == 0 {
                return Ok(false);
            }
            self.in_chunk = size;
        }
        self.raw.drain(..at);
        Ok(true)
    }
}
