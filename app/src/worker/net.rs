//! HTTP calls from the leader worker to the server (same origin), with
//! failures turned into words for the user.

use std::future::Future;
use std::pin::pin;

use futures::future::{Either, select};
use gloo_net::http::{Request, Response};
use gloo_timers::future::TimeoutFuture;
use protocol::{
    Credentials, ErrorBody, PasswordChange, PasswordConfirmation, SessionToken, SyncRequest,
    SyncResponse,
};
use web_sys::{AbortController, AbortSignal};

use crate::rpc::RpcError;

/// A `/sync` whose answer has not begun this long after it was sent is lost
/// (a connection that died without the browser noticing): it fails like any
/// network error, so that the round ends and is tried again instead of
/// "Syncing…" staying until a reload. Its body then has this much longer.
const ANSWER_WITHIN_MS: u32 = 60_000;
const BODY_WITHIN_MS: u32 = 120_000;

/// No answer. The browser's own words ("TypeError: Failed to fetch") mean
/// nothing to a user: they go to the console, and the user reads what
/// happened and that nothing is lost.
fn offline(e: gloo_net::Error) -> RpcError {
    web_sys::console::warn_1(&format!("notes: no answer from the server: {e}").into());
    RpcError::Offline("your notes are safe on this device.".into())
}

/// The server's own words for a failed request.
async fn words(r: Response) -> String {
    let status = r.status();
    match r.json::<ErrorBody>().await {
        Ok(body) => body.error,
        Err(_) => format!("the server answered {status}"),
    }
}

/// A failed request, in words for the user.
async fn refused(r: Response) -> RpcError {
    let status = r.status();
    let message = words(r).await;
    match status {
        401 => RpcError::Auth(format!("{message}.")),
        410 => account_deleted(),
        // Too many requests or sign-in attempts, or too many sign-ins at
        // once: the server's words say how long to wait.
        429 | 503 => RpcError::Server(format!("The server asks you to wait: {message}.")),
        // Its disk, or this account's space there, is full: the server's
        // words say what could not be done and what to do.
        507 => RpcError::Server(format!("{message}.")),
        500..=599 => RpcError::Server(format!("The server failed ({message}). Try again later.")),
        _ => RpcError::Server(message),
    }
}

fn credentials(username: &str, password: &str) -> Credentials {
    Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    }
}

/// POSTs a JSON body (with the session token, if any) to the server.
async fn post_json(
    path: &str,
    token: Option<&str>,
    body: &impl serde::Serialize,
    signal: Option<&AbortSignal>,
) -> Result<Response, RpcError> {
    let mut request = Request::post(path).abort_signal(signal);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    request
        .json(body)
        .map_err(|e| RpcError::Server(e.to_string()))?
        .send()
        .await
        .map_err(offline)
}

/// Creates an account; `Ok(false)` if the username already exists.
pub async fn create_account(username: &str, password: &str) -> Result<bool, RpcError> {
    let r = post_json(
        "/api/accounts",
        None,
        &credentials(username, password),
        None,
    )
    .await?;
    match r.status() {
        201 => Ok(true),
        409 => Ok(false),
        _ => Err(refused(r).await),
    }
}

/// Signs in; returns the session token and the account's name as spelled
/// at sign-up (which may differ from what was typed in case or width).
pub async fn sign_in(username: &str, password: &str) -> Result<SessionToken, RpcError> {
    let r = post_json(
        "/api/sessions",
        None,
        &credentials(username, password),
        None,
    )
    .await?;
    if r.status() != 200 {
        return Err(refused(r).await);
    }
    r.json()
        .await
        .map_err(|e| RpcError::Server(format!("unreadable answer from the server: {e}")))
}

/// A signed-in request to `/api/account...` that answers 204 when done.
async fn account_request(
    method: gloo_net::http::Method,
    path: &str,
    token: &str,
    body: Option<&impl serde::Serialize>,
) -> Result<(), RpcError> {
    let request = gloo_net::http::RequestBuilder::new(path)
        .method(method)
        .header("Authorization", &format!("Bearer {token}"));
    let request = match body {
        Some(body) => request
            .json(body)
            .map_err(|e| RpcError::Server(e.to_string()))?,
        None => request
            .build()
            .map_err(|e| RpcError::Server(e.to_string()))?,
    };
    let r = request.send().await.map_err(offline)?;
    match r.status() {
        204 => Ok(()),
        401 => Err(session_ended()),
        403 => Err(RpcError::Refused(
            "That is not your current password; nothing was changed.".into(),
        )),
        _ => Err(refused(r).await),
    }
}

/// Sets a new password; the account's other sessions end.
pub async fn change_password(
    token: &str,
    password: &str,
    new_password: &str,
) -> Result<(), RpcError> {
    let body = PasswordChange {
        password: password.to_owned(),
        new_password: new_password.to_owned(),
    };
    account_request(
        gloo_net::http::Method::PUT,
        "/api/account/password",
        token,
        Some(&body),
    )
    .await
}

/// Ends every session of the account, this browser's included.
pub async fn sign_out_everywhere(token: &str) -> Result<(), RpcError> {
    account_request(
        gloo_net::http::Method::DELETE,
        "/api/account/sessions",
        token,
        None::<&()>,
    )
    .await
}

/// Deletes the account and everything the server kept of it.
pub async fn delete_account(token: &str, password: &str) -> Result<(), RpcError> {
    let body = PasswordConfirmation {
        password: password.to_owned(),
    };
    account_request(
        gloo_net::http::Method::DELETE,
        "/api/account",
        token,
        Some(&body),
    )
    .await
}

/// Revokes the session on the server.
pub async fn sign_out(token: &str) -> Result<(), RpcError> {
    let r = Request::delete("/api/sessions")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(offline)?;
    match r.status() {
        204 | 401 => Ok(()),
        _ => Err(refused(r).await),
    }
}

/// A `/sync` that failed, and how long the server asked to wait.
#[derive(Debug)]
pub struct Refusal {
    pub error: RpcError,
    /// The answer's `Retry-After`, in ms; 0 if none.
    pub retry_after_ms: u64,
    /// Another replica syncs with this one's site id (a copied profile):
    /// take a new one and sync from the start.
    pub site_shared: bool,
}

impl From<RpcError> for Refusal {
    fn from(error: RpcError) -> Self {
        Self {
            error,
            retry_after_ms: 0,
            site_shared: false,
        }
    }
}

/// The `Retry-After` of an answer, in ms (seconds on the wire); 0 if none.
pub fn retry_after_ms(r: &Response) -> u64 {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |secs| secs.saturating_mul(1_000))
}

/// `work`, unless it takes longer than `ms`: then `abort` is aborted.
async fn within<T>(ms: u32, abort: &AbortController, work: impl Future<Output = T>) -> Option<T> {
    match select(pin!(work), TimeoutFuture::new(ms)).await {
        Either::Left((done, _)) => Some(done),
        Either::Right(_) => {
            abort.abort();
            None
        }
    }
}

fn no_answer(what: &str) -> RpcError {
    RpcError::Offline(format!("{what}; your notes are safe on this device."))
}

/// One `/sync` round trip.
pub async fn sync(token: &str, request: &SyncRequest) -> Result<SyncResponse, Refusal> {
    let abort = AbortController::new().map_err(|_| RpcError::Unexpected)?;
    let r = within(
        ANSWER_WITHIN_MS,
        &abort,
        post_json("/sync", Some(token), request, Some(&abort.signal())),
    )
    .await
    .ok_or_else(|| {
        no_answer(&format!(
            "the server did not answer for {} s",
            ANSWER_WITHIN_MS / 1000
        ))
    })??;
    if r.status() == 409 {
        let body = r.json::<ErrorBody>().await.ok();
        if let Some(ErrorBody { error, code }) = &body
            && code.as_deref() == Some(protocol::SITE_SHARED)
        {
            return Err(Refusal {
                error: RpcError::Server(error.clone()),
                retry_after_ms: 0,
                site_shared: true,
            });
        }
        // The server's schema is another one: what the user can do is load
        // the app's newest release, which the service worker may already have.
        let why = body.map_or_else(|| "the server answered 409".to_owned(), |b| b.error);
        return Err(Refusal::from(RpcError::Outdated(format!(
            "This version of the app cannot sync with the server ({why}). Reload the page to \
             update the app, then Sync again; your notes are safe on this device."
        ))));
    }
    if r.status() == 401 {
        return Err(session_ended().into());
    }
    if r.status() == 410 {
        return Err(account_deleted().into());
    }
    if r.status() != 200 {
        let retry_after_ms = retry_after_ms(&r);
        return Err(Refusal {
            error: refused(r).await,
            retry_after_ms,
            site_shared: false,
        });
    }
    // Parsed from the bytes: `json()` would decode them into a JS string and
    // copy that back into wasm as UTF-8, a visible share of a big first sync.
    let body = within(BODY_WITHIN_MS, &abort, r.binary())
        .await
        .ok_or_else(|| {
            no_answer(&format!(
                "the server's answer did not finish arriving within {} s",
                BODY_WITHIN_MS / 1000
            ))
        })?
        .map_err(offline)?;
    serde_json::from_slice(&body)
        .map_err(|e| RpcError::Server(format!("unreadable answer from the server: {e}")).into())
}

/// The server no longer takes this browser's session.
pub fn session_ended() -> RpcError {
    RpcError::SessionEnded(
        "This browser's sign-in has ended (unused for a long time, or ended on the server). \
         Enter your password to sign in again; your notes are safe on this device."
            .into(),
    )
}

/// The account was deleted (here or on another device).
pub fn account_deleted() -> RpcError {
    RpcError::AccountDeleted(
        "This account was deleted, with everything the server kept of it. Its notes stay on \
         this device, in the notebook without an account; sign in or create an account to sync \
         them again."
            .into(),
    )
}
