//! Messages between the UI (main thread) and the DB worker, and between
//! workers of different tabs. Typed, serde-encoded, each with a request id.

use serde::{Deserialize, Serialize};

/// A note in full (the worker's copy of `store::Note`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

/// A line of the notes list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: String,
    pub title: String,
    pub updated_at: i64,
}

/// What the UI asks of the database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    ListNotes {
        query: String,
    },
    GetNote {
        id: String,
    },
    /// Creates or replaces a note's text; idempotent, so safe to retry.
    SaveNote {
        id: String,
        body: String,
    },
    DeleteNote {
        id: String,
    },
    RestoreNote {
        note: Note,
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
    Sync,
}

/// The answer to a [`Request`], one variant per request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Notes(Vec<NoteSummary>),
    Note(Option<Note>),
    Saved,
    Deleted(Option<Note>),
    Restored,
    Status(Status),
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
    #[error("{0}")]
    Auth(String),
    #[error("{pending} note(s) have changes that are not synced yet")]
    Unsynced { pending: i64 },
    #[error("The database is not ready yet")]
    NotReady,
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
}

/// Between the workers of all tabs, over a BroadcastChannel.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
}
