#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! Notes on two and three replicas: what survives concurrent edits, and that
//! conflict copies, history and trash all sync. Run natively and (with
//! `--target wasm32-unknown-unknown`) in a dedicated worker in headless Chromium.

mod common;

use common::copy_all;
use store::Store;

#[cfg(target_family = "wasm")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn replicas<const N: usize>() -> [Store; N] {
    std::array::from_fn(|_| Store::open_in_memory().unwrap())
}

/// Every replica receives every other's changes (twice, so that changes
/// relayed through a third replica arrive too).
fn sync_all(rs: &mut [Store]) {
    for _ in 0..2 {
        for i in 0..rs.len() {
            for j in 0..rs.len() {
                if i != j {
                    let (from, to) = pair(rs, i, j);
                    copy_all(from, to);
                }
            }
        }
    }
}

fn pair(rs: &mut [Store], i: usize, j: usize) -> (&Store, &mut Store) {
    if i < j {
        let (a, b) = rs.split_at_mut(j);
        (&a[i], &mut b[0])
    } else {
        let (a, b) = rs.split_at_mut(i);
        (&b[0], &mut a[j])
    }
}

fn body(s: &Store, id: &str) -> String {
    s.get_note(id).unwrap().unwrap().body
}

fn conflict_texts(s: &Store, id: &str) -> Vec<String> {
    let mut t: Vec<String> = s
        .get_note(id)
        .unwrap()
        .unwrap()
        .conflicts
        .into_iter()
        .map(|c| c.text)
        .collect();
    t.sort();
    t
}

fn assert_same_everywhere(rs: &[Store], id: &str) {
    let first = rs[0].get_note(id).unwrap();
    for r in &rs[1..] {
        assert_eq!(r.get_note(id).unwrap(), first);
    }
}

const SHOPPING: &str = "Shopping\nmilk\neggs\nbread";

#[test]
fn concurrent_edits_of_different_lines_both_survive() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", SHOPPING, 1).unwrap();
    sync_all(&mut rs);

    rs[0]
        .save_note("n", "Shopping\nmilk (oat)\neggs\nbread", 2)
        .unwrap();
    rs[1]
        .save_note("n", "Shopping\nmilk\neggs\nbread x2", 3)
        .unwrap();
    sync_all(&mut rs);

    assert_eq!(body(&rs[0], "n"), "Shopping\nmilk (oat)\neggs\nbread x2");
    assert!(conflict_texts(&rs[0], "n").is_empty());
    assert_same_everywhere(&rs, "n");
}

#[test]
fn concurrent_edits_of_one_line_converge_and_keep_the_losing_text_as_a_conflict_copy() {
    let mut rs: [Store; 3] = replicas();
    rs[0].save_note("n", SHOPPING, 1).unwrap();
    sync_all(&mut rs);

    rs[0]
        .save_note("n", "Shopping\nmilk\neggs (6)\nbread", 10)
        .unwrap();
    rs[1]
        .save_note("n", "Shopping\nmilk\neggs (12)\nbread", 20)
        .unwrap();
    rs[2]
        .save_note("n", "Shopping\nmilk\nno eggs\nbread", 15)
        .unwrap();
    sync_all(&mut rs);

    // The newest edit is shown everywhere; the other two are kept.
    assert_eq!(body(&rs[0], "n"), "Shopping\nmilk\neggs (12)\nbread");
    assert_eq!(conflict_texts(&rs[0], "n"), ["eggs (6)", "no eggs"]);
    assert_same_everywhere(&rs, "n");
    let c = &rs[0].get_note("n").unwrap().unwrap().conflicts[0];
    assert_eq!(
        (c.line_number, c.current.as_deref()),
        (3, Some("eggs (12)"))
    );
    let listed = rs[1].list_notes("").unwrap();
    assert_eq!(listed[0].conflicts, 2, "the list marks the note");

    // Choosing a conflict copy makes it the line, on every replica.
    let six = rs[1].get_note("n").unwrap().unwrap().conflicts;
    let six = six.iter().find(|c| c.text == "eggs (6)").unwrap();
    assert!(rs[1].keep_line_version("n", &six.line_id, 30).unwrap());
    sync_all(&mut rs);
    assert_eq!(body(&rs[2], "n"), "Shopping\nmilk\neggs (6)\nbread");
    assert!(conflict_texts(&rs[2], "n").is_empty());
    assert_eq!(rs[2].list_notes("").unwrap()[0].conflicts, 0);
    assert_same_everywhere(&rs, "n");
}

#[test]
fn dismissing_a_conflict_copy_keeps_the_line_and_syncs() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "a\nb", 1).unwrap();
    sync_all(&mut rs);
    rs[0].save_note("n", "a\nb from 0", 2).unwrap();
    rs[1].save_note("n", "a\nb from 1", 3).unwrap();
    sync_all(&mut rs);
    let loser = rs[0].get_note("n").unwrap().unwrap().conflicts.remove(0);
    assert_eq!(loser.text, "b from 0");
    assert!(rs[0].dismiss_line_version("n", &loser.line_id, 4).unwrap());
    let shown = rs[0].get_note("n").unwrap().unwrap();
    let winner = shown.body.lines().nth(1).unwrap().to_owned();
    assert_eq!(winner, "b from 1");
    // The version shown is the last of its line: it cannot be dismissed.
    let rows: Vec<String> = rs[0]
        .conn()
        .prepare("SELECT id FROM lines WHERE text = 'b from 1'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!rs[0].dismiss_line_version("n", &rows[0], 5).unwrap());
    sync_all(&mut rs);
    assert_eq!(body(&rs[1], "n"), "a\nb from 1");
    assert!(conflict_texts(&rs[1], "n").is_empty());
}

#[test]
fn a_conflict_copy_names_the_device_that_wrote_it_and_the_one_shown() {
    let mut rs: [Store; 2] = replicas();
    rs[0].set_device_name("Laptop").unwrap();
    rs[1].set_device_name("Phone").unwrap();
    rs[0].save_note("n", "title\nmilk", 1).unwrap();
    sync_all(&mut rs);
    rs[0].save_note("n", "title\nmilk and eggs", 2).unwrap();
    rs[1].save_note("n", "title\noat milk", 3).unwrap();
    sync_all(&mut rs);
    for (i, r) in rs.iter().enumerate() {
        let c = r.get_note("n").unwrap().unwrap().conflicts.remove(0);
        let device = |d: Option<store::devices::Device>| d.map(|d| (d.name, d.this_one));
        // The newer edit (the phone's) is shown; the laptop's is the copy.
        assert_eq!(
            (
                c.text.as_str(),
                device(c.by),
                c.current.as_deref(),
                device(c.current_by)
            ),
            (
                "milk and eggs",
                Some(("Laptop".to_owned(), i == 0)),
                Some("oat milk"),
                Some(("Phone".to_owned(), i == 1))
            )
        );
    }
}

#[test]
fn keeping_both_versions_of_a_line_puts_the_other_right_after_it_and_syncs() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "title\nmilk\nend", 1).unwrap();
    sync_all(&mut rs);
    rs[0]
        .save_note("n", "title\nmilk and eggs\nend", 2)
        .unwrap();
    rs[1].save_note("n", "title\noat milk\nend", 3).unwrap();
    sync_all(&mut rs);
    let copy = rs[0].get_note("n").unwrap().unwrap().conflicts.remove(0);
    let shown = copy.current.clone().unwrap();
    assert!(
        rs[0]
            .keep_both_line_versions("n", &copy.line_id, 4)
            .unwrap()
    );
    let both = format!("title\n{shown}\n{}\nend", copy.text);
    assert_eq!(body(&rs[0], "n"), both);
    assert!(conflict_texts(&rs[0], "n").is_empty());
    assert!(
        !rs[0]
            .keep_both_line_versions("n", &copy.line_id, 5)
            .unwrap(),
        "only once"
    );
    sync_all(&mut rs);
    assert_eq!(body(&rs[1], "n"), both);
    assert!(conflict_texts(&rs[1], "n").is_empty());
}

#[test]
fn an_edit_of_a_line_another_device_deleted_keeps_the_edit() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", SHOPPING, 1).unwrap();
    sync_all(&mut rs);
    rs[0].save_note("n", "Shopping\nmilk\nbread", 2).unwrap();
    rs[1]
        .save_note("n", "Shopping\nmilk\neggs, free range\nbread", 3)
        .unwrap();
    sync_all(&mut rs);
    assert_eq!(body(&rs[0], "n"), "Shopping\nmilk\neggs, free range\nbread");
    assert_same_everywhere(&rs, "n");
}

#[test]
fn interleaved_inserts_moves_and_deletes_on_three_replicas_converge() {
    let mut rs: [Store; 3] = replicas();
    rs[0].save_note("n", "1\n2\n3\n4\n5", 1).unwrap();
    sync_all(&mut rs);

    rs[0]
        .save_note("n", "1\nnew after 1\n2\n3\n4\n5", 2)
        .unwrap(); // insert
    rs[1].save_note("n", "1\n2\n4\n5\n3", 3).unwrap(); // move 3 to the end
    rs[2].save_note("n", "0\n1\n2\n3\n5", 4).unwrap(); // delete 4, insert at top
    // Partial, uneven syncs before the full one.
    let (from, to) = pair(&mut rs, 0, 1);
    copy_all(from, to);
    rs[1]
        .save_note(
            "n",
            &body(&rs[1], "n").replace("new after 1", "NEW after 1"),
            5,
        )
        .unwrap();
    let (from, to) = pair(&mut rs, 2, 0);
    copy_all(from, to);
    sync_all(&mut rs);

    assert_eq!(body(&rs[0], "n"), "0\n1\nNEW after 1\n2\n5\n3");
    assert_same_everywhere(&rs, "n");
}

#[test]
fn lines_added_at_the_same_place_on_two_devices_both_survive_in_one_order() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "top\nbottom", 1).unwrap();
    sync_all(&mut rs);
    rs[0].save_note("n", "top\nfrom 0\nbottom", 2).unwrap();
    rs[1].save_note("n", "top\nfrom 1\nbottom", 2).unwrap();
    sync_all(&mut rs);
    let text = body(&rs[0], "n");
    assert!(text == "top\nfrom 0\nfrom 1\nbottom" || text == "top\nfrom 1\nfrom 0\nbottom");
    assert!(
        conflict_texts(&rs[0], "n").is_empty(),
        "new lines are not conflicts"
    );
    assert_same_everywhere(&rs, "n");
    // And a line typed between them later lands between them.
    let edited =
        text.replacen("\nfrom", "\nmiddle\nfrom", 2)
            .replacen("\nmiddle\nfrom", "\nfrom", 1);
    rs[1].save_note("n", &edited, 3).unwrap();
    sync_all(&mut rs);
    assert_eq!(body(&rs[0], "n"), edited);
}

#[test]
fn restoring_an_earlier_version_syncs_and_merges_with_edits_elsewhere() {
    let mut rs: [Store; 2] = replicas();
    let min = 60_000;
    rs[0]
        .save_note("n", "title\nfirst draft\nfooter", 0)
        .unwrap();
    rs[0]
        .save_note("n", "title\nsecond draft\nfooter", 10 * min)
        .unwrap();
    sync_all(&mut rs);
    assert_eq!(rs[1].history("n").unwrap().len(), 1, "history syncs");

    let version = rs[1].history("n").unwrap().remove(0);
    assert!(rs[1].restore_version("n", &version.id, 20 * min).unwrap());
    rs[0]
        .save_note("n", "title\nsecond draft\nfooter, edited", 21 * min)
        .unwrap();
    sync_all(&mut rs);

    assert_eq!(body(&rs[0], "n"), "title\nfirst draft\nfooter, edited");
    assert_same_everywhere(&rs, "n");
    assert_eq!(rs[0].history("n").unwrap(), rs[1].history("n").unwrap());
}

#[test]
fn trash_restore_and_emptying_sync() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "to the bin", 1).unwrap();
    rs[0].save_note("m", "stays", 1).unwrap();
    sync_all(&mut rs);

    rs[0].delete_note("n", 2).unwrap();
    sync_all(&mut rs);
    assert_eq!(rs[1].list_trash().unwrap()[0].id, "n");
    assert_eq!(rs[1].list_notes("").unwrap().len(), 1);

    rs[1].restore_note("n").unwrap();
    sync_all(&mut rs);
    assert!(rs[0].list_trash().unwrap().is_empty());
    assert_eq!(body(&rs[0], "n"), "to the bin");

    rs[1].delete_note("n", 3).unwrap();
    sync_all(&mut rs);
    assert_eq!(rs[0].empty_trash().unwrap(), 1);
    sync_all(&mut rs);
    for r in &mut rs {
        assert!(r.get_note("n").unwrap().is_none());
        assert!(r.list_trash().unwrap().is_empty());
        let rows: i64 = r
            .conn()
            .query_row("SELECT count(*) FROM lines WHERE note_id = 'n'", [], |x| {
                x.get(0)
            })
            .unwrap();
        assert_eq!(rows, 0);
    }
}

#[test]
fn an_edit_made_while_another_device_trashed_the_note_is_in_the_trash_with_it() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "draft", 1).unwrap();
    sync_all(&mut rs);
    rs[0].delete_note("n", 2).unwrap();
    rs[1].save_note("n", "draft, improved", 3).unwrap();
    sync_all(&mut rs);
    assert_eq!(rs[1].list_trash().unwrap()[0].id, "n");
    rs[1].restore_note("n").unwrap();
    assert_eq!(body(&rs[1], "n"), "draft, improved");
}

#[cfg(not(target_family = "wasm"))] // schema-1 files are made with tempfile
#[test]
fn notes_from_schema_1_become_lines_identically_on_every_replica() {
    fn v1_replica(notes: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let conn = rusqlite::Connection::open(file.path()).unwrap();
        crsqlite::load(&conn).unwrap();
        conn.execute_batch(store::migrations::MIGRATIONS[0].sql)
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        for (id, body) in notes {
            conn.execute(
                "INSERT INTO notes (id, body, created_at, updated_at) VALUES (?1, ?2, 5, 7)",
                (id, body),
            )
            .unwrap();
        }
        conn.execute_batch("SELECT crsql_finalize()").unwrap();
        file
    }
    let notes = [("n", "Title\nline two\n\nlast"), ("empty", "")];
    let (fa, fb) = (v1_replica(&notes), v1_replica(&notes));
    let mut rs = [
        Store::open(fa.path(), &Default::default()).unwrap(),
        Store::open(fb.path(), &Default::default()).unwrap(),
    ];
    assert_eq!(body(&rs[0], "n"), "Title\nline two\n\nlast");
    assert_eq!(body(&rs[0], "empty"), "");
    assert_eq!(rs[0].get_note("n").unwrap().unwrap().updated_at, 7);
    let titles: Vec<String> = rs[0]
        .list_notes("")
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert_eq!(titles, ["Untitled", "Title"]);

    sync_all(&mut rs);
    assert_eq!(
        body(&rs[1], "n"),
        "Title\nline two\n\nlast",
        "no duplicated lines"
    );
    assert_same_everywhere(&rs, "n");
}

#[test]
fn two_devices_editing_a_synced_note_keep_one_version_of_where_they_started() {
    let mut rs: [Store; 2] = replicas();
    rs[0].save_note("n", "start", 1).unwrap();
    sync_all(&mut rs);
    rs[0].save_note("n", "start, edited on 0", 2).unwrap();
    rs[1].save_note("n", "start, edited on 1", 3).unwrap();
    sync_all(&mut rs);
    let history = rs[0].history("n").unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].title, "start");
    assert_eq!(rs[1].history("n").unwrap(), history);
}

#[test]
fn merged_notes_and_their_conflict_copies_are_found_by_search_on_every_replica() {
    let mut rs = replicas::<2>();
    rs[0].save_note("t", "Trip\nbring the tent", 1).unwrap();
    sync_all(&mut rs);
    rs[0]
        .save_note("t", "Trip\nbring the blue tent", 2)
        .unwrap();
    rs[1].save_note("t", "Trip\nbring the red tent", 3).unwrap();
    // Indexed before the merge: the merge marks the note for indexing again.
    assert_eq!(rs[1].search_notes("red", false, 10).unwrap().total, 1);
    sync_all(&mut rs);
    for r in &mut rs {
        for word in ["blue", "red", "trip tent"] {
            let page = r.search_notes(word, false, 10).unwrap();
            let titles: Vec<&str> = page.hits.iter().map(|h| h.note.title.as_str()).collect();
            assert_eq!(titles, ["Trip"], "{word}");
        }
    }
}
