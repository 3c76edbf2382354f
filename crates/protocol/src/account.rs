//! Bodies of the account endpoints.

use serde::{Deserialize, Serialize};

/// Longest username, in characters (docs/PROTOCOL.md section 3).
pub const MAX_USERNAME_CHARS: usize = 64;
/// Shortest and longest password, in UTF-8 bytes.
pub const MIN_PASSWORD_BYTES: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// `POST /api/accounts` and `POST /api/sessions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The answer to a successful `POST /api/sessions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionToken {
    pub token: String,
    /// The account's name as spelled at sign-up: "ALICE" signs in to
    /// "alice", and a client keys its local data by this spelling.
    pub username: String,
}

/// `PUT /api/account/password`: the current password, and the new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub password: String,
    pub new_password: String,
}

/// `DELETE /api/account`: the password, asked again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    pub password: String,
}

/// The `code` of a `410` answer to a token whose account was deleted: the
/// client stops syncing for good and keeps its notes as local ones.
pub const ACCOUNT_DELETED: &str = "account_deleted";

/// Every error answer: what is wrong, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// What a program should do about it, where the status alone does not
    /// say (`site_shared` on a 409 from `/sync`, `account_deleted` on a 410).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
