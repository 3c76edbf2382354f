//! Messages between the UI (main thread) and the DB worker, and between
//! workers of different tabs. Typed, each with a request id; `crate::wire`
//! encodes them.

use serde::{Deserialize, Serialize};

/// A version of a line that lost to a concurrent edit on another device
/// (the worker's copy of `store::Conflict`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub line_id: String,
    pub text: String,
    /// What the line shows instead; `None` if the line was removed.
    pub current: Option<String>,
    /// 1-based line number in the note.
    pub line_number: usize,
    pub edited_at: i64,
    /// The devices that wrote this version and the line shown.
    pub by: Option<Device>,
    pub current_by: Option<Device>,
}

/// A device that wrote something, as it named itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub name: String,
    /// The device this is.
    pub this_one: bool,
}

/// A note in full (the worker's copy of `store::Note`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// When it went to the trash; `None` if it is not there.
    pub deleted_at: Option<i64>,
    /// Heads the list.
    #[serde(default)]
    pub pinned: bool,
    pub conflicts: Vec<Conflict>,
    /// The store's revision when this was read: the note is unchanged while
    /// the revision is (see `store::Store::revision`).
    pub revision: i64,
}

/// A line of the notes list, or of the trash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
    /// Conflict copies waiting in the note.
    pub conflicts: u32,
    pub deleted_at: Option<i64>,
    /// A line of its text under the title (absent from a first page kept by
    /// an older release).
    #[serde(default)]
    pub preview: String,
    /// For a search: its text around the matches, each match between
    /// `store::MATCH_START` and `store::MATCH_END`.
    #[serde(default)]
    pub snippet: Option<String>,
    #[serde(default)]
    pub pinned: bool,
}

/// The order of the notes list; pinned notes come first in each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Last edited first.
    #[default]
    Edited,
    /// Last created first.
    Created,
    /// By title, A to Z.
    Title,
}

/// A tag (`#word` in a note's text) and how many notes carry it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// Lowercase, without its `#`.
    pub name: String,
    pub notes: u32,
}

/// An entry of a note's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub id: String,
    /// When the note last had this text.
    pub saved_at: i64,
    pub title: String,
    pub line_count: usize,
}

/// A version of a note in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub id: String,
    pub note_id: String,
    pub saved_at: i64,
    pub body: String,
}

/// What the UI asks of the database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// The first `limit` notes matching `query` (all if it is empty; best
    /// first for a search, else pinned first, then in `sort`'s order),
    /// only those tagged `tag` if it is given.
    ListNotes {
        query: String,
        limit: u32,
        #[serde(default)]
        sort: Sort,
        #[serde(default)]
        tag: Option<String>,
    },
    /// Every tag of the notes outside the trash, A to Z.
    ListTags,
    /// Pins a note (it heads the list on every device) or unpins it.
    SetPinned {
        id: String,
        pinned: bool,
    },
    /// `known`: the revision of the copy the asker has; if nothing changed
    /// since, the answer is `NoteUnchanged` instead of the whole text again.
    GetNote {
        id: String,
        known: Option<i64>,
    },
    /// Creates or replaces a note's text; idempotent, so safe to retry.
    SaveNote {
        id: String,
        body: String,
    },
    /// Replaces lines `from..from + removed` of the note's text as read or
    /// saved at revision `base` with `inserted` (lines joined with `\n`):
    /// typing into a long note sends the lines typed into, not all of it.
    /// Answered `Stale` if the note may have changed since `base`.
    SaveLines {
        id: String,
        base: i64,
        from: u32,
        removed: u32,
        inserted: String,
    },
    /// Moves a note to the trash.
    DeleteNote {
        id: String,
    },
    /// Takes a note out of the trash.
    RestoreNote {
        id: String,
    },
    /// The notes in the trash; those matching `query` (best first) if it
    /// holds a word.
    ListTrash {
        query: String,
    },
    /// Deletes a trashed note for good.
    DeleteForever {
        id: String,
    },
    EmptyTrash,
    History {
        note_id: String,
    },
    GetVersion {
        version_id: String,
    },
    RestoreVersion {
        note_id: String,
        version_id: String,
    },
    /// Makes a conflict copy the line shown.
    KeepLineVersion {
        note_id: String,
        line_id: String,
    },
    DismissLineVersion {
        note_id: String,
        line_id: String,
    },
    Status,
    SignIn {
        username: String,
        password: String,
        create_account: bool,
    },
    /// Refused while local changes are unsynced, unless `discard_unsynced`.
    SignOut {
        discard_unsynced: bool,
    },
    /// A new password for the signed-in account (the current one checks it
    /// is its owner); the account's other sessions end.
    ChangePassword {
        password: String,
        new_password: String,
    },
    /// Ends every session of the account, this browser's included (it then
    /// asks for the password, keeping its notes).
    SignOutEverywhere,
    /// Deletes the signed-in account on the server; its notes stay here,
    /// without an account.
    DeleteAccount {
        password: String,
    },
    /// A round now; answered when a round started after the request ends.
    Sync,
    /// Whether this browser syncs by itself (on by default).
    SetAutoSync(bool),
    /// A tab became visible or hidden, or the network came or went, as the
    /// tab's page sees it.
    Presence {
        visible: bool,
        online: bool,
    },
    /// Deletes a note for good if it holds no words, nor did before: a new
    /// note left empty. Answered whether it was deleted.
    DiscardIfEmpty {
        id: String,
    },
    /// Keeps a conflict copy as a line of its own after the line shown.
    KeepBothLineVersions {
        note_id: String,
        line_id: String,
    },
    /// What this device calls itself on other devices (conflict copies).
    SetDeviceName(String),
    /// Every note, trashed ones included, with its saved versions: what
    /// the transfer worker turns into a zip.
    ExportData,
    /// One note as a Markdown file.
    ExportNote {
        id: String,
    },
    /// Saves notes the transfer worker read from files (in one
    /// transaction); those whose id is here already are left as they are.
    /// An import sends a few hundred at a time, so that other tabs' saves go
    /// between.
    ImportNotes {
        notes: Vec<portable::Incoming>,
    },
}

impl Request {
    /// Requests that only read: after anything else, every tab re-reads.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Self::ListNotes { .. }
                | Self::ListTags
                | Self::GetNote { .. }
                | Self::ListTrash { .. }
                | Self::History { .. }
                | Self::GetVersion { .. }
                | Self::Status
                | Self::SetAutoSync(_)
                | Self::Presence { .. }
                | Self::ExportData
                | Self::ExportNote { .. }
        )
    }
}

/// The answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Notes(Vec<NoteSummary>),
    /// A page of the notes list, and how many notes the whole list has.
    NoteList {
        notes: Vec<NoteSummary>,
        total: u32,
    },
    Note(Option<Note>),
    NoteUnchanged,
    /// The note's revision after the save.
    Saved(i64),
    /// A `SaveLines` was not applied: send the whole text.
    Stale,
    /// Whether the request found what it was about (a note to delete or
    /// restore, a conflict copy, a version).
    Done(bool),
    /// How many notes were deleted for good.
    Emptied(usize),
    History(Vec<VersionSummary>),
    Version(Option<Version>),
    Status(Status),
    Tags(Vec<Tag>),
    /// A file to download.
    File {
        name: String,
        mime: String,
        bytes: Vec<u8>,
    },
    /// Every note, for an export.
    ExportData(Vec<portable::ExportedNote>),
    /// What an `ImportNotes` did: notes new here, and notes already here.
    ImportSaved {
        added: u32,
        already_here: u32,
    },
}

/// Where the replica stands, for the status line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// The signed-in username; `None` for the local notebook.
    pub account: Option<String>,
    /// Notes with local changes the server has not acknowledged.
    pub pending_changes: i64,
    /// When the last sync finished, ms since the epoch.
    pub last_synced_ms: Option<f64>,
    pub syncing: bool,
    /// Why the last sync failed, if it did.
    pub last_error: Option<String>,
    /// The server refused this browser's session (it went unused too long,
    /// or was ended there): signing in again as `account` lets Sync go on.
    pub session_ended: bool,
    /// Syncs by itself (the "Sync automatically" setting of this browser).
    pub auto_sync: bool,
    pub live: Live,
    /// When the next attempt to reach the server is due, ms since the epoch.
    pub retry_at_ms: Option<f64>,
    /// No network, or the server did not answer the last attempt.
    pub offline: bool,
    /// The server refused this release's schema: only a reload (a newer
    /// release) can sync again.
    pub reload_needed: bool,
    /// What this device calls itself on other devices.
    pub device_name: String,
    /// When the leader made this status: a status drawn late (a broadcast
    /// that crossed the answer to a click) must not undo a newer one.
    pub stamp: StatusStamp,
}

/// Orders statuses: by the leader that made them (a later leader's are
/// newer), then by when it made them.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct StatusStamp {
    /// When the leader that made it started, ms since the epoch.
    pub leader_since_ms: f64,
    /// How many statuses that leader had made before.
    pub n: u64,
}

/// Where live sync stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Live {
    /// No account, or automatic sync is off.
    #[default]
    Off,
    Connecting,
    /// Changes arrive as they are made.
    Live,
    /// Live updates do not get through this network: checking every 30 s.
    Polling,
    /// Waiting to try again, until `Status::retry_at_ms`.
    Retrying,
    /// Every tab is in the background: the connection rests.
    Paused,
    /// Stopped until the user acts (signs in again, reloads the app).
    Stopped,
}

/// Why a request failed, in words for the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum RpcError {
    #[error("Storage problem: {0}")]
    Storage(String),
    #[error("You are offline or the server is unreachable: {0}")]
    Offline(String),
    #[error("{0}")]
    Server(String),
    /// The server has moved to another schema: a newer release of the app
    /// (a reload) is needed to sync.
    #[error("{0}")]
    Outdated(String),
    #[error("{0}")]
    Auth(String),
    /// The server no longer takes this browser's session: the user signs in
    /// again, and nothing on this device is lost.
    #[error("{0}")]
    SessionEnded(String),
    /// The account is gone from the server: this device keeps its notes
    /// without an account.
    #[error("{0}")]
    AccountDeleted(String),
    /// Not done, for a reason in what was asked that the user can change.
    #[error("{0}")]
    Refused(String),
    #[error("{pending} note(s) have changes that are not synced yet")]
    Unsynced { pending: i64 },
    #[error("The database is not ready yet")]
    NotReady,
    #[error("Unexpected answer from the database")]
    Unexpected,
}

pub type RpcResult = Result<Response, RpcError>;

/// UI → its tab's worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Call {
    pub id: u64,
    pub request: Request,
}

/// Worker → its tab's UI.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ToUi {
    /// The worker listens now; messages posted before this were lost, so the
    /// UI holds its calls until it arrives.
    Ready,
    Reply {
        id: u64,
        result: RpcResult,
    },
    /// The notes changed (in any tab, or by a sync): re-read what is shown.
    Changed,
    /// The database could not be opened; the app cannot work until fixed.
    Fatal(String),
    /// Another tab runs a release whose messages this one cannot read.
    OtherRelease,
    /// Sync's state changed (a round started or ended, the connection to
    /// the server came or went).
    Status(Status),
}

/// Between the workers of all tabs, over a BroadcastChannel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Peer {
    /// A follower's request for the leader.
    Forward {
        from: String,
        id: u64,
        request: Request,
    },
    /// The leader's answer to a forwarded request.
    Answer {
        to: String,
        id: u64,
        result: RpcResult,
    },
    /// A (new) leader is ready: followers resend what is unanswered.
    LeaderReady,
    /// The leader's data changed.
    Changed,
    Fatal(String),
    /// Sync's state changed.
    Status(Status),
}
