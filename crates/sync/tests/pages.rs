#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! How a long push is cut into requests: pages that grow while they are sent
//! ahead, and never more bytes than the server reads.

use protocol::MAX_REQUEST_BYTES;
use store::Store;
use sync::client::{
    FIRST_PUSH_PAGE, MAX_PUSH_BYTES, MAX_PUSH_PAGE, absorb, pending_changes, prepare,
};
use sync::server::{Limits, serve};

fn store_with_notes(n: usize, body: impl Fn(usize) -> String) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    for i in 0..n {
        s.save_note(&format!("n{i:04}"), &body(i), 1_700_000_000_000 + i as i64)
            .unwrap();
    }
    s
}

/// Pushes everything as the app does (each page read while the one before it
/// travels, up to `max` changes) and returns each request's change count and
/// JSON size.
fn push_all(
    client: &mut Store,
    server: &mut Store,
    first: usize,
    max: usize,
) -> Vec<(usize, usize)> {
    let limits = Limits::default();
    let mut sent = Vec::new();
    let mut round = prepare(client, first).unwrap();
    loop {
        let body = serde_json::to_vec(&round.request).unwrap();
        sent.push((round.request.changes.len(), body.len()));
        let next = round.next_push(client, max).unwrap();
        let response = serve(server, &round.request, &limits).unwrap();
        let done = absorb(client, &round, &response).unwrap().done;
        match next {
            Some(next) => round = next,
            None if done => return sent,
            None => round = prepare(client, first).unwrap(),
        }
        assert!(sent.len() < 10_000, "the push never ended");
    }
}

#[test]
fn pages_sent_ahead_double_up_to_the_largest_page() {
    // Two changes per short note (its row and its one line), and more.
    let mut client = store_with_notes(400, |i| format!("note {i}"));
    let mut server = Store::open_in_memory().unwrap();
    let sizes: Vec<usize> = push_all(&mut client, &mut server, 10, 80)
        .into_iter()
        .map(|(changes, _)| changes)
        .collect();
    assert_eq!(&sizes[..5], &[10, 20, 40, 80, 80], "{sizes:?}");
    assert_eq!(pending_changes(&client).unwrap(), 0);
    assert_eq!(
        server.all_notes().unwrap().len(),
        400,
        "every note reached the server"
    );
}

#[test]
fn long_notes_are_pushed_in_requests_the_server_accepts() {
    // 24 notes of 20 lines of 28.5 KB: a few hundred changes, one page by
    // count, but about 15 MB of JSON.
    let line = format!(
        "{}\n",
        "A long line, with \"quotes\" and a tab\t.".repeat(750)
    );
    let mut client = store_with_notes(24, |i| format!("Note {i}\n{}", line.repeat(20)));
    let mut server = Store::open_in_memory().unwrap();
    let sent = push_all(&mut client, &mut server, FIRST_PUSH_PAGE, MAX_PUSH_PAGE);
    assert!(sent.len() > 1, "split by size: {sent:?}");
    for (changes, bytes) in &sent {
        assert!(
            *bytes <= MAX_PUSH_BYTES + 1024 || *changes == 1,
            "{changes} changes in {bytes} bytes"
        );
        assert!(*bytes <= MAX_REQUEST_BYTES, "{bytes} bytes");
    }
    assert_eq!(pending_changes(&client).unwrap(), 0);
    let bodies =
        |s: &Store| -> Vec<String> { s.all_notes().unwrap().into_iter().map(|n| n.body).collect() };
    assert_eq!(bodies(&server).len(), 24);
    assert!(bodies(&server) == bodies(&client), "every word arrived");

    // Another device pulls them in answers of at most about 8 MiB each.
    let limits = Limits::default();
    let mut other = Store::open_in_memory().unwrap();
    let mut answers = Vec::new();
    loop {
        let round = prepare(&other, FIRST_PUSH_PAGE).unwrap();
        let response = serve(&mut server, &round.request, &limits).unwrap();
        answers.push(serde_json::to_vec(&response).unwrap().len());
        if absorb(&mut other, &round, &response).unwrap().done {
            break;
        }
    }
    assert!(answers.len() > 1, "{answers:?}");
    // A page ends at the first db_version boundary past the limit: one note
    // saved (about 0.6 MB) over it at most.
    assert!(
        answers
            .iter()
            .all(|&n| n <= limits.page_bytes + 1024 * 1024),
        "{answers:?}"
    );
    assert!(bodies(&other) == bodies(&client), "every word arrived");
}

#[test]
fn a_change_larger_than_a_page_of_bytes_goes_alone() {
    // A note holds less than a push's byte budget, but a change can still be
    // larger (a replicated row written some other way): it goes alone.
    let mut client = store_with_notes(2, |i| format!("short note {i}"));
    let long = "x".repeat(MAX_PUSH_BYTES + 10);
    client
        .conn()
        .execute(
            "INSERT INTO note_versions (id, note_id, body) VALUES ('v', 'n0000', ?1)",
            [&long],
        )
        .unwrap();
    client.save_note("n0002", "written after it", 3).unwrap();
    let mut server = Store::open_in_memory().unwrap();
    let sent = push_all(&mut client, &mut server, FIRST_PUSH_PAGE, MAX_PUSH_PAGE);
    assert!(
        sent.iter()
            .any(|&(changes, bytes)| changes == 1 && bytes > MAX_PUSH_BYTES),
        "{sent:?}"
    );
    assert_eq!(pending_changes(&client).unwrap(), 0);
    let on_server: String = server
        .conn()
        .query_row("SELECT body FROM note_versions WHERE id = 'v'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(on_server, long);
    assert_eq!(server.all_notes().unwrap().len(), 3);
}
