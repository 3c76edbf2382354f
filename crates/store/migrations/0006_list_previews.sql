-- Local, derived: the notes list shows a line of each note's text under its
-- title. Every note is marked so its preview is computed when a list first
-- shows it (src/notes/index.rs), not all at once here.
ALTER TABLE note_index ADD COLUMN preview TEXT NOT NULL DEFAULT '';
INSERT OR IGNORE INTO note_index_dirty SELECT id FROM notes;
