//! Webhooks: a workspace admin names a URL and the events it wants; every change of a record
//! (`_kith_events`) that matches becomes a delivery, signed and sent by a background loop with
//! retries, logged, and the webhook disabled after repeated failures.
//!
//! Two loops run on every instance: the dispatcher ([`dispatch`]) turns new events into
//! deliveries, woken by this process's writes and sweeping every workspace with webhooks now
//! and then (so events written by another instance, or before a restart, are not missed); the
//! sender ([`send`]) claims due deliveries and posts them. Deliveries live in the control plane,
//! one per webhook and event, which is what makes each go out once with several instances.

pub mod dispatch;
pub mod patterns;
pub mod send;
pub mod signature;
pub mod url;

use crate::AppState;
use std::time::Duration;
use tokio::sync::watch;

/// How long to wait before each retry of a failed delivery; a delivery gets one attempt more
/// than this has entries (eight, over about a day and a half).
pub const RETRY_SCHEDULE_MS: [i64; 7] = [
    60 * 1000,
    5 * 60 * 1000,
    30 * 60 * 1000,
    2 * 60 * 60 * 1000,
    6 * 60 * 60 * 1000,
    12 * 60 * 60 * 1000,
    24 * 60 * 60 * 1000,
];

/// A webhook is disabled (and its workspace's admins mailed) once this many of its deliveries
/// in a row failed every attempt.
pub const DISABLE_AFTER_FAILED_DELIVERIES: i64 = 5;

/// The retry schedule and the disabling threshold together, as the store takes them.
pub const RETRY_POLICY: kith_store::RetryPolicy<'static> = kith_store::RetryPolicy {
    schedule: &RETRY_SCHEDULE_MS,
    disable_after: DISABLE_AFTER_FAILED_DELIVERIES,
};

/// How often the sender looks for due deliveries.
const SEND_POLL: Duration = Duration::from_millis(500);
/// How often the dispatcher looks at every workspace with webhooks, beside the writes of this
/// process that wake it at once.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Runs the dispatcher and the sender until told to stop.
pub async fn run(state: AppState, stopped: watch::Receiver<bool>) {
    let client = match send::client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhooks' HTTP client; webhooks are not sent");
            return;
        }
    };
    tokio::join!(
        dispatch_loop(state.clone(), stopped.clone()),
        send_loop(state, client, stopped)
    );
}

async fn dispatch_loop(state: AppState, mut stopped: watch::Receiver<bool>) {
    let mut next_sweep = tokio::time::Instant::now();
    loop {
        let written = tokio::select! {
            written = state.db.written_workspaces() => written,
            _ = tokio::time::sleep_until(next_sweep) => Vec::new(),
            _ = stopped.wait_for(|stop| *stop) => return,
        };
        let workspaces = if tokio::time::Instant::now() >= next_sweep {
            next_sweep = tokio::time::Instant::now() + SWEEP_EVERY;
            match state.db.workspaces_with_webhooks().await {
                Ok(all) => all,
                Err(e) => {
                    tracing::warn!(error = %e, "listing the workspaces with webhooks failed");
                    written
                }
            }
        } else {
            written
        };
        for workspace_id in workspaces {
            if let Err(e) = dispatch::workspace(&state, workspace_id).await {
                tracing::warn!(%workspace_id, error = %e.0, "turning events into webhook deliveries failed; the next pass retries");
            }
        }
    }
}

async fn send_loop(state: AppState, client: reqwest::Client, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(e) = send::due(&state, &client).await {
            tracing::warn!(error = %e.0, "sending webhook deliveries failed; the next pass retries");
        }
        tokio::select! {
            _ = tokio::time::sleep(SEND_POLL) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}
