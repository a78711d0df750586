//! Sending deliveries: claim what is due, post each signed, log the attempt, retry on the
//! schedule, and disable a webhook that keeps failing (mailing the workspace's admins).

use super::signature::signature_header;
use crate::AppState;
use crate::http::AppError;
use kith_store::{AfterAttempt, AttemptOutcome, ClaimedDelivery};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed (and sent side by side) at a time.
const CLAIM_AT_ONCE: i64 = 16;
/// How long a claim holds: past it, another instance may take a delivery whose sender died.
/// Longer than [`TIMEOUT`].
const LOCK_MS: i64 = 60 * 1000;

pub const SIGNATURE_HEADER: &str = "x-kith-signature";
pub const TIMESTAMP_HEADER: &str = "x-kith-timestamp";
/// The event's id: the same on every attempt, for receivers to drop repeats.
pub const EVENT_ID_HEADER: &str = "x-kith-event-id";
pub const EVENT_HEADER: &str = "x-kith-event";
pub const DELIVERY_HEADER: &str = "x-kith-delivery";

/// The client deliveries are posted with: a time-out, and no redirects followed (a redirect
/// could point anywhere; it counts as a failure, with its status logged).
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("Kith-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sends the deliveries due now; answers how many were attempted.
pub async fn due(state: &AppState, client: &reqwest::Client) -> Result<usize, AppError> {
    let claimed = state.db.claim_deliveries(CLAIM_AT_ONCE, LOCK_MS).await?;
    let count = claimed.len();
    let mut sending = tokio::task::JoinSet::new();
    for delivery in claimed {
        let (state, client) = (state.clone(), client.clone());
        sending.spawn(async move { send_one(&state, &client, delivery).await });
    }
    while let Some(done) = sending.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e.0, "recording a webhook delivery failed"),
            Err(e) => tracing::error!(error = %e, "a webhook delivery task failed"),
        }
    }
    Ok(count)
}

async fn send_one(
    state: &AppState,
    client: &reqwest::Client,
    claimed: ClaimedDelivery,
) -> Result<(), AppError> {
    // The payload was shaped for the creator when the event was read; a creator who left
    // since receives nothing more.
    if !state
        .db
        .is_member(claimed.workspace_id, claimed.created_by)
        .await?
    {
        let reason = "the admin who created it is no longer a member of the workspace";
        let webhook = claimed.delivery.webhook_id;
        return disable_and_tell(state, webhook, claimed.workspace_id, &claimed.url, reason).await;
    }
    let outcome = post(client, &claimed).await;
    let after = state
        .db
        .record_attempt(&claimed.delivery, &outcome, super::RETRY_POLICY)
        .await?;
    tracing::info!(
        delivery = %claimed.delivery.id,
        event = claimed.delivery.event,
        attempt = claimed.delivery.attempts,
        status = outcome.status_code,
        error = outcome.error,
        "webhook delivery attempted"
    );
    if after == AfterAttempt::Disabled {
        let reason = format!(
            "{} deliveries in a row failed every attempt",
            super::DISABLE_AFTER_FAILED_DELIVERIES
        );
        mail_admins(state, claimed.workspace_id, &claimed.url, &reason).await?;
    }
    Ok(())
}

/// Posts one delivery, signed now; any answer but a 2xx is a failure.
async fn post(client: &reqwest::Client, claimed: &ClaimedDelivery) -> AttemptOutcome {
    let delivery = &claimed.delivery;
    let timestamp = chrono::Utc::now().timestamp();
    let started = Instant::now();
    let sent = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, &delivery.event)
        .header(EVENT_ID_HEADER, delivery.event_id.to_string())
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            signature_header(&claimed.secret, timestamp, &delivery.payload),
        )
        .body(delivery.payload.clone())
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Ok(answer) => {
            let status = answer.status();
            AttemptOutcome {
                status_code: Some(status.as_u16()),
                error: (!status.is_success())
                    .then(|| format!("the receiver answered {}", status.as_u16())),
                duration_ms,
            }
        }
        Err(e) => AttemptOutcome {
            status_code: None,
            error: Some(describe(&e)),
            duration_ms,
        },
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "cannot connect to the receiver".to_owned()
    } else {
        format!("the request failed: {error}")
    }
}

/// Disables a webhook and mails the workspace's admins, once (a webhook disabled already is
/// left as it is).
pub async fn disable_and_tell(
    state: &AppState,
    webhook_id: Uuid,
    workspace_id: Uuid,
    url: &str,
    reason: &str,
) -> Result<(), AppError> {
    if state.db.disable_webhook(webhook_id, reason).await? {
        tracing::warn!(%webhook_id, reason, "webhook disabled");
        mail_admins(state, workspace_id, url, reason).await?;
    }
    Ok(())
}

async fn mail_admins(
    state: &AppState,
    workspace_id: Uuid,
    url: &str,
    reason: &str,
) -> Result<(), AppError> {
    let subject = "A Kith webhook was disabled";
    let body = format!(
        "The webhook to {url} was disabled: {reason}.\n\nIts delivery log is under \
         /api/v1/workspaces/{workspace_id}/webhooks. Deliveries still owed wait; an admin \
         enables it again with PATCH {{\"enabled\": true}}.\n"
    );
    for email in state.db.workspace_admin_emails(workspace_id).await? {
        state.mailer.send(&email, subject, &body).await?;
    }
    Ok(())
}
