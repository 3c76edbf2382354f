//! Typing into a 5,000-line note: how long the autosave path (`save_note`:
//! read the note's lines, diff the editor's text, write the changed rows,
//! commit durably) takes, over 1,000 saves; then the same with what the
//! editor sends, the changed lines (`Splice` + `save_note_splice`).
//!
//! `cargo bench -p store --bench autosave` (BENCH_LINES, BENCH_SAVES to vary;
//! BENCH_JOURNAL=rollback or wal-exclusive, the browser's mode).

#![allow(clippy::unwrap_used)] // a benchmark: a panic is the report

use std::time::{Duration, Instant};

use store::{Journal, OpenOptions, Splice, Store};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let lines = env("BENCH_LINES", 5_000);
    let saves = env("BENCH_SAVES", 1_000);
    let journal = match std::env::var("BENCH_JOURNAL").as_deref() {
        Ok("rollback") => Journal::Rollback,
        Ok("wal-exclusive") => Journal::WalExclusive,
        _ => Journal::Wal,
    };
    let dir = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        journal,
        ..OpenOptions::default()
    };
    let mut store = Store::open(dir.path().join("bench.db"), &options).unwrap();

    for splice in [false, true] {
        run(&mut store, lines, saves, splice, journal);
    }
}

/// Types into a new note of `lines` lines; saves the whole text each time,
/// or (`splice`) what the editor sends: the lines changed since the last
/// save, computed from the two texts (that part timed too).
fn run(store: &mut Store, lines: usize, saves: usize, splice: bool, journal: Journal) {
    let id = if splice { "long-spliced" } else { "long" };
    let mut text: Vec<String> = (0..lines)
        .map(|i| format!("Line {i}: some words of a long note, as people write them."))
        .collect();
    let started = Instant::now();
    let mut saved = text.join("\n");
    let mut revision = store.save_note(id, &saved, 0).unwrap();
    let first_save = started.elapsed();

    // A user typing: characters into a line near the middle, now and then
    // Enter (a new line), with autosave after each pause.
    let mut cursor = lines / 2;
    let mut times = Vec::with_capacity(saves);
    for i in 0..saves {
        if i % 20 == 19 {
            cursor += 1;
            text.insert(cursor, String::new());
        } else {
            text[cursor].push_str("ab");
        }
        let body = text.join("\n");
        let now = 1_000 + i as i64 * 400;
        let t = Instant::now();
        if splice {
            let edit = Splice::between(&saved, &body).unwrap();
            revision = store
                .save_note_splice(id, revision, edit, now)
                .unwrap()
                .expect("nothing else wrote since");
        } else {
            store.save_note(id, &body, now).unwrap();
        }
        times.push(t.elapsed());
        saved = body;
    }
    let t = Instant::now();
    let note = store.get_note(id).unwrap().unwrap();
    let open_note = t.elapsed();
    assert_eq!(note.body, text.join("\n"));

    times.sort();
    println!(
        "autosave into a {lines}-line note ({:?} journal), {saves} saves{}: \
         p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        journal,
        if splice {
            " of the changed lines (Splice)"
        } else {
            " of the whole text"
        },
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
    );
    println!(
        "first save of the note {:.1} ms; opening it (get_note) {:.2} ms",
        first_save.as_secs_f64() * 1000.0,
        open_note.as_secs_f64() * 1000.0
    );
}
