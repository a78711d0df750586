//! Background jobs, scheduled in the database (see `kith_store` jobs): they survive restarts,
//! and with several instances each due run happens on one of them.

use crate::AppState;
use kith_store::{JobRunner, StoreError, now_millis};
use std::time::Duration;
use uuid::Uuid;

/// Deletes records that have been in the trash longer than `KITH_TRASH_RETENTION_DAYS`.
pub const PURGE_TRASH: &str = "purge_trash";
/// Deletes audit log entries older than `KITH_AUDIT_RETENTION_DAYS`.
pub const PURGE_AUDIT: &str = "purge_audit";
/// Deletes mails of the outbox older than `KITH_OUTBOX_RETENTION_DAYS`.
pub const PURGE_OUTBOX: &str = "purge_outbox";
/// Deletes for good the workspaces deleted more than `KITH_WORKSPACE_RETENTION_DAYS` ago, with
/// all their data.
pub const PURGE_WORKSPACES: &str = "purge_workspaces";
/// Deletes imports' history (counts, rejected rows, files) older than `KITH_IMPORT_RETENTION_DAYS`.
pub const PURGE_IMPORTS: &str = "purge_imports";
/// Catches up with field changes: search indexes after searchable fields were deleted, hidden
/// or shown again, on SQLite the erasure of deleted fields' values, and the sort indexes fields
/// and saved views want. A field change or a saved view starts this at once in the background
/// ([`catch_up_fields_soon`]); the job finishes what a stopped instance left.
pub const CATCH_UP_FIELDS: &str = "catch_up_fields";

/// Each recurring job and how often it runs.
const JOBS: [(&str, i64); 6] = [
    (PURGE_TRASH, 60 * 60 * 1000),
    (PURGE_AUDIT, 60 * 60 * 1000),
    (PURGE_OUTBOX, 60 * 60 * 1000),
    (PURGE_IMPORTS, 60 * 60 * 1000),
    (PURGE_WORKSPACES, 60 * 60 * 1000),
    // Only for what an instance stopped midway left: a field change starts it at once anyway,
    // and each run opens every workspace.
    (CATCH_UP_FIELDS, 60 * 60 * 1000),
];
/// How long a claimed run may take before another instance may take it over.
const LOCK_MS: i64 = 30 * 60 * 1000;

/// Schedules the recurring jobs that are not scheduled yet (an existing schedule is kept).
pub async fn schedule(state: &AppState) -> Result<(), StoreError> {
    for (kind, every_ms) in JOBS {
        state.db.ensure_job(kind, now_millis() + every_ms).await?;
    }
    Ok(())
}

/// Runs every job that is due and not running elsewhere; returns how many ran to the end. A job
/// that fails is logged, keeps its error in its schedule and runs again at its next turn.
pub async fn run_due(state: &AppState, runner: &JobRunner) -> Result<usize, StoreError> {
    let mut ran = 0;
    for (kind, every_ms) in JOBS {
        if !state.db.claim_job(kind, LOCK_MS).await? {
            continue;
        }
        let outcome = match kind {
            PURGE_TRASH => purge_trash(state, runner).await,
            PURGE_AUDIT => purge_audit(state, runner).await,
            PURGE_OUTBOX => purge_outbox(state).await,
            PURGE_IMPORTS => purge_imports(state, runner).await,
            PURGE_WORKSPACES => purge_workspaces(state).await,
            // CATCH_UP_FIELDS, the only other entry of JOBS.
            _ => catch_up_fields_everywhere(runner).await,
        };
        let error = outcome.as_ref().err().map(ToString::to_string);
        match &outcome {
            Ok(count) => tracing::info!(job = kind, count, "job finished"),
            Err(e) => {
                tracing::error!(job = kind, error = %e, "job failed; it runs again at its next turn")
            }
        }
        state
            .db
            .finish_job(kind, now_millis() + every_ms, error.as_deref())
            .await?;
        ran += usize::from(outcome.is_ok());
    }
    Ok(ran)
}

/// Asks the job runner to catch up with one workspace's field changes now, in the background.
pub fn catch_up_fields_soon(state: &AppState, workspace_id: Uuid) {
    if state.catch_up.send(workspace_id).is_err() {
        tracing::warn!(%workspace_id, "the job runner has stopped; the hourly job catches up");
    }
}

/// Catches up with one workspace's field changes and builds the indexes they or its saved views
/// want: when a request asks ([`catch_up_fields_soon`]), and when this process first opens the
/// workspace (one made by an earlier version may miss indexes or index entries).
pub async fn catch_up_workspace(runner: &JobRunner, workspace_id: Uuid) {
    let outcome = async {
        let data = runner.data(workspace_id).await?;
        Ok::<_, StoreError>(data.catch_up_fields().await? + data.build_missing_indexes().await?)
    };
    match outcome.await {
        Ok(0) => {}
        Ok(count) => tracing::info!(%workspace_id, count, "caught up with field changes"),
        Err(e) => {
            tracing::error!(%workspace_id, error = %e, "catching up with field changes failed; the job retries")
        }
    }
}

async fn catch_up_fields_everywhere(runner: &JobRunner) -> Result<u64, StoreError> {
    let mut count = 0;
    for workspace_id in runner.workspace_ids().await? {
        let data = runner.data(workspace_id).await?;
        count += data.catch_up_fields().await? as u64;
        count += data.build_missing_indexes().await? as u64;
    }
    Ok(count)
}

async fn purge_trash(state: &AppState, runner: &JobRunner) -> Result<u64, StoreError> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(state.config.trash_retention).unwrap_or_default();
    let mut purged = 0;
    for workspace_id in runner.workspace_ids().await? {
        let data = runner.data(workspace_id).await?;
        let catalog = data.objects().await?;
        purged += data.purge_trash(&catalog, cutoff).await?;
    }
    Ok(purged)
}

async fn purge_audit(state: &AppState, runner: &JobRunner) -> Result<u64, StoreError> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(state.config.audit_retention).unwrap_or_default();
    let mut purged = 0;
    for workspace_id in runner.workspace_ids().await? {
        purged += runner.data(workspace_id).await?.purge_audit(cutoff).await?;
    }
    Ok(purged)
}

async fn purge_outbox(state: &AppState) -> Result<u64, StoreError> {
    let keep_ms = i64::try_from(state.config.outbox_retention.as_millis()).unwrap_or(i64::MAX);
    state
        .db
        .purge_outbox(now_millis().saturating_sub(keep_ms))
        .await
}

async fn purge_workspaces(state: &AppState) -> Result<u64, StoreError> {
    let keep_ms = i64::try_from(state.config.workspace_retention.as_millis()).unwrap_or(i64::MAX);
    state
        .db
        .purge_deleted_workspaces(now_millis().saturating_sub(keep_ms))
        .await
}

async fn purge_imports(state: &AppState, runner: &JobRunner) -> Result<u64, StoreError> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(state.config.import_retention).unwrap_or_default();
    let mut purged = 0;
    for workspace_id in runner.workspace_ids().await? {
        purged += runner
            .data(workspace_id)
            .await?
            .purge_imports(cutoff)
            .await?;
    }
    Ok(purged)
}

/// How often an instance looks for due jobs.
pub const POLL_EVERY: Duration = Duration::from_secs(60);
