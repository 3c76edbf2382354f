//! `GET /sync/events`: a user's server version, as it changes. Pokes only:
//! the data itself is pulled with `POST /sync`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderName;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use protocol::Poke;

use crate::accounts::{Session, now};
use crate::error::ApiError;
use crate::extract::SignedIn;
use crate::live::Subscription;
use crate::state::AppState;

/// nginx (and proxies that follow it) would otherwise hold the stream's
/// events back until a buffer fills.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

pub async fn events(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, ApiError> {
    let subscription = state
        .live
        .subscribe(session.user, session.digest)
        .map_err(|e| ApiError::TooManyStreams {
            open: e.open,
            max: e.max,
        })?;
    if subscription.needs_version() {
        // Registered first, read second: a commit in between pokes the
        // version this stream already waits on, and is not missed.
        let st = state.clone();
        let user = session.user;
        let version = tokio::task::spawn_blocking(move || st.stores.get(user)?.lock().db_version())
            .await
            .map_err(ApiError::internal)??;
        state.live.know(user, version);
    }
    let stream = pokes(state.clone(), subscription, session);
    Ok((
        [(X_ACCEL_BUFFERING, "no")],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(state.heartbeat)),
    )
        .into_response())
}

struct Open {
    state: AppState,
    subscription: Subscription,
    session: Session,
    told_first: bool,
}

/// The user's version now, then after each commit that changed it, until
/// the session ends or the server shuts down.
fn pokes(
    state: AppState,
    subscription: Subscription,
    session: Session,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let open = Open {
        state,
        subscription,
        session,
        told_first: false,
    };
    futures_util::stream::unfold(open, |mut open| async move {
        if !open.told_first {
            open.told_first = true;
            let version = *open.subscription.version.borrow_and_update();
            return Some((Ok(poke(version)), open));
        }
        loop {
            let idle_in = Duration::from_secs(
                u64::try_from(open.session.idle_at.saturating_sub(now())).unwrap_or(0) + 1,
            );
            tokio::select! {
                () = open.subscription.end.cancelled() => return None,
                changed = open.subscription.version.changed() => {
                    changed.ok()?;
                    let version = *open.subscription.version.borrow_and_update();
                    return Some((Ok(poke(version)), open));
                }
                () = tokio::time::sleep(idle_in) => {
                    // Requests may have used the session meanwhile.
                    open.session.idle_at = still_on(&open.state, open.session).await?;
                }
            }
        }
    })
}

/// When the session idles out now, or `None` if it has ended.
async fn still_on(state: &AppState, session: Session) -> Option<i64> {
    let state = state.clone();
    let found =
        tokio::task::spawn_blocking(move || state.accounts.session_idle_at(&session.digest))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
    found.unwrap_or_else(|error| {
        // The stream ends; its client reconnects and asks again.
        tracing::error!(%error, "cannot check a live stream's session");
        None
    })
}

fn poke(server_version: i64) -> Event {
    Event::default().data(Poke { server_version }.to_json())
}
