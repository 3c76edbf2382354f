//! Evernote's ENEX export: `<note>`s with a title, times, tags, and the
//! text as ENML (XHTML in a CDATA block), and `<resource>`s (attachments:
//! not imported, named as left out). Read with quick-xml, streaming.

use quick_xml::Reader;
use quick_xml::events::{BytesText, Event};

use super::Foreign;
use crate::time::parse_rfc3339;

/// A note of the file, its attachments' names, and its title (for naming
/// what was left out).
pub(crate) struct EnexNote {
    pub note: Foreign,
    pub title: String,
    pub attachments: Vec<String>,
}

/// ENEX's time, `20200101T120000Z`, as milliseconds.
fn enex_time(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.len() != 16 || !t.is_ascii() {
        return None;
    }
    parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[9..11],
        &t[11..13],
        &t[13..15]
    ))
}

/// Text with HTML's entities that ENML keeps (`&nbsp;`) read as well as XML's.
fn unescaped(text: &BytesText<'_>) -> String {
    text.unescape_with(|entity| match entity {
        "nbsp" => Some("\u{a0}"),
        _ => quick_xml::escape::resolve_predefined_entity(entity),
    })
    .map(|t| t.replace('\u{a0}', " "))
    .unwrap_or_else(|_| String::from_utf8_lossy(text.as_ref()).into_owned())
}

/// Elements that end a line of text.
fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"div"
            | b"p"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"li"
            | b"tr"
            | b"blockquote"
            | b"pre"
            | b"hr"
    )
}

/// ENML (the note's XHTML) as plain text: a line per block, `- ` for list
/// items, `- [ ]`/`- [x]` for to-dos; blank lines collapsed.
fn enml_text(enml: &str) -> String {
    let mut reader = Reader::from_str(enml);
    let mut out = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                if is_block(name.as_ref()) && !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                if name.as_ref() == b"li" {
                    out.push_str("- ");
                }
            }
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                b"br" => out.push('\n'),
                b"en-todo" => {
                    let checked = e
                        .try_get_attribute("checked")
                        .ok()
                        .flatten()
                        .is_some_and(|a| a.value.as_ref() == b"true");
                    out.push_str(if checked { "- [x] " } else { "- [ ] " });
                }
                b"en-media" => out.push_str("[attachment]"),
                _ => {}
            },
            Ok(Event::End(e)) => {
                if is_block(e.local_name().as_ref()) && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Ok(Event::Text(t)) => out.push_str(&unescaped(&t)),
            Ok(Event::CData(c)) => out.push_str(&String::from_utf8_lossy(&c)),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in out.lines().map(str::trim_end) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim_end().to_owned()
}

#[derive(Default)]
struct Building {
    title: String,
    content: String,
    created: Option<i64>,
    updated: Option<i64>,
    tags: Vec<String>,
    attachments: Vec<String>,
    /// The `<resource>` being read had a file name.
    resource_named: bool,
}

/// The notes of an ENEX file, or `None` if it is not one (not XML, or no
/// `<en-export>`).
pub(crate) fn read(bytes: &[u8]) -> Option<Vec<EnexNote>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut reader = Reader::from_str(text);
    let mut notes = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut note: Option<Building> = None;
    let mut seen_export = false;
    let mut field = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                seen_export |= name == b"en-export";
                if name == b"note" {
                    note = Some(Building::default());
                }
                field.clear();
                path.push(name);
            }
            Ok(Event::Text(t)) => field.push_str(&unescaped(&t)),
            Ok(Event::CData(c)) => field.push_str(&String::from_utf8_lossy(&c)),
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                let in_resource = path.iter().any(|p| p == b"resource");
                if let Some(n) = note.as_mut() {
                    match name.as_slice() {
                        b"title" if !in_resource => n.title = field.trim().to_owned(),
                        b"content" => n.content = enml_text(&field),
                        b"created" => n.created = enex_time(&field),
                        b"updated" => n.updated = enex_time(&field),
                        b"tag" => n.tags.push(field.trim().to_owned()),
                        b"file-name" if in_resource => {
                            n.attachments.push(field.trim().to_owned());
                            n.resource_named = true;
                        }
                        b"resource" if !std::mem::replace(&mut n.resource_named, false) => {
                            n.attachments.push("an attachment without a name".into());
                        }
                        b"note" => {
                            if let Some(done) = note.take() {
                                notes.push(finish(done));
                            }
                        }
                        _ => {}
                    }
                }
                field.clear();
            }
            Ok(Event::Eof) => break,
            Err(_) => return seen_export.then_some(notes),
            Ok(_) => {}
        }
    }
    seen_export.then_some(notes)
}

fn finish(n: Building) -> EnexNote {
    let body = match (n.title.is_empty(), n.content.is_empty()) {
        (false, false) if !n.content.starts_with(&n.title) => format!("{}\n{}", n.title, n.content),
        (false, true) => n.title.clone(),
        _ => n.content,
    };
    EnexNote {
        title: n.title,
        attachments: n.attachments,
        note: Foreign {
            body,
            tags: n.tags,
            created: n.created,
            updated: n.updated,
            trashed: false,
            pinned: false,
        },
    }
}
