//! An open `GET /sync/events` stream, read as it arrives.

use std::collections::VecDeque;
use std::time::Duration;

use protocol::{EventParser, Poke, StreamItem};

use super::{TestServer, http};

pub struct Events {
    pub response: reqwest::Response,
    parser: EventParser,
    items: VecDeque<StreamItem>,
}

/// What the next read gave.
#[derive(Debug, PartialEq)]
pub enum Next {
    Poke(i64),
    Heartbeat,
    /// The server ended the stream.
    Ended,
    /// Nothing within the time given.
    Quiet,
}

impl Events {
    pub async fn open(server: &TestServer, token: &str) -> Result<Self, (u16, String)> {
        Self::open_at(&server.url(""), token).await
    }

    /// Opens a stream at the server whose base URL is `base`.
    pub async fn open_at(base: &str, token: &str) -> Result<Self, (u16, String)> {
        let response = http()
            .get(format!("{base}/sync/events"))
            .bearer_auth(token)
            // What a browser sends: the stream must come back uncompressed.
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .send()
            .await
            .unwrap();
        if response.status() != 200 {
            let status = response.status().as_u16();
            return Err((status, response.text().await.unwrap()));
        }
        Ok(Self {
            response,
            parser: EventParser::new(),
            items: VecDeque::new(),
        })
    }

    pub async fn next(&mut self, within: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(item) = self.items.pop_front() {
                return match item {
                    StreamItem::Comment => Next::Heartbeat,
                    StreamItem::Event(e) => Next::Poke(
                        Poke::from_event(&e)
                            .expect("only pokes")
                            .expect("well formed")
                            .server_version,
                    ),
                };
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Next::Quiet,
                Ok(Ok(Some(bytes))) => self.items.extend(self.parser.feed(&bytes)),
                Ok(Ok(None) | Err(_)) => return Next::Ended,
            }
        }
    }

    /// The next poke, skipping heartbeats.
    pub async fn poke(&mut self, within: Duration) -> Next {
        loop {
            match self.next(within).await {
                Next::Heartbeat => {}
                other => return other,
            }
        }
    }
}
