//! HTTP to the server (docs/PROTOCOL.md): accounts, `POST /sync` and the
//! live stream. Failures become [`CliError`]s in words; the server's own
//! words are shown where it gives some.

use std::time::Duration;

use protocol::{Credentials, ErrorBody, SessionToken, SyncRequest, SyncResponse};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};

use crate::error::CliError;

/// The server's answer to a sync, or that this replica must take a new
/// identity (another copy shares it: PROTOCOL section 6).
pub enum Synced {
    Answer(Box<SyncResponse>),
    SiteShared,
}

pub struct Remote {
    base: String,
    client: Client,
}

impl Remote {
    pub fn new(url: &str) -> Result<Self, CliError> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CliError::Usage(format!(
                "\"{url}\" is not a server address; give one like https://notes.example.org"
            )));
        }
        let client = Client::builder()
            .user_agent(concat!("notes-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // The stream has no end; /sync answers have theirs (`send`).
            .timeout(None)
            .build()
            .map_err(|e| CliError::Usage(format!("cannot make an HTTP client: {e}")))?;
        Ok(Self { base, client })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    fn send(&self, request: RequestBuilder, within: Duration) -> Result<Response, CliError> {
        request
            .timeout(within)
            .send()
            .map_err(|e| CliError::Offline {
                url: self.base.clone(),
                why: if e.is_timeout() {
                    "timed out".into()
                } else {
                    "cannot connect".into()
                },
            })
    }

    pub fn create_account(&self, username: &str, password: &str) -> Result<(), CliError> {
        let r = self.send(
            self.client
                .post(format!("{}/api/accounts", self.base))
                .json(&credentials(username, password)),
            Duration::from_secs(60),
        )?;
        match r.status() {
            StatusCode::CREATED => Ok(()),
            StatusCode::CONFLICT => Err(CliError::Refused(format!(
                "the name \"{username}\" is taken; sign in without --create, or choose another"
            ))),
            _ => Err(refused(r)),
        }
    }

    pub fn sign_in(&self, username: &str, password: &str) -> Result<SessionToken, CliError> {
        let r = self.send(
            self.client
                .post(format!("{}/api/sessions", self.base))
                .json(&credentials(username, password)),
            Duration::from_secs(60),
        )?;
        if r.status() != StatusCode::OK {
            return Err(refused(r));
        }
        r.json().map_err(|_| bad_answer())
    }

    pub fn sign_out(&self, token: &str) -> Result<(), CliError> {
        let r = self.send(
            self.client
                .delete(format!("{}/api/sessions", self.base))
                .bearer_auth(token),
            Duration::from_secs(30),
        )?;
        match r.status() {
            // Already over: signed out all the same.
            StatusCode::NO_CONTENT | StatusCode::UNAUTHORIZED | StatusCode::GONE => Ok(()),
            _ => Err(refused(r)),
        }
    }

    pub fn sync(&self, token: &str, request: &SyncRequest) -> Result<Synced, CliError> {
        let r = self.send(
            self.client
                .post(format!("{}/sync", self.base))
                .bearer_auth(token)
                .json(request),
            Duration::from_secs(120),
        )?;
        if r.status() == StatusCode::OK {
            return r
                .json()
                .map(|a| Synced::Answer(Box::new(a)))
                .map_err(|_| bad_answer());
        }
        if r.status() == StatusCode::CONFLICT {
            let body: Option<ErrorBody> = r.json().ok();
            return match body {
                Some(ErrorBody {
                    code: Some(code), ..
                }) if code == "site_shared" => Ok(Synced::SiteShared),
                Some(body) => Err(CliError::Refused(body.error)),
                None => Err(bad_answer()),
            };
        }
        Err(refused(r))
    }

    /// Opens the live stream (PROTOCOL section 10); its body is read line
    /// by line by the caller.
    pub fn events(&self, token: &str) -> Result<Response, CliError> {
        let r = self
            .client
            .get(format!("{}/sync/events", self.base))
            .bearer_auth(token)
            .send()
            .map_err(|_| CliError::Offline {
                url: self.base.clone(),
                why: "cannot connect".into(),
            })?;
        if r.status() == StatusCode::OK {
            Ok(r)
        } else {
            Err(refused(r))
        }
    }
}

fn credentials(username: &str, password: &str) -> Credentials {
    Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    }
}

fn bad_answer() -> CliError {
    CliError::Refused("the server's answer could not be read; nothing was changed here".into())
}

/// A refusal in words: the server's own, and what to do.
fn refused(r: Response) -> CliError {
    let status = r.status();
    let retry = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(|s| format!(" (try again in {s} s)"))
        .unwrap_or_default();
    let words = r
        .json::<ErrorBody>()
        .map(|b| b.error)
        .unwrap_or_else(|_| status.to_string());
    match status {
        StatusCode::UNAUTHORIZED => CliError::Auth(format!("{words}; run `notes login` again")),
        StatusCode::GONE => CliError::Auth(format!(
            "{words}: the account was deleted; the notes on this computer are kept (`notes export` saves them)"
        )),
        s if s.is_server_error()
            && s != StatusCode::INSUFFICIENT_STORAGE
            && s != StatusCode::SERVICE_UNAVAILABLE =>
        {
            CliError::Refused(format!("the server failed ({words}); try again later"))
        }
        _ => CliError::Refused(format!("{words}{retry}")),
    }
}
