-- Local only: what a server database knows of each site that syncs with it
-- (see `sites.rs`); empty in a browser's replica. Two replicas of one file
-- share a site id, and a server never sends a site its own changes, so they
-- would never see each other's edits: these rows let the server notice.
-- `head` is the highest database version the site reported; `old_*` and
-- `last_*` are (db_version, seq) ranges of the site's acknowledged pushes:
-- the latest one, and the hull of those before it.
CREATE TABLE server_sites (
    site_id BLOB PRIMARY KEY NOT NULL,
    head INTEGER NOT NULL,
    old_lo_version INTEGER,
    old_lo_seq INTEGER,
    old_hi_version INTEGER,
    old_hi_seq INTEGER,
    last_lo_version INTEGER,
    last_lo_seq INTEGER,
    last_hi_version INTEGER,
    last_hi_seq INTEGER,
    shared INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
