//! Notes as the app sees them. Every read and write of a note's text goes
//! through here, so that how the text is stored can change in one place.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

/// A note in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

/// A line of the notes list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSummary {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
}

/// The title of a note: its first non-blank line, shortened.
pub fn title_of(body: &str) -> String {
    const MAX_CHARS: usize = 80;
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        return "Untitled".to_owned();
    }
    let mut title: String = line.chars().take(MAX_CHARS).collect();
    if line.chars().count() > MAX_CHARS {
        title.push('…');
    }
    title
}

fn note_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        body: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for ch in query.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

impl Store {
    /// Notes whose text contains `query` (case-insensitive for ASCII), newest first.
    pub fn list_notes(&self, query: &str) -> Result<Vec<NoteSummary>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            r"SELECT id, body, updated_at FROM notes
              WHERE ?1 = '' OR body LIKE ?2 ESCAPE '\'
              ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt.query_map(params![query.trim(), like_pattern(query.trim())], |r| {
            let body: String = r.get(1)?;
            Ok(NoteSummary {
                id: r.get(0)?,
                title: title_of(&body),
                updated_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn get_note(&self, id: &str) -> Result<Option<Note>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id, body, created_at, updated_at FROM notes WHERE id = ?1")?
            .query_row([id], note_from_row)
            .optional()?)
    }

    /// Creates the note or replaces its text. Saving the same text again
    /// writes nothing (no empty changes to sync). Idempotent, so a request
    /// retried after a lost answer does no harm.
    pub fn save_note(&self, id: &str, body: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO notes (id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                 WHERE notes.body IS NOT excluded.body",
            )?
            .execute(params![id, body, now_ms])?;
        Ok(())
    }

    /// Deletes a note and returns it (for undo); `None` if it was not there.
    pub fn delete_note(&mut self, id: &str) -> Result<Option<Note>, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let note = tx
            .query_row(
                "SELECT id, body, created_at, updated_at FROM notes WHERE id = ?1",
                [id],
                note_from_row,
            )
            .optional()?;
        tx.execute("DELETE FROM notes WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(note)
    }

    /// Puts a deleted note back as it was.
    pub fn restore_note(&self, note: &Note) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO notes (id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![note.id, note.body, note.created_at, note.updated_at],
        )?;
        Ok(())
    }

    /// Every note, for moving a local notebook's notes into an account.
    pub fn all_notes(&self) -> Result<Vec<Note>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, body, created_at, updated_at FROM notes ORDER BY id")?;
        let rows = stmt.query_map([], note_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_the_first_non_blank_line() {
        assert_eq!(title_of("\n  \n  Groceries \nmilk"), "Groceries");
        assert_eq!(title_of(""), "Untitled");
        assert_eq!(title_of(&"x".repeat(100)).chars().count(), 81);
    }

    fn ids(s: &Store, q: &str) -> Vec<String> {
        s.list_notes(q).unwrap().into_iter().map(|n| n.id).collect()
    }

    #[test]
    fn notes_list_newest_first_and_search_matches_text_literally() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Groceries\nmilk", 1).unwrap();
        s.save_note("b", "100% done_ok", 2).unwrap();
        s.save_note("c", "Call mom", 3).unwrap();

        assert_eq!(ids(&s, ""), ["c", "b", "a"]);
        assert_eq!(ids(&s, "MILK"), ["a"]);
        assert_eq!(ids(&s, "100%"), ["b"]);
        assert_eq!(ids(&s, "_ok"), ["b"]);
        assert_eq!(ids(&s, "%"), ["b"]);
        assert!(ids(&s, "zzz").is_empty());

        let deleted = s.delete_note("a").unwrap().unwrap();
        assert_eq!(ids(&s, ""), ["c", "b"]);
        s.restore_note(&deleted).unwrap();
        assert_eq!(s.get_note("a").unwrap().unwrap(), deleted);
    }

    #[test]
    fn saving_the_same_text_again_writes_nothing() {
        let s = Store::open_in_memory().unwrap();
        s.save_note("a", "text", 1).unwrap();
        let v = s.db_version().unwrap();
        s.save_note("a", "text", 2).unwrap();
        assert_eq!(s.db_version().unwrap(), v);
        assert_eq!(s.get_note("a").unwrap().unwrap().updated_at, 1);
        s.save_note("a", "text!", 3).unwrap();
        assert!(s.db_version().unwrap() > v);
    }
}
