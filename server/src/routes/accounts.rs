use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::{Credentials, SessionToken};

use crate::accounts::AccountError;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;

/// Why signing up, in or out got 507.
const NO_ROOM_FOR_ACCOUNTS: &str = "The server's disk is full, so it cannot create your account \
     or sign you in or out right now. Your notes are safe on this device; try again later, or ask \
     the server's operator for more room";

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(_) => Self::BadRequest(e.to_string()),
            AccountError::Taken => Self::Conflict(e.to_string()),
            AccountError::WrongCredentials => Self::Unauthorized("wrong username or password"),
            AccountError::BadToken => {
                Self::Unauthorized("invalid or expired session; sign in again")
            }
            _ if e.is_disk_full() => {
                tracing::warn!(error = %e, "the accounts database is full");
                Self::InsufficientStorage(NO_ROOM_FOR_ACCOUNTS)
            }
            AccountError::Db(_) | AccountError::Hash(_) => Self::internal(e),
        }
    }
}

/// Runs blocking account work (SQLite, argon2) off the async threads.
async fn blocking<T: Send + 'static>(
    state: AppState,
    f: impl FnOnce(&AppState) -> Result<T, AccountError> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(ApiError::internal)??)
}

/// Runs `f`, which hashes a password, once a hashing permit is free: each
/// argon2 hash takes 19 MiB and a core for a while, and a flood of sign-ins
/// must queue rather than exhaust the server. The permit goes with the work,
/// so a client that hangs up does not free it early.
async fn hashing<T: Send + 'static>(
    state: AppState,
    f: impl FnOnce(&AppState) -> Result<T, AccountError> + Send + 'static,
) -> Result<T, ApiError> {
    let waiting = state.telemetry.hash_waiting();
    let permit = tokio::time::timeout(
        state.password_queue_wait,
        state.password_hashes.clone().acquire_owned(),
    )
    .await
    .map_err(|_| ApiError::Busy)?
    .map_err(ApiError::internal)?;
    let running = waiting.running();
    blocking(state, move |s| {
        let _permit = (permit, running);
        f(s)
    })
    .await
}

/// `POST /api/accounts`: sign up.
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let username = c.username.clone();
    let user = hashing(state, move |s| s.accounts.sign_up(&c.username, &c.password)).await?;
    tracing::info!(user, "account created");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "username": username })),
    ))
}

/// `POST /api/sessions`: sign in.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Json<SessionToken>, ApiError> {
    // No account has such a name: no need to hash, nor to keep a bucket for it.
    if crate::accounts::validate_username(&c.username).is_err() {
        return Err(AccountError::WrongCredentials.into());
    }
    state
        .sign_in_rate
        .check(&c.username)
        .map_err(|wait| ApiError::TooManySignIns {
            retry_after_secs: wait.as_secs(),
        })?;
    let token = hashing(state, move |s| s.accounts.sign_in(&c.username, &c.password)).await?;
    Ok(Json(SessionToken { token }))
}

/// `DELETE /api/sessions`: sign out (revokes the bearer token).
pub async fn sign_out(
    State(state): State<AppState>,
    Bearer(token): Bearer,
) -> Result<StatusCode, ApiError> {
    let digest = crate::accounts::token_digest(&token);
    let user = blocking(state.clone(), move |s| s.accounts.sign_out(&token)).await?;
    // Its live streams end now, not when they next look at the session.
    state.live.end_session(user, &digest);
    Ok(StatusCode::NO_CONTENT)
}
