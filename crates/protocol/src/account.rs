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
}

/// Every error answer: what is wrong, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// What a program should do about it, where the status alone does not
    /// say (`site_shared` on a 409 from `/sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
