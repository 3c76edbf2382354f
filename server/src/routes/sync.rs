use axum::Json;
use axum::extract::State;
use protocol::{SyncRequest, SyncResponse};

use crate::error::ApiError;
use crate::extract::{ApiJson, SyncTurn};
use crate::state::AppState;

/// `POST /sync`: merge the client's changes into its user's database and
/// answer with a page of changes it has not seen.
pub async fn sync(
    State(state): State<AppState>,
    // Before the body: a request over the user's rate or number of syncs
    // under way is refused without reading it.
    SyncTurn { user, slot }: SyncTurn,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
    let _answering = state.telemetry.sync_timer();
    let pushed = request.changes.len();
    let st = state.clone();
    let response = tokio::task::spawn_blocking(move || {
        // Given back when this work ends, not when the request does: a
        // client that hangs up does not free a blocking thread.
        let _slot = slot;
        // Decoded before the user's database is taken: another device of
        // the same user waits only for the merge.
        let push = sync::server::decode(&request, &st.limits)?;
        drop(request);
        let store = st.stores.get(user)?;
        let mut store = store.lock();
        // Deleted while this request waited: nothing is written for it.
        if st.stores.is_gone(user) {
            return Err(ApiError::AccountDeleted);
        }
        if !push.changes().is_empty() && st.stores.is_full(user, &store) {
            return Err(ApiError::InsufficientStorage(crate::error::NO_ROOM_TO_SYNC));
        }
        let _merging = st.telemetry.merge_timer();
        let answer =
            sync::server::merge_and_answer(&mut store, &push, &st.limits).map_err(|e| {
                if let sync::SyncError::Store(inner) = &e
                    && !inner.is_disk_full()
                {
                    tracing::error!(user, error = %inner, "sync failed");
                }
                ApiError::from(e)
            })?;
        // Committed: the user's other devices hear of it. Read under the
        // database's lock, so that pokes go out in the order of the commits.
        if !push.changes().is_empty() && st.live.is_watched(user) {
            match store.db_version() {
                Ok(version) => st.live.poke(user, version),
                Err(e) => tracing::warn!(user, error = %e, "cannot read the version to poke"),
            }
        }
        Ok::<_, ApiError>(answer)
    })
    .await
    .map_err(ApiError::internal)??;
    tracing::info!(
        user,
        pushed,
        pulled = response.changes.len(),
        more = response.more,
        "sync"
    );
    state.telemetry.synced(pushed, response.changes.len());
    Ok(Json(response))
}
