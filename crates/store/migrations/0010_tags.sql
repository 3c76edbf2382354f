-- Local, derived: the tags (`#word`) of each note's text as shown, so tags
-- merge like the text they are written in (src/notes/tags.rs). Filled with
-- the list's index from note_index_dirty, never by a trigger. `title_key`
-- sorts the list by title whatever the case.
CREATE TABLE note_tags (
    tag TEXT NOT NULL,
    note_id TEXT NOT NULL,
    PRIMARY KEY (tag, note_id)
) WITHOUT ROWID;
CREATE INDEX note_tags_by_note ON note_tags (note_id);
ALTER TABLE note_index ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
CREATE INDEX note_index_by_title ON note_index (title_key, note_id);
-- The trash's notes, for a search that ranks every match and then leaves
-- out as many as the trash holds (src/notes/search.rs).
CREATE INDEX notes_trashed ON notes (deleted_at) WHERE deleted_at IS NOT NULL;
-- Search rows of notes deleted for good before they were cleaned up with
-- them (src/notes/trash.rs).
DELETE FROM note_search WHERE rowid NOT IN (SELECT rowid FROM note_index);
-- Every note is indexed again, a batch at a time (Store::index_pending).
INSERT OR IGNORE INTO note_index_dirty SELECT id FROM notes;
