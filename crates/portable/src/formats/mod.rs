//! Other apps' exports, each into notes: Simplenote's JSON, Google Keep's
//! Takeout JSON (one file per note), and Evernote's ENEX. Text comes in;
//! attachments are named as left out. Tags become `#tags` on a last line,
//! since a tag here is a word in the text.

pub(crate) mod enex;
pub(crate) mod keep;
pub(crate) mod simplenote;

use crate::import::{Incoming, content_id};

/// A tag from elsewhere as a `#tag` of ours: spaces become `-`, and
/// characters a tag cannot hold are dropped; `None` if nothing is left that
/// holds a letter.
fn as_tag(label: &str) -> Option<String> {
    let word: String = label
        .trim()
        .trim_start_matches('#')
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .filter(|&c| notetext::is_tag_char(c))
        .collect();
    word.chars()
        .any(char::is_alphabetic)
        .then(|| format!("#{word}"))
}

/// A note from another app: its text with its tags added on a last line
/// (those its text lacks), an id from that text.
pub(crate) struct Foreign {
    pub body: String,
    pub tags: Vec<String>,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub trashed: bool,
    pub pinned: bool,
}

impl Foreign {
    pub fn into_incoming(self) -> Incoming {
        let have = notetext::tags_of(self.body.lines());
        let missing: Vec<String> = self
            .tags
            .iter()
            .filter_map(|t| as_tag(t))
            .filter(|t| !have.contains(&t[1..].to_lowercase()))
            .collect();
        let mut body = self.body.replace("\r\n", "\n").trim_end().to_owned();
        if !missing.is_empty() {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&missing.join(" "));
        }
        let updated = self.updated.or(self.created);
        Incoming {
            id: content_id(&body),
            body,
            created_at: self.created.or(updated),
            updated_at: updated,
            deleted_at: self.trashed.then(|| updated.unwrap_or(0)),
            pinned: self.pinned,
            versions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::import::Imported;

    fn read(name: &str, bytes: &[u8]) -> Imported {
        let mut imported = Imported::default();
        imported.read(name, bytes);
        imported
    }

    #[test]
    fn a_simplenote_export_brings_its_notes_tags_pins_and_trash() {
        let json = br#"{"activeNotes": [
            {"id": "a1", "content": "Shopping\r\nmilk", "creationDate": "2021-03-04T05:06:07.000Z",
             "lastModified": "2021-03-05T00:00:00.000Z", "tags": ["home", "to buy"], "pinned": true},
            {"id": "a2", "content": "Has #home already", "tags": ["home"]}],
            "trashedNotes": [{"id": "t1", "content": "Gone", "tags": []}]}"#;
        let imported = read("notes.json", json);
        assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
        let [shop, has, gone] = &imported.notes[..] else {
            panic!("{:?}", imported.notes)
        };
        assert_eq!(shop.body, "Shopping\nmilk\n\n#home #to-buy");
        assert!(shop.pinned);
        assert_eq!(shop.created_at, Some(1_614_834_367_000));
        assert_eq!(shop.updated_at, Some(1_614_902_400_000));
        assert_eq!(
            has.body, "Has #home already",
            "a tag the text holds is not added again"
        );
        assert!(gone.deleted_at.is_some());
    }

    #[test]
    fn a_google_keep_note_brings_its_checklist_labels_and_names_its_attachments() {
        let json = br#"{"color": "DEFAULT", "isTrashed": false, "isPinned": true, "isArchived": false,
            "title": "Packing", "listContent": [{"text": "tent", "isChecked": true}, {"text": "stove", "isChecked": false}],
            "labels": [{"name": "Travel"}], "userEditedTimestampUsec": 1700000000000000,
            "createdTimestampUsec": 1690000000000000, "attachments": [{"filePath": "photo.jpg", "mimetype": "image/jpeg"}]}"#;
        let imported = read("Takeout/Keep/Packing.json", json);
        let [note] = &imported.notes[..] else {
            panic!("{:?}", imported.notes)
        };
        assert_eq!(note.body, "Packing\n- [x] tent\n- [ ] stove\n\n#Travel");
        assert_eq!(
            (note.created_at, note.updated_at),
            (Some(1_690_000_000_000), Some(1_700_000_000_000))
        );
        assert!(note.pinned);
        assert_eq!(imported.skipped.len(), 1);
        assert_eq!(
            imported.skipped[0].file,
            "Takeout/Keep/Packing.json: photo.jpg"
        );
        assert!(imported.skipped[0].reason.contains("only text is imported"));
    }

    #[test]
    fn an_evernote_export_brings_text_todos_and_tags_and_names_attachments() {
        let enex = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE en-export SYSTEM "http://xml.evernote.com/pub/evernote-export4.dtd">
<en-export export-date="20240101T000000Z" application="Evernote">
  <note>
    <title>Trip &amp; plans</title>
    <content><![CDATA[<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE en-note SYSTEM "http://xml.evernote.com/pub/enml2.dtd"><en-note><div>Book&nbsp;the train</div><div><en-todo checked="true"/>passport</div><div><en-todo/>tickets</div><ul><li>one</li><li>two</li></ul><div><br/></div><div>end</div><en-media hash="ab" type="image/png"/></en-note>]]></content>
    <created>20240102T030405Z</created>
    <updated>20240103T000000Z</updated>
    <tag>travel</tag>
    <resource><data encoding="base64">iVBORw0KGgo=</data><mime>image/png</mime>
      <resource-attributes><file-name>map.png</file-name></resource-attributes></resource>
  </note>
  <note><title>Empty</title><content><![CDATA[<en-note></en-note>]]></content></note>
</en-export>"#;
        let imported = read("My Notes.enex", enex);
        let [trip, empty] = &imported.notes[..] else {
            panic!("{:?}", imported.notes)
        };
        assert_eq!(
            trip.body,
            "Trip & plans\nBook the train\n- [x] passport\n- [ ] tickets\n- one\n- two\n\nend\n[attachment]\n\n#travel"
        );
        assert_eq!(trip.created_at, Some(1_704_164_645_000));
        assert_eq!(empty.body, "Empty");
        assert_eq!(imported.skipped.len(), 1);
        assert_eq!(
            imported.skipped[0].file,
            "My Notes.enex: Trip & plans: map.png"
        );
    }

    #[test]
    fn files_that_only_look_like_another_apps_are_named_with_the_reason() {
        assert!(
            read("x.enex", b"<html>not evernote</html>").skipped[0]
                .reason
                .contains("not an Evernote export")
        );
        assert!(
            read("x.json", br#"{"hello": 1}"#).skipped[0]
                .reason
                .contains("not an export")
        );
        let keep_empty = read("k.json", br#"{"title": "", "textContent": ""}"#);
        assert_eq!(keep_empty.skipped[0].reason, "an empty note");
    }
}
