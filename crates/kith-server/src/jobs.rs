//! Background jobs, scheduled in the database (see `kith_store` jobs): they survive restarts,
//! and with several instances each due run happens on one of them.

use crate::AppState;
use kith_store::{StoreError, now_millis};
use std::time::Duration;

/// Deletes records that have been in the trash longer than `KITH_TRASH_RETENTION_DAYS`.
pub const PURGE_TRASH: &str = "purge_trash";
const PURGE_EVERY_MS: i64 = 60 * 60 * 1000;
/// How long a claimed run may take before another instance may take it over.
const LOCK_MS: i64 = 30 * 60 * 1000;

/// Schedules the recurring jobs that are not scheduled yet (an existing schedule is kept).
pub async fn schedule(state: &AppState) -> Result<(), StoreError> {
    state
        .db
        .ensure_job(PURGE_TRASH, now_millis() + PURGE_EVERY_MS)
        .await
}

/// Runs every job that is due and not running elsewhere; returns how many ran.
pub async fn run_due(state: &AppState) -> Result<usize, StoreError> {
    if !state.db.claim_job(PURGE_TRASH, LOCK_MS).await? {
        return Ok(0);
    }
    let outcome = purge_trash(state).await;
    let error = outcome.as_ref().err().map(ToString::to_string);
    match &outcome {
        Ok(purged) => tracing::info!(purged, "trash purge finished"),
        Err(e) => tracing::error!(error = %e, "trash purge failed; it runs again at its next turn"),
    }
    state
        .db
        .finish_job(PURGE_TRASH, now_millis() + PURGE_EVERY_MS, error.as_deref())
        .await?;
    outcome.map(|_| 1)
}

async fn purge_trash(state: &AppState) -> Result<u64, StoreError> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(state.config.trash_retention).unwrap_or_default();
    let mut purged = 0;
    for workspace_id in state.db.workspace_ids().await? {
        let data = state.db.data_for_system_job(workspace_id).await?;
        let catalog = data.objects().await?;
        purged += data.purge_trash(&catalog, cutoff).await?;
    }
    Ok(purged)
}

/// How often an instance looks for due jobs.
pub const POLL_EVERY: Duration = Duration::from_secs(60);
