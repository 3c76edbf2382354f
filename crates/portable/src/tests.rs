// Export and import through a replica.
#![cfg(feature = "store")]

use std::io::{Cursor, Write};

use store::Store;
use zip::write::SimpleFileOptions;

use crate::export::{gather, write_zip};
use crate::import::{Imported, Report};

fn export(store: &Store) -> Vec<u8> {
    let notes = gather(store, |_| {}).unwrap();
    write_zip(&notes, 9_000, Cursor::new(Vec::new()), |_| {})
        .unwrap()
        .into_inner()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn names_in(zip: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    names
}

#[test]
fn an_export_imported_elsewhere_brings_back_every_note_version_pin_and_trash() {
    let mut from = Store::open_in_memory().unwrap();
    from.save_note("a", "Groceries\nmilk #shop", 1_000).unwrap();
    // Ten minutes later: the text before is kept as a version.
    from.save_note("a", "Groceries\nmilk #shop\neggs", 601_000)
        .unwrap();
    from.save_note("b", "Groceries\nsecond note, same title", 2_000)
        .unwrap();
    from.save_note("c", "Old idea", 3_000).unwrap();
    from.set_pinned("b", true).unwrap();
    from.delete_note("c", 4_000).unwrap();
    assert_eq!(from.history("a").unwrap().len(), 1);

    let zip = export(&from);
    assert_eq!(
        names_in(&zip),
        [
            "Notes/Groceries (2).md",
            "Notes/Groceries.md",
            "Trash/Old idea.md",
            "notes.json"
        ]
    );

    let mut to = Store::open_in_memory().unwrap();
    let mut imported = Imported::default();
    imported.read("export.zip", &zip);
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let report = imported.save(&mut to, 10_000, |_| {}).unwrap();
    assert_eq!(
        report,
        Report {
            added: 3,
            already_here: 0
        }
    );

    let (mut a, mut b) = (from.all_notes().unwrap(), to.all_notes().unwrap());
    a.iter_mut()
        .chain(b.iter_mut())
        .for_each(|n| n.conflicts.clear());
    assert_eq!(a, b);
    assert_eq!(from.history("a").unwrap(), to.history("a").unwrap());
}

#[test]
fn importing_the_same_files_twice_adds_nothing_and_keeps_edits_made_since() {
    let mut store = Store::open_in_memory().unwrap();
    let files: [(&str, &[u8]); 2] = [
        ("todo.md", b"# Todo\n- call mum\n"),
        ("plain.txt", b"just text"),
    ];
    let mut first = Imported::default();
    for (name, bytes) in files {
        first.read(name, bytes);
    }
    assert_eq!(first.save(&mut store, 1, |_| {}).unwrap().added, 2);
    let todo = first.notes[0].id.clone();
    store
        .save_note(&todo, "# Todo\n- call mum\n- edited since", 2)
        .unwrap();

    let mut again = Imported::default();
    for (name, bytes) in files {
        again.read(name, bytes);
    }
    assert_eq!(
        again.save(&mut store, 3, |_| {}).unwrap(),
        Report {
            added: 0,
            already_here: 2
        }
    );
    assert_eq!(store.all_notes().unwrap().len(), 2);
    assert!(
        store
            .get_note(&todo)
            .unwrap()
            .unwrap()
            .body
            .ends_with("edited since")
    );
}

#[test]
fn a_zip_of_markdown_from_elsewhere_is_read_with_its_front_matter() {
    let zip = zip_of(&[
        ("vault/", b""),
        ("vault/Trip.md", b"---\ntitle: Trip\ndate: 2024-05-01T10:00:00Z\npinned: true\n---\n# Trip\r\nPack #travel\r\n"),
        ("vault/Trash/Gone.md", b"gone"),
        ("__MACOSX/vault/._Trip.md", b"\x00\x05"),
        ("vault/photo.jpg", b"\xff\xd8"),
    ]);
    let mut imported = Imported::default();
    imported.read("vault.zip", &zip);
    assert_eq!(imported.notes.len(), 2);
    let trip = &imported.notes[0];
    assert_eq!(trip.body, "# Trip\nPack #travel");
    assert_eq!(trip.created_at, Some(1_714_557_600_000));
    assert!(trip.pinned);
    assert_eq!(trip.deleted_at, None);
    assert!(
        imported.notes[1].deleted_at.is_some(),
        "a Trash folder's note stays trashed"
    );
    assert_eq!(imported.skipped.len(), 1);
    assert_eq!(imported.skipped[0].file, "vault.zip/vault/photo.jpg");
}

#[test]
fn files_that_cannot_be_notes_are_named_with_the_reason() {
    let mut imported = Imported::default();
    imported.read("latin1.txt", b"caf\xe9");
    imported.read("empty.md", b"  \n");
    imported.read("other.json", br#"{"notes": []}"#);
    imported.read("broken.zip", b"PK\x03\x04 not really");
    imported.read("song.mp3", b"ID3");
    imported.read("huge.md", &vec![b'x'; store::notes::MAX_NOTE_BYTES + 1]);
    let reasons: Vec<(&str, &str)> = imported
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(imported.notes.len(), 0);
    assert_eq!(reasons.len(), 6, "{reasons:?}");
    assert_eq!(reasons[0], ("latin1.txt", "not UTF-8 text"));
    assert_eq!(reasons[1], ("empty.md", "empty"));
    assert!(reasons[2].1.contains("not an export of this app"));
    assert!(reasons[3].1.contains("not a zip"));
    assert!(reasons[4].1.contains("not a kind of file"));
    assert!(reasons[5].1.contains("split it"));
}

#[test]
fn a_small_zip_that_unpacks_to_gigabytes_is_refused_file_by_file() {
    // 64 MiB of one byte deflates to about 64 KiB; read, it would pass the
    // note limit long before it ends.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("bomb.md", options).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&chunk).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1 << 20);
    let mut imported = Imported::default();
    imported.read("bomb.zip", &bytes);
    assert!(imported.notes.is_empty());
    assert_eq!(imported.skipped[0].file, "bomb.zip/bomb.md");
}
