-- Schema 2: a note's text becomes rows of `lines`; history and trash.
-- The bodies of existing notes are moved into `lines` by Rust code
-- (notes/migrate.rs), which then drops `notes.body`.

-- One row per version of a line (see src/notes/lines.rs). A version is never
-- updated, only inserted or deleted, so everything but its text is in the
-- primary key: cr-sqlite then sends one change per new line (its text), not
-- one per column. `pos` is a cr-sqlite fractional-index key; `lineage` is the
-- line's identity, shared by its versions; the newest version (`edited_at`,
-- then `id`) of a lineage is shown, unless its text is NULL: a marker that
-- the line was removed while it had conflict copies. The key's order is the
-- note's order.
CREATE TABLE lines (
    note_id TEXT NOT NULL,
    pos TEXT NOT NULL,
    lineage TEXT NOT NULL,
    edited_at INTEGER NOT NULL,
    id TEXT NOT NULL,
    text TEXT,
    PRIMARY KEY (note_id, pos, lineage, edited_at, id)
);
SELECT crsql_as_crr('lines');

-- A note's text as it was before a burst of editing.
CREATE TABLE note_versions (
    id TEXT PRIMARY KEY NOT NULL,
    note_id TEXT NOT NULL DEFAULT '',
    saved_at INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX note_versions_by_note ON note_versions (note_id, saved_at);
SELECT crsql_as_crr('note_versions');

-- Trash: when the note was deleted; NULL while it is not in the trash.
SELECT crsql_begin_alter('notes');
ALTER TABLE notes ADD COLUMN deleted_at INTEGER;
SELECT crsql_commit_alter('notes');

-- Local, derived, never replicated: the list's titles and conflict counts,
-- recomputed for the notes the triggers mark (src/notes/index.rs).
CREATE TABLE note_index (
    note_id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    conflicts INTEGER NOT NULL
);
CREATE TABLE note_index_dirty (note_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
-- No OR IGNORE here: cr-sqlite merges with statements whose own conflict
-- clause would override the trigger's and fail on a note already marked.
CREATE TRIGGER lines_mark_inserted AFTER INSERT ON lines BEGIN
    INSERT INTO note_index_dirty SELECT NEW.note_id
    WHERE NOT EXISTS (SELECT 1 FROM note_index_dirty WHERE note_id = NEW.note_id);
END;
CREATE TRIGGER lines_mark_updated AFTER UPDATE ON lines BEGIN
    INSERT INTO note_index_dirty SELECT OLD.note_id
    WHERE NOT EXISTS (SELECT 1 FROM note_index_dirty WHERE note_id = OLD.note_id);
    INSERT INTO note_index_dirty SELECT NEW.note_id
    WHERE NOT EXISTS (SELECT 1 FROM note_index_dirty WHERE note_id = NEW.note_id);
END;
CREATE TRIGGER lines_mark_deleted AFTER DELETE ON lines BEGIN
    INSERT INTO note_index_dirty SELECT OLD.note_id
    WHERE NOT EXISTS (SELECT 1 FROM note_index_dirty WHERE note_id = OLD.note_id);
END;
