//! Tags: a `#word` in a note's text. They are read from the text as shown
//! (never stored apart from it), so a tag merges like the line it is on,
//! and kept in the local table `note_tags` with the list's index.

use rusqlite::params;

pub use notetext::tags_of;

use crate::{Store, StoreError};

/// A tag and how many notes outside the trash carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagCount {
    pub tag: String,
    pub notes: u32,
}

/// How a title sorts: case ignored. (Unicode's case tables are in the
/// download anyway: cr-sqlite's migrations use them.)
pub(crate) fn title_key(title: &str) -> String {
    title.to_lowercase()
}

impl Store {
    /// Every tag of the notes outside the trash, with how many notes carry
    /// it, in alphabetical order. Notes not indexed yet (just synced) are
    /// counted once the background indexing reaches them.
    pub fn tags(&self) -> Result<Vec<TagCount>, StoreError> {
        let tags = self
            .conn()
            .prepare_cached(
                "SELECT t.tag, count(*) FROM note_tags t JOIN notes n ON n.id = t.note_id
                 WHERE n.deleted_at IS NULL
                 GROUP BY t.tag ORDER BY t.tag",
            )?
            .query_map([], |r| {
                Ok(TagCount {
                    tag: r.get(0)?,
                    notes: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(tags)
    }
}

/// Replaces the tags kept for `note_id` with `tags`.
pub(crate) fn keep_tags(
    tx: &rusqlite::Transaction<'_>,
    note_id: &str,
    tags: &[String],
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM note_tags WHERE note_id = ?1")?
        .execute([note_id])?;
    let mut insert = tx.prepare_cached("INSERT INTO note_tags (tag, note_id) VALUES (?1, ?2)")?;
    for tag in tags {
        insert.execute(params![tag, note_id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tags(text: &str) -> Vec<String> {
        tags_of(text.lines())
    }

    #[test]
    fn a_tag_is_a_hash_and_a_word_with_a_letter() {
        assert_eq!(
            tags("#Work and #home/garden, (#idea) [#x-1] #CAFÉ #日本"),
            ["café", "home/garden", "idea", "work", "x-1", "日本"]
        );
        assert_eq!(tags("#work then #WORK"), ["work"]);
        assert_eq!(tags("ends in a dash #draft- or slash #a/"), ["a", "draft"]);
    }

    #[test]
    fn headings_numbers_anchors_and_code_are_not_tags() {
        assert!(tags("# Heading\n## Sub").is_empty());
        assert!(tags("issue #12, C# and page#top, ##").is_empty());
        assert!(tags("`#not` a tag\n```\n#nor this\n```").is_empty());
        assert!(tags(&format!("#{}", "a".repeat(65))).is_empty());
        assert_eq!(tags("#a#b"), ["a"], "a # inside a tag starts none");
    }

    #[test]
    fn tags_are_counted_over_the_notes_outside_the_trash() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_note("a", "Trip\n#travel #Japan", 1).unwrap();
        s.save_note("b", "Plan #travel", 2).unwrap();
        s.save_note("c", "Old #travel", 3).unwrap();
        s.delete_note("c", 4).unwrap();
        s.index_pending(usize::MAX).unwrap();
        let counts: Vec<(String, u32)> = s
            .tags()
            .unwrap()
            .into_iter()
            .map(|t| (t.tag, t.notes))
            .collect();
        assert_eq!(counts, [("japan".into(), 1), ("travel".into(), 2)]);

        s.save_note("a", "Trip\nno tags now", 5).unwrap();
        s.index_pending(usize::MAX).unwrap();
        assert_eq!(s.tags().unwrap()[0].tag, "travel");
        assert_eq!(s.tags().unwrap().len(), 1);
    }
}
