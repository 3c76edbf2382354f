-- Replicated: each replica's name for itself (a browser, a computer), so a
-- conflict copy can say which device wrote it. A replica writes only the row
-- of its own site id (32 lowercase hex digits); a sync server refuses a push
-- that writes another site's row.
CREATE TABLE devices (
    site_id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);
SELECT crsql_as_crr('devices');
