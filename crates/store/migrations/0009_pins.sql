-- Replicated: a pinned note heads the list on every device. Pinning is its
-- own column, so it merges apart from the text (last writer wins) and does
-- not count as an edit (updated_at stays).
SELECT crsql_begin_alter('notes');
ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
SELECT crsql_commit_alter('notes');

-- The list reads pinned notes first, then newest or last created: indexes
-- in that order, over the notes outside the trash, let a page of a long
-- list be read without sorting every note.
DROP INDEX IF EXISTS notes_by_updated_at;
CREATE INDEX notes_listed_by_updated ON notes (pinned DESC, updated_at DESC, id)
    WHERE deleted_at IS NULL;
CREATE INDEX notes_listed_by_created ON notes (pinned DESC, created_at DESC, id)
    WHERE deleted_at IS NULL;
