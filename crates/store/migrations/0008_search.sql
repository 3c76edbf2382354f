-- Local, derived: full-text search over each note's title and text, its
-- conflict copies included (src/notes/search.rs). Never a CRR, and never
-- written by a trigger (cr-sqlite's merge would override its conflict
-- clauses): the notes the existing triggers mark in note_index_dirty are
-- indexed in Rust after the save or merge that marked them. A row's rowid is
-- its note's rowid in note_index. Accents and case are folded ("cafe" finds
-- "Café"); prefixes of one to three characters have their own index, so
-- that a word still being typed is found at once.
CREATE VIRTUAL TABLE note_search USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);
-- Every note is indexed again, a batch at a time (Store::index_pending).
INSERT OR IGNORE INTO note_index_dirty SELECT id FROM notes;
