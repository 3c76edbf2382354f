//! `list`, `show`, `new`, `edit`, `rm`.

use std::io::{IsTerminal, Read};

use serde_json::json;
use store::notes::tags_of;
use store::{ListOptions, MATCH_END, MATCH_START};

use super::{AfterWrite, editor};
use crate::error::CliError;
use crate::home::Home;
use crate::now_ms;
use crate::pick;
use crate::show::{Listed, Out, row};

/// A tag as typed (`#Work`, `work`) as the store keeps it.
fn tag_key(tag: &str) -> String {
    tag.trim().trim_start_matches('#').to_lowercase()
}

pub fn list(
    home: &Home,
    out: Out,
    tag: Option<&str>,
    search: Option<&str>,
    trash: bool,
) -> Result<(), CliError> {
    let mut store = home.replica()?;
    let tag = tag.map(tag_key);
    if let Some(query) = search.filter(|q| !q.trim().is_empty()) {
        let page = store.search_tagged(query, trash, tag.as_deref(), 1_000)?;
        if out.json {
            let hits: Vec<Listed> = page
                .hits
                .iter()
                .map(|h| Listed {
                    snippet: Some(plain(&h.snippet)),
                    ..Listed::of(&h.note)
                })
                .collect();
            out.json(&hits);
        } else {
            for hit in &page.hits {
                println!("{}\n          {}", row(&hit.note), marked(&hit.snippet));
            }
            out.say(&format!(
                "{} of {} matching notes",
                page.hits.len(),
                page.total
            ));
        }
        return Ok(());
    }
    let notes = if trash {
        store.list_trash()?
    } else {
        store
            .list_page(
                &ListOptions {
                    tag: tag.as_deref(),
                    ..ListOptions::default()
                },
                usize::MAX,
            )?
            .notes
    };
    if out.json {
        out.json(&notes.iter().map(Listed::of).collect::<Vec<_>>());
    } else {
        for n in &notes {
            println!("{}", row(n));
        }
        if notes.is_empty() {
            out.say("No notes here.");
        }
    }
    Ok(())
}

/// A snippet with its matches between the store's marks, as plain text.
fn plain(snippet: &str) -> String {
    snippet
        .replace([MATCH_START, MATCH_END], "")
        .replace('\n', " / ")
}

/// A snippet with its matches in bold on a terminal, between [ ] elsewhere.
fn marked(snippet: &str) -> String {
    let (start, end) = if std::io::stdout().is_terminal() {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    snippet
        .replace(MATCH_START, start)
        .replace(MATCH_END, end)
        .replace('\n', " / ")
}

pub fn show(home: &Home, out: Out, named: &str) -> Result<(), CliError> {
    let mut store = home.replica()?;
    let found = pick::note(&mut store, named)?;
    let note = store
        .get_note(&found.id)?
        .ok_or_else(|| CliError::NotFound(named.to_owned()))?;
    if out.json {
        out.json(&json!({
            "id": note.id,
            "title": found.title,
            "body": note.body,
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "pinned": note.pinned,
            "tags": tags_of(note.body.lines()),
            "conflicts": note.conflicts.len(),
        }));
    } else {
        println!("{}", note.body);
        if !note.conflicts.is_empty() {
            out.say(&format!(
                "({} lines were edited on two devices at once; both versions are kept: resolve them in the app)",
                note.conflicts.len()
            ));
        }
    }
    Ok(())
}

pub fn new(home: &Home, after: AfterWrite) -> Result<(), CliError> {
    let text = if std::io::stdin().is_terminal() {
        editor::edit(home, "")?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(CliError::io("cannot read the note from stdin"))?;
        text
    };
    let text = text.replace("\r\n", "\n");
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(CliError::Usage(
            "the note is empty; nothing was saved".into(),
        ));
    }
    let mut store = home.replica()?;
    let id = uuid::Uuid::new_v4().to_string();
    store.save_note(&id, text, now_ms())?;
    let title = store::notes::title_of(text);
    after.sync(home, &mut store);
    store.close()?;
    if after.out.json {
        after.out.json(&json!({"id": id, "title": title}));
    } else {
        println!("{id}");
        after.out.say(&format!("Saved \"{title}\"."));
    }
    Ok(())
}

pub fn edit(home: &Home, after: AfterWrite, named: &str) -> Result<(), CliError> {
    let mut store = home.replica()?;
    let found = pick::note(&mut store, named)?;
    let base = store
        .get_note(&found.id)?
        .ok_or_else(|| CliError::NotFound(named.to_owned()))?
        .body;
    // No lock is held while the editor is open: a `notes watch` may merge
    // other devices' edits meanwhile.
    drop(store);
    let edited = editor::edit(home, &format!("{base}\n"))?.replace("\r\n", "\n");
    let edited = edited.strip_suffix('\n').unwrap_or(&edited);
    if edited == base {
        after.out.say("No change.");
        return Ok(());
    }
    let mut store = home.replica()?;
    let now = store.get_note(&found.id)?.map(|n| n.body);
    let text = match &now {
        // Changed meanwhile: this edit is put onto what it became.
        Some(now) if *now != base => notetext::rebase(&base, edited, now),
        _ => edited.to_owned(),
    };
    store.save_note(&found.id, &text, now_ms())?;
    after.sync(home, &mut store);
    store.close()?;
    if after.out.json {
        after.out.json(&json!({"id": found.id, "saved": true}));
    } else {
        after
            .out
            .say(&format!("Saved \"{}\".", store::notes::title_of(&text)));
    }
    Ok(())
}

pub fn rm(home: &Home, after: AfterWrite, named: &str) -> Result<(), CliError> {
    let mut store = home.replica()?;
    let found = pick::note(&mut store, named)?;
    store.delete_note(&found.id, now_ms())?;
    after.sync(home, &mut store);
    store.close()?;
    if after.out.json {
        after.out.json(&json!({"id": found.id, "trashed": true}));
    } else {
        after.out.say(&format!(
            "Moved \"{}\" to the Trash (kept {} days; restore it in the app).",
            found.title,
            store::notes::TRASH_DAYS
        ));
    }
    Ok(())
}
