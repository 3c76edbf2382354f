//! `GET /metrics`: what the server is doing, in Prometheus' text format.
//! Counts only, never a name: the numbers of one account are nobody's business.

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::state::AppState;

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (streams, users) = state.live.open();
    let (opened, pokes) = state.live.totals();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        );
    };
    metric(
        "notes_live_streams",
        "gauge",
        "Open GET /sync/events streams.",
        streams as u64,
    );
    metric(
        "notes_live_users",
        "gauge",
        "Accounts with at least one open stream.",
        users as u64,
    );
    metric(
        "notes_live_streams_opened_total",
        "counter",
        "Streams opened since the server started.",
        opened,
    );
    metric(
        "notes_live_pokes_total",
        "counter",
        "Commits that woke the streams of their account.",
        pokes,
    );
    metric(
        "notes_open_databases",
        "gauge",
        "User databases open in the cache.",
        state.stores.len() as u64,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
