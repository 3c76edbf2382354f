//! Printing results: words for people, or JSON for scripts (`--json`).

use std::io::IsTerminal;

use serde::Serialize;
use store::NoteSummary;

#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// One JSON value on stdout.
    pub fn json(self, value: &impl Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("notes: cannot print JSON: {e}"),
        }
    }

    /// One JSON value on one line (a stream of them, for `watch`).
    pub fn json_line(self, value: &impl Serialize) {
        match serde_json::to_string(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("notes: cannot print JSON: {e}"),
        }
    }

    /// A line about what happened, for people: on stderr, so that stdout
    /// holds only results.
    pub fn say(self, words: &str) {
        if !self.json {
            eprintln!("{words}");
        }
    }
}

/// Whether progress bars make sense: a person is watching stderr.
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

/// A time of the store (ms since the epoch) in the local time zone.
pub fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| "?".into())
}

/// A note of a list, for `--json`.
#[derive(Serialize)]
pub struct Listed<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub preview: &'a str,
    pub updated_at: i64,
    pub pinned: bool,
    pub deleted_at: Option<i64>,
    pub conflicts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl<'a> Listed<'a> {
    pub fn of(n: &'a NoteSummary) -> Self {
        Self {
            id: &n.id,
            title: &n.title,
            preview: &n.preview,
            updated_at: n.updated_at,
            pinned: n.pinned,
            deleted_at: n.deleted_at,
            conflicts: n.conflicts,
            snippet: None,
        }
    }
}

/// One row for people: the id's start, when, a pin, the title.
pub fn row(n: &NoteSummary) -> String {
    let short: String = n.id.chars().take(8).collect();
    let pin = if n.pinned { "📌 " } else { "" };
    let conflicts = if n.conflicts > 0 {
        format!("  ({} to resolve)", n.conflicts)
    } else {
        String::new()
    };
    format!(
        "{short:<8}  {}  {pin}{}{conflicts}",
        local_time(n.updated_at),
        n.title
    )
}
