-- Local only: the histories a server database has served (see `epochs.rs`).
-- One row each time a server opens the file; empty in a browser's replica.
-- A client names the epoch its cursors came from, and the server tells from
-- these rows whether it still holds that history (after a restore from a
-- backup it does not, and the client sends everything again).
CREATE TABLE server_epochs (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    first_version INTEGER NOT NULL
);
