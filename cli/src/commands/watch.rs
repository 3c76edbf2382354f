//! `watch`: follows the live stream (PROTOCOL section 10), syncs on each
//! poke past what this replica received, and prints the notes that changed.
//! Reconnects with full-jitter backoff; a stream silent for 45 s is dead.

use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use protocol::{EventParser, Poke, StreamItem};
use serde_json::json;
use store::{NoteSummary, Store};

use super::sync_with_progress;
use crate::error::CliError;
use crate::home::Home;
use crate::remote::Remote;
use crate::show::{Out, row};

const SILENT_FOR: Duration = Duration::from_secs(45);
const BACKOFF_BASE_MS: u64 = 1_000;
const BACKOFF_CAP_MS: u64 = 30_000;
/// A stream open this long resets the backoff.
const HEALTHY_AFTER: Duration = Duration::from_secs(30);

/// What the list holds: a note's time and trash state, and its row.
fn snapshot(store: &mut Store) -> Result<HashMap<String, NoteSummary>, CliError> {
    let mut all = store.list_notes("")?;
    all.extend(store.list_trash()?);
    Ok(all.into_iter().map(|n| (n.id.clone(), n)).collect())
}

fn report(out: Out, before: &HashMap<String, NoteSummary>, after: &HashMap<String, NoteSummary>) {
    let mut changed: Vec<(&str, &NoteSummary)> = Vec::new();
    for (id, now) in after {
        let what = match before.get(id) {
            None => "new",
            Some(was) if was.deleted_at.is_none() && now.deleted_at.is_some() => "trashed",
            Some(was) if was.deleted_at.is_some() && now.deleted_at.is_none() => "restored",
            Some(was) if was != now => "changed",
            Some(_) => continue,
        };
        changed.push((what, now));
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        if out.json {
            out.json_line(&json!({"event": "deleted", "id": id}));
        } else {
            println!("deleted   {id}");
        }
    }
    changed.sort_by_key(|(_, n)| n.updated_at);
    for (what, n) in changed {
        if out.json {
            out.json_line(
                &json!({"event": what, "id": n.id, "title": n.title, "updated_at": n.updated_at}),
            );
        } else {
            println!("{what:<9} {}", row(n));
        }
    }
}

fn sync_and_report(home: &Home, out: Out, remote: &Remote, token: &str) -> Result<(), CliError> {
    let mut store = home.replica()?;
    let before = snapshot(&mut store)?;
    sync_with_progress(&mut store, remote, token)?;
    let after = snapshot(&mut store)?;
    store.close()?;
    report(out, &before, &after);
    Ok(())
}

/// The server version this replica has received.
fn received(home: &Home) -> Result<i64, CliError> {
    let store = home.replica()?;
    let cursors = sync::Cursors::load(store.conn()).map_err(store::StoreError::from)?;
    Ok(cursors.received_server_version)
}

/// How one stream ended.
enum Ended {
    Broke,
    Silent,
}

/// Reads one open stream until it ends; syncs on each poke past the cursor.
fn follow(
    home: &Home,
    out: Out,
    remote: &Remote,
    token: &str,
    stream: reqwest::blocking::Response,
) -> Result<Ended, CliError> {
    let (tx, rx) = mpsc::channel::<Option<Vec<u8>>>();
    // A blocking read cannot time out by itself: a thread reads, and a
    // stream whose reader says nothing for 45 s is given up (the thread
    // ends with its connection).
    thread::spawn(move || {
        let mut stream = stream;
        let mut buf = vec![0; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(n) => {
                    if tx.send(Some(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    // Opening (again) may have missed pokes: pull now.
    sync_and_report(home, out, remote, token)?;
    let mut parser = EventParser::new();
    loop {
        let chunk = match rx.recv_timeout(SILENT_FOR) {
            Ok(Some(chunk)) => chunk,
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(Ended::Broke),
            Err(mpsc::RecvTimeoutError::Timeout) => return Ok(Ended::Silent),
        };
        for item in parser.feed(&chunk) {
            let StreamItem::Event(event) = item else {
                continue;
            };
            match Poke::from_event(&event) {
                Some(Ok(poke)) if poke.server_version > received(home)? => {
                    sync_and_report(home, out, remote, token)?;
                }
                // A malformed poke: a pull repairs whatever it meant.
                Some(Err(_)) => sync_and_report(home, out, remote, token)?,
                _ => {}
            }
        }
    }
}

/// Full jitter: a random wait up to the capped exponential delay.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1 << attempt.min(5))
        .min(BACKOFF_CAP_MS);
    Duration::from_millis(rand::random_range(0..=ceiling))
}

pub fn watch(home: &Home, out: Out) -> Result<(), CliError> {
    let mut attempt = 0;
    loop {
        // Read each time: a `notes logout` elsewhere ends the watch.
        let (account, token) = home.session()?;
        let remote = Remote::new(&account.url)?;
        match remote.events(&token) {
            Ok(stream) => {
                out.say(&format!(
                    "Watching {} for changes (Ctrl-C to stop).",
                    remote.url()
                ));
                let opened = Instant::now();
                let ended = match follow(home, out, &remote, &token, stream) {
                    Ok(ended) => ended,
                    Err(e @ CliError::Offline { .. }) => {
                        out.say(&format!("notes: {e}"));
                        Ended::Broke
                    }
                    Err(e) => return Err(e),
                };
                if opened.elapsed() >= HEALTHY_AFTER {
                    attempt = 0;
                }
                if matches!(ended, Ended::Silent) {
                    out.say("The stream went silent; reconnecting.");
                }
            }
            Err(e @ (CliError::Offline { .. } | CliError::Refused(_))) => {
                out.say(&format!("notes: {e}; trying again."));
            }
            Err(e) => return Err(e),
        }
        thread::sleep(backoff(attempt));
        attempt += 1;
    }
}
