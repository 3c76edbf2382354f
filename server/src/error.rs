//! Errors at the HTTP boundary. Clients get `{"error": "..."}` with a status
//! that says whose fault it is; internal details go to the log only.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::ErrorBody;
use store::StoreError;
use sync::SyncError;

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the accounts database: {0}")]
    Accounts(#[from] crate::accounts::AccountError),
    #[error("invalid setting: {0}")]
    Config(String),
    #[error(transparent)]
    Io(std::io::Error),
    /// The multi-node mode's coordination (NATS) could not start.
    #[error("cluster: {0}")]
    Cluster(String),
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// The request's site id is used by more than one replica (`code`:
    /// `site_shared`).
    #[error("{0}")]
    SiteShared(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body did not arrive in full in time (`--body-timeout`).
    #[error(
        "the request's body did not arrive within {secs} s; check the connection and try again"
    )]
    RequestTimeout { secs: u64 },
    #[error("too many requests; try again in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("too many sign-in attempts; try again in {retry_after_secs} s")]
    TooManySignIns { retry_after_secs: u64 },
    #[error("too many accounts were created recently; try again in {retry_after_secs} s")]
    TooManySignUps { retry_after_secs: u64 },
    /// A signed-in user typed a wrong password where it is asked again
    /// (their session is fine: not a 401).
    #[error("wrong password")]
    WrongPassword,
    /// The token's account was deleted (`code`: `account_deleted`).
    #[error(
        "this account was deleted, with everything the server kept of it; the notes on this \
         device stay here"
    )]
    AccountDeleted,
    /// The account has as many live streams open as allowed.
    #[error(
        "this account already has {open} live connections open (at most {max}: one per open \
         browser or device is enough); close the app somewhere, or try again in \
         {STREAMS_RETRY_AFTER_SECS} s"
    )]
    TooManyStreams { open: usize, max: usize },
    /// The user has as many `/sync` requests under way as allowed.
    #[error(
        "this account already has {max} syncs under way (from its devices or tabs); try again \
         in {SYNCS_RETRY_AFTER_SECS} s"
    )]
    TooManySyncs { max: usize },
    /// Every password-hashing slot stayed taken while the request waited.
    #[error("the server is busy signing other people in; try again in a few seconds")]
    Busy,
    /// Multi-node mode: the account's shard is between two nodes, or its
    /// node cannot be reached just now.
    #[error("this account's server is moving; try again in a moment")]
    Moving,
    /// Multi-node mode: an account's change could not be kept outside its
    /// node (NATS did not answer), so it was undone.
    #[error("the server could not keep this change just now; try again in a moment")]
    NotKept,
    #[error("not found")]
    NotFound,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// A user's database reached its size limit, or the disk is full: the
    /// words say what could not be done and what to do.
    #[error("{0}")]
    InsufficientStorage(&'static str),
    /// Our fault. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// When a client refused a `/sync` for too many under way may try again.
pub const SYNCS_RETRY_AFTER_SECS: u64 = 1;

/// When a client refused a live stream may try again.
pub const STREAMS_RETRY_AFTER_SECS: u64 = 30;

impl ApiError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

/// Why a Sync got 507.
pub const NO_ROOM_TO_SYNC: &str = "Sync could not finish: the server has no room to store your \
     changes (your account's space or the server's disk is full). They are safe on your device; \
     Sync again later, or ask the server's operator for more room";

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_disk_full() {
            tracing::warn!(error = %e, "a user's database is full");
            Self::InsufficientStorage(NO_ROOM_TO_SYNC)
        } else {
            Self::internal(e)
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::SchemaMismatch { .. } => Self::Conflict(e.to_string()),
            SyncError::SharedSite => Self::SiteShared(e.to_string()),
            SyncError::TooManyChanges { .. } => Self::TooLarge(e.to_string()),
            SyncError::Store(inner) => inner.into(),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Conflict(_) | Self::SiteShared(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::WrongPassword => StatusCode::FORBIDDEN,
            Self::AccountDeleted => StatusCode::GONE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. }
            | Self::TooManySignIns { .. }
            | Self::TooManySignUps { .. }
            | Self::TooManyStreams { .. }
            | Self::TooManySyncs { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy | Self::Moving | Self::NotKept => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "internal server error; your data is safe, try again later".to_owned()
            }
            other => other.to_string(),
        };
        let code = match self {
            Self::SiteShared(_) => Some(protocol::SITE_SHARED.to_owned()),
            Self::AccountDeleted => Some(protocol::ACCOUNT_DELETED.to_owned()),
            _ => None,
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: message,
                code,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        match self {
            Self::TooManyRequests { retry_after_secs }
            | Self::TooManySignIns { retry_after_secs }
            | Self::TooManySignUps { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::TooManySyncs { .. } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(SYNCS_RETRY_AFTER_SECS),
                );
            }
            Self::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(5));
            }
            Self::Moving | Self::NotKept => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(1));
            }
            Self::TooManyStreams { .. } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(STREAMS_RETRY_AFTER_SECS),
                );
            }
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}
