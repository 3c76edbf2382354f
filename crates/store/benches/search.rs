//! Search over 10,000 notes (about 12 MB of text), natively: how long
//! indexing takes after they arrive all at once (as after a first sync), in
//! the background batches the app uses, how long a save waits meanwhile,
//! and how long a search takes (words, prefixes being typed, phrases);
//! then how long a page of the list takes in each order, pins and a tag
//! included.
//!
//! `cargo bench -p store --bench search` (BENCH_NOTES to vary).

#![allow(clippy::unwrap_used)] // a benchmark: a panic is the report

use std::time::{Duration, Instant};

use store::{ListOptions, OpenOptions, Sort, Store};

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

/// A vocabulary of made-up words, some with accents, and a cheap
/// deterministic generator: the same notes on every run.
struct Words {
    vocabulary: Vec<String>,
    state: u64,
}

impl Words {
    fn new() -> Self {
        let syllables = [
            "ka", "lo", "mé", "ri", "sa", "tu", "vé", "no", "pa", "zi", "cha", "ël",
        ];
        let mut vocabulary = Vec::new();
        for a in syllables {
            for b in syllables {
                for c in syllables {
                    vocabulary.push(format!("{a}{b}{c}"));
                }
            }
        }
        Self {
            vocabulary,
            state: 0x2545_f491_4f6c_dd1d,
        }
    }

    fn next(&mut self) -> &str {
        // xorshift64
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        &self.vocabulary[(self.state % self.vocabulary.len() as u64) as usize]
    }

    /// A note of about `bytes` bytes: a title line, then lines of words.
    fn note(&mut self, bytes: usize) -> String {
        let mut text = String::new();
        let mut line = 0;
        while text.len() < bytes {
            let words = if line == 0 { 4 } else { 12 };
            for w in 0..words {
                if w > 0 {
                    text.push(' ');
                }
                let word = self.next().to_owned();
                text.push_str(&word);
            }
            text.push('\n');
            line += 1;
        }
        text
    }
}

fn main() {
    let notes = env("BENCH_NOTES", 10_000);
    let batch = env("BENCH_BATCH", 25);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("bench.db"), &OpenOptions::default()).unwrap();
    let mut words = Words::new();
    let started = Instant::now();
    let mut bytes = 0;
    for i in 0..notes {
        let mut text = words.note(1_200);
        // One note in ten carries one of 50 tags.
        if i % 10 == 0 {
            text.push_str(&format!("#tag{}\n", i % 500 / 10));
        }
        bytes += text.len();
        store
            .save_note(&format!("n{i:05}"), &text, i as i64)
            .unwrap();
    }
    println!(
        "{notes} notes, {:.1} MB of text, written in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // Everything is pending, as after a first sync: index in the app's
    // batches, with a save between two batches as typing would make.
    let started = Instant::now();
    let mut saves = Vec::new();
    let mut batches = 0;
    loop {
        let left = store.index_pending(batch).unwrap();
        batches += 1;
        let t = Instant::now();
        store
            .save_note("typing", &format!("Typing\nwhile indexing {batches}"), 0)
            .unwrap();
        saves.push(t.elapsed());
        if left <= 1 {
            break;
        }
    }
    let indexing = started.elapsed() - saves.iter().sum::<Duration>();
    saves.sort();
    println!(
        "indexed in {batches} batches of {batch}: {:.0} ms of indexing; saves between batches: p50 {:.2} ms, p95 {:.2} ms",
        indexing.as_secs_f64() * 1000.0,
        percentile(&saves, 0.5),
        percentile(&saves, 0.95)
    );

    // Queries as typed: a word, a prefix being typed, two words, a phrase.
    let mut queries = Vec::new();
    for _ in 0..50 {
        let (a, b) = (words.next().to_owned(), words.next().to_owned());
        queries.push(a.clone());
        queries.push(a.chars().take(3).collect());
        queries.push(format!("{a} {b}"));
        queries.push(format!("\"{a} {b}\""));
    }
    let mut times = Vec::new();
    let mut hits = 0;
    for q in &queries {
        let t = Instant::now();
        let page = store.search_notes(q, false, 200).unwrap();
        times.push(t.elapsed());
        hits += page.hits.len();
    }
    times.sort();
    println!(
        "{} searches (first 200 hits each, {} hits in all): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        queries.len(),
        hits,
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0)
    );

    list_pages(&mut store);
}

/// A page of the list (200 rows, as the app asks) in each order, with 20
/// notes pinned, and the notes of one tag.
fn list_pages(store: &mut Store) {
    for i in 0..20 {
        store.set_pinned(&format!("n{:05}", i * 97), true).unwrap();
    }
    let orders = [
        ("last edited", Sort::Edited, None),
        ("created", Sort::Created, None),
        ("title", Sort::Title, None),
        ("one tag (~20 notes)", Sort::Edited, Some("tag7")),
    ];
    for (name, sort, tag) in orders {
        let options = ListOptions {
            query: "",
            sort,
            tag,
        };
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..50 {
            let t = Instant::now();
            rows = store.list_page(&options, 200).unwrap().notes.len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "list by {name}: {rows} rows, p50 {:.2} ms, p95 {:.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
}
