//! The wire contract between the app and the server, documented in
//! `docs/PROTOCOL.md`. Plain data: no I/O, no database, no async runtime.

pub mod account;
pub mod events;
pub mod sync;
pub mod value;

pub use account::{
    ACCOUNT_DELETED, Credentials, ErrorBody, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS,
    MIN_PASSWORD_BYTES, PasswordChange, PasswordConfirmation, SessionToken,
};
pub use events::{EVENTS_PATH, EventParser, Poke, StreamEvent, StreamItem};
pub use sync::{
    MAX_COUNTER, MAX_PUSHED_CHANGES, MAX_REQUEST_BYTES, PROTOCOL_VERSION, SITE_SHARED, Seen,
    SiteIdHex, SyncRequest, SyncResponse, WireChange,
};
pub use value::WireValue;
