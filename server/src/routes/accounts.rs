//! `/api/...`: sign up, sign in and out, and what a signed-in user does with
//! their account (password, sessions, deletion).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::{Credentials, PasswordChange, PasswordConfirmation, SessionToken};

use crate::accounts::{AccountError, SessionDigest, UserId, username_key};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer, SignedIn};
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
            AccountError::Deleted => Self::AccountDeleted,
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

/// Multi-node mode: `user`'s account as it is now, kept outside this node.
async fn keep_account(state: &AppState, user: UserId) -> Result<(), ApiError> {
    let Some(records) = state.records.clone() else {
        return Ok(());
    };
    let record = blocking(state.clone(), move |s| s.accounts.record(user)).await?;
    records
        .put_account(&record)
        .await
        .map_err(|e| ApiError::internal(format!("keeping an account: {e}")))
}

/// Multi-node mode: a new session, kept outside this node.
async fn keep_session(state: &AppState, token: &str) -> Result<(), ApiError> {
    let Some(records) = state.records.clone() else {
        return Ok(());
    };
    let t = token.to_owned();
    let record = blocking(state.clone(), move |s| s.accounts.session_record(&t)).await?;
    records
        .put_session(&crate::accounts::token_digest(token), &record)
        .await
        .map_err(|e| ApiError::internal(format!("keeping a session: {e}")))
}

/// Multi-node mode: an account changed here (a new password, deleted) and
/// sessions ended here, kept outside this node. Already done here, so a
/// failure is only logged: until a later change is kept, a node taking the
/// shard over would see the account and its sessions as they were.
async fn keep_changes(state: &AppState, user: Option<UserId>, ended: &[SessionDigest]) {
    let Some(records) = state.records.clone() else {
        return;
    };
    if let Some(user) = user
        && let Err(e) = keep_account(state, user).await
    {
        tracing::error!(user, error = %e, "an account's change could not be kept outside this node");
    }
    if let Err(e) = records.end_sessions(ended).await {
        tracing::error!(error = %e, "ended sessions could not be recorded outside this node");
    }
}

/// `POST /api/accounts`: sign up.
pub async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    // Checked before any hashing: a script creating accounts in bulk costs
    // the server nothing beyond these checks.
    let too_many = |wait: std::time::Duration| ApiError::TooManySignUps {
        retry_after_secs: wait.as_secs(),
    };
    state.sign_up_address_rate.check(&addr).map_err(too_many)?;
    state.sign_up_rate.check(&()).map_err(too_many)?;
    let username = c.username.clone();
    let user = hashing(state.clone(), move |s| {
        s.accounts.sign_up(&c.username, &c.password)
    })
    .await?;
    if let Err(e) = keep_account(&state, user).await {
        // Not kept outside this node: a node taking the shard over would
        // not know the account. Undone, and the person tries again.
        tracing::warn!(user, error = %e, "a new account could not be kept; undone");
        blocking(state, move |s| s.accounts.forget(user)).await?;
        return Err(ApiError::NotKept);
    }
    tracing::info!(user, "account created");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "username": username })),
    ))
}

/// Counts a password check against `name` from `addr`: per address, and per
/// name and address, so that guessing stays slow while nobody elsewhere can
/// lock the name's owner out.
fn check_password_rate(
    state: &AppState,
    name: &str,
    addr: std::net::IpAddr,
) -> Result<(), ApiError> {
    let too_many = |wait: std::time::Duration| ApiError::TooManySignIns {
        retry_after_secs: wait.as_secs(),
    };
    state.sign_in_address_rate.check(&addr).map_err(too_many)?;
    state
        .sign_in_rate
        .check(&(username_key(name), addr))
        .map_err(too_many)
}

/// `POST /api/sessions`: sign in.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Json<SessionToken>, ApiError> {
    // No account has such a name: no need to hash, nor to keep a bucket for it.
    if crate::accounts::validate_username(&c.username).is_err() {
        return Err(AccountError::WrongCredentials.into());
    }
    check_password_rate(&state, &c.username, addr)?;
    let name = c.username.clone();
    let Some(account) = blocking(state.clone(), move |s| s.accounts.find(&name)).await? else {
        // No account by that name: waiting as long as a check takes answers
        // about as fast as a wrong password, without a core or a hashing
        // slot that real sign-ins need.
        tokio::time::sleep(state.accounts.verify_time).await;
        return Err(AccountError::WrongCredentials.into());
    };
    let (token, username) = hashing(state.clone(), move |s| {
        if !crate::accounts::verify_password(&c.password, &account.password_hash)? {
            return Err(AccountError::WrongCredentials);
        }
        Ok((s.accounts.open_session(account.id)?, account.username))
    })
    .await?;
    if let Err(e) = keep_session(&state, &token).await {
        tracing::warn!(error = %e, "a new session could not be kept; ended");
        blocking(state, move |s| s.accounts.sign_out(&token)).await?;
        return Err(ApiError::NotKept);
    }
    Ok(Json(SessionToken { token, username }))
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
    keep_changes(&state, None, &[digest]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/account/sessions`: signs the account out everywhere, this
/// device included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<StatusCode, ApiError> {
    let user = session.user;
    let ended = blocking(state.clone(), move |s| s.accounts.end_sessions(user, None)).await?;
    state.live.end_sessions(user, &ended);
    keep_changes(&state, None, &ended).await;
    tracing::info!(user, sessions = ended.len(), "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a signed-in user's password again, with the sign-in limits.
async fn check_password(
    state: &AppState,
    user: UserId,
    addr: std::net::IpAddr,
    password: String,
) -> Result<(), ApiError> {
    let account = blocking(state.clone(), move |s| s.accounts.account(user)).await?;
    check_password_rate(state, &account.username, addr)?;
    let right = hashing(state.clone(), move |_| {
        crate::accounts::verify_password(&password, &account.password_hash)
    })
    .await?;
    if right {
        Ok(())
    } else {
        Err(ApiError::WrongPassword)
    }
}

/// `PUT /api/account/password`: a new password; every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    ClientAddr(addr): ClientAddr,
    ApiJson(c): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let user = session.user;
    check_password(&state, user, addr, c.password).await?;
    let ended = hashing(state.clone(), move |s| {
        s.accounts
            .change_password(user, &c.new_password, &session.digest)
    })
    .await?;
    state.live.end_sessions(user, &ended);
    keep_changes(&state, Some(user), &ended).await;
    tracing::info!(user, sessions_ended = ended.len(), "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/account`: the account, its sessions and its notes on the
/// server go; its devices keep theirs.
pub async fn delete_account(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    ClientAddr(addr): ClientAddr,
    ApiJson(c): ApiJson<PasswordConfirmation>,
) -> Result<StatusCode, ApiError> {
    let user = session.user;
    check_password(&state, user, addr, c.password).await?;
    let ended = blocking(state.clone(), move |s| s.accounts.delete(user)).await?;
    state.live.end_sessions(user, &ended);
    keep_changes(&state, Some(user), &ended).await;
    let removed = tokio::task::spawn_blocking(move || state.stores.remove(user)).await;
    if let Ok(Err(e)) | Err(e) = removed.map_err(std::io::Error::other) {
        // The account is gone already; the next start removes the file.
        tracing::error!(user, error = %e, "cannot remove a deleted account's database");
    }
    tracing::info!(user, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}
