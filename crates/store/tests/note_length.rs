#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! A note holds at most `MAX_NOTE_BYTES`, so that every saved version of it
//! fits in a sync request. Run natively and (with `--target
//! wasm32-unknown-unknown`) in a dedicated worker in headless Chromium.

mod common;

use common::sync_both_ways;
use store::notes::MAX_NOTE_BYTES;
use store::{Splice, Store, StoreError};

#[cfg(target_family = "wasm")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn body(s: &Store, id: &str) -> Option<String> {
    s.get_note(id).unwrap().map(|n| n.body)
}

#[test]
fn a_save_longer_than_a_note_holds_is_refused_and_changes_nothing() {
    let mut s = Store::open_in_memory().unwrap();
    s.save_note("n", "short", 1).unwrap();
    let pasted = "x".repeat(MAX_NOTE_BYTES + 1);
    let refused = s.save_note("n", &pasted, 2).unwrap_err();
    assert!(
        matches!(refused, StoreError::NoteTooLong { bytes, max }
            if bytes == MAX_NOTE_BYTES + 1 && max == MAX_NOTE_BYTES),
        "{refused}"
    );
    assert_eq!(body(&s, "n").as_deref(), Some("short"));
    assert!(s.save_note("new", &pasted, 3).is_err());
    assert_eq!(body(&s, "new"), None, "no note was made");
    // Exactly the limit is fine.
    s.save_note("n", &"x".repeat(MAX_NOTE_BYTES), 4).unwrap();
    assert_eq!(body(&s, "n").map(|b| b.len()), Some(MAX_NOTE_BYTES));
}

#[test]
fn a_splice_that_would_pass_the_limit_is_refused_and_one_that_fits_is_saved() {
    let mut s = Store::open_in_memory().unwrap();
    let line = "y".repeat(999);
    let lines = MAX_NOTE_BYTES / 1000 - 1;
    let old = vec![line.as_str(); lines].join("\n");
    let base = s.save_note("n", &old, 1).unwrap();
    let room = MAX_NOTE_BYTES - old.len();

    let too_much = format!("{line}\n{}", "z".repeat(room));
    let longer = old.replacen(&line, &too_much, 1);
    let splice = Splice::between(&old, &longer).unwrap();
    let refused = s.save_note_splice("n", base, splice, 2).unwrap_err();
    assert!(
        matches!(refused, StoreError::NoteTooLong { .. }),
        "{refused}"
    );
    assert_eq!(body(&s, "n"), Some(old.clone()));

    let fits = old.replacen(&line, &format!("{line}\n{}", "z".repeat(room - 2)), 1);
    let splice = Splice::between(&old, &fits).unwrap();
    assert!(s.save_note_splice("n", base, splice, 3).unwrap().is_some());
    assert_eq!(body(&s, "n"), Some(fits));
}

#[test]
fn a_note_merged_past_the_limit_can_still_be_shortened_but_not_lengthened() {
    // Two devices each make the note a little over half the limit, in
    // different lines: the merge keeps both.
    let (mut a, mut b) = (
        Store::open_in_memory().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    a.save_note("n", "top\nbottom", 1).unwrap();
    sync_both_ways(&mut a, &mut b);
    let half = "h".repeat(MAX_NOTE_BYTES / 2 + 10);
    a.save_note("n", &format!("top {half}\nbottom"), 2).unwrap();
    b.save_note("n", &format!("top\nbottom {half}"), 3).unwrap();
    sync_both_ways(&mut a, &mut b);
    let merged = body(&a, "n").unwrap();
    assert!(merged.len() > MAX_NOTE_BYTES, "{}", merged.len());

    let longer = format!("{merged}\none more line");
    assert!(matches!(
        a.save_note("n", &longer, 4),
        Err(StoreError::NoteTooLong { .. })
    ));
    let shorter = merged.replacen("top ", "top", 1).replacen(&half, "", 1);
    a.save_note("n", &shorter, 5).unwrap();
    assert_eq!(body(&a, "n"), Some(shorter));
}
