-- Notes, replicated with cr-sqlite. A CRR needs a NOT NULL primary key, no other
-- UNIQUE constraint, no foreign keys and a default on every NOT NULL column.
CREATE TABLE notes (
    id TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
);
SELECT crsql_as_crr('notes');
CREATE INDEX notes_by_updated_at ON notes (updated_at DESC);

-- This replica's sync cursors (local only, never replicated): how far local
-- changes were acknowledged by the server (a local db_version) and the server
-- version received. Written in the same transaction as the work they describe.
CREATE TABLE sync_state (
    key TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
