//! Webhooks of a workspace, for its admins: create (the signing secret is shown once), list,
//! show, change, delete, the delivery log, and a test delivery.

use super::Admin;
use crate::AppState;
use crate::auth::FieldCheck;
use crate::auth::tokens::random_token;
use crate::http::{AppResult, Json, rfc3339};
use crate::webhooks::patterns::{self, MAX_PATTERNS};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::ApiError;
use kith_core::metadata::ObjectMeta;
use kith_store::{Attempt, Delivery, NewDelivery, Webhook, WebhookChange};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Secrets start with this, so that people and secret scanners can tell what leaked.
pub const SECRET_PREFIX: &str = "whsec_";
/// The longest URL a webhook takes.
pub const MAX_URL_LENGTH: usize = 2048;
/// How many deliveries the log shows, newest first.
const LOG_LENGTH: i64 = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBody {
    url: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

fn webhook_json(webhook: &Webhook) -> Value {
    json!({
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.disabled_at.is_none(),
        "disabledAt": webhook.disabled_at.map(rfc3339),
        "disabledReason": webhook.disabled_reason,
        "consecutiveFailures": webhook.failures,
        "createdBy": webhook.created_by,
        "createdAt": rfc3339(webhook.created_at),
        "updatedAt": rfc3339(webhook.updated_at),
    })
}

fn delivery_json(delivery: &Delivery, attempts: &[Attempt]) -> Value {
    let pending = delivery.status == "pending";
    json!({
        "id": delivery.id,
        "eventId": delivery.event_id,
        "event": delivery.event,
        "status": delivery.status,
        "createdAt": rfc3339(delivery.created_at),
        "nextAttemptAt": pending.then(|| rfc3339(delivery.next_attempt_at)),
        "attempts": attempts.iter().map(|a| json!({
            "attempt": a.attempt,
            "at": rfc3339(a.at),
            "statusCode": a.status_code,
            "error": a.error,
            "durationMs": a.duration_ms,
        })).collect::<Vec<_>>(),
    })
}

/// An http(s) URL with a host. Admins choose where deliveries go, loopback included (see
/// docs/SECURITY.md).
fn checked_url(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("is required: the http(s) URL deliveries are posted to".into());
    }
    if text.chars().count() > MAX_URL_LENGTH {
        return Err(format!("must be at most {MAX_URL_LENGTH} characters"));
    }
    if !crate::webhooks::url::is_webhook_url(text) {
        return Err("must be an http:// or https:// URL with a host name or IPv4 address, an optional port, and no spaces".into());
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    Ok(url.to_string())
}

/// The patterns, each of the form `*` or `object.action` (400 otherwise) naming an object the
/// workspace has (404 otherwise, as for every body that names what does not exist).
fn checked_events(
    check: &mut FieldCheck,
    catalog: &[ObjectMeta],
    events: &[String],
) -> Vec<String> {
    if events.is_empty() {
        check.wrong(
            "events",
            "must list at least one event pattern, such as person.created or *".into(),
        );
    }
    if events.len() > MAX_PATTERNS {
        check.wrong(
            "events",
            format!("must list at most {MAX_PATTERNS} patterns"),
        );
    }
    let mut kept: Vec<String> = Vec::new();
    for pattern in events {
        match patterns::check_form(pattern) {
            Err(message) => check.wrong("events", message),
            Ok(()) => match patterns::named_object(pattern) {
                Some(object) if !patterns::is_object(catalog, object) => check.unknown(
                    "events",
                    format!(
                        "{object:?} is not an object of this workspace (use its singular name)"
                    ),
                ),
                _ if kept.contains(pattern) => {}
                _ => kept.push(pattern.clone()),
            },
        }
    }
    kept
}

pub async fn create(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<CreateBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let catalog = access.objects(&state).await?;
    let mut check = FieldCheck::default();
    let url = check.check("url", checked_url(&body.url));
    let events = checked_events(&mut check, &catalog, &body.events);
    check.finish()?;
    let Some(url) = url else {
        return Err(ApiError::internal().into());
    };
    let secret = format!("{SECRET_PREFIX}{}", random_token());
    let webhook = access
        .store(&state)
        .create_webhook(&url, &events, &secret)
        .await?;
    tracing::info!(webhook = %webhook.id, workspace = %webhook.workspace_id, "webhook created");
    let mut answer = webhook_json(&webhook);
    answer["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

pub async fn list(State(state): State<AppState>, access: Admin) -> AppResult<Json<Value>> {
    let webhooks = access.store(&state).webhooks().await?;
    Ok(Json(
        json!({ "data": webhooks.iter().map(webhook_json).collect::<Vec<_>>() }),
    ))
}

/// The webhook the path names, in this workspace.
async fn find(state: &AppState, access: &Admin, webhook_id: &str) -> AppResult<Webhook> {
    let id = Uuid::parse_str(webhook_id).map_err(|_| ApiError::not_found("webhook"))?;
    access
        .store(state)
        .webhook(id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook").into())
}

pub async fn show(
    State(state): State<AppState>,
    access: Admin,
    Path((_, webhook_id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    Ok(Json(webhook_json(
        &find(&state, &access, &webhook_id).await?,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    access: Admin,
    Path((_, webhook_id)): Path<(String, String)>,
    Json(body): Json<UpdateBody>,
) -> AppResult<Json<Value>> {
    let webhook = find(&state, &access, &webhook_id).await?;
    let catalog = access.objects(&state).await?;
    let mut check = FieldCheck::default();
    let url = body
        .url
        .as_deref()
        .and_then(|text| check.check("url", checked_url(text)));
    let events = body
        .events
        .as_deref()
        .map(|events| checked_events(&mut check, &catalog, events));
    check.finish()?;
    let change = WebhookChange {
        url: url.as_deref(),
        events: events.as_deref(),
        enabled: body.enabled,
    };
    let updated = access
        .store(&state)
        .update_webhook(webhook.id, &change)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok(Json(webhook_json(&updated)))
}

pub async fn delete(
    State(state): State<AppState>,
    access: Admin,
    Path((_, webhook_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let webhook = find(&state, &access, &webhook_id).await?;
    if access.store(&state).delete_webhook(webhook.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook").into())
    }
}

pub async fn deliveries(
    State(state): State<AppState>,
    access: Admin,
    Path((_, webhook_id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let webhook = find(&state, &access, &webhook_id).await?;
    let log = access
        .store(&state)
        .webhook_deliveries(webhook.id, LOG_LENGTH)
        .await?;
    Ok(Json(json!({
        "data": log.iter().map(|(d, a)| delivery_json(d, a)).collect::<Vec<_>>()
    })))
}

/// Queues a `webhook.test` delivery, sent like any other (signed, logged, retried).
pub async fn test(
    State(state): State<AppState>,
    access: Admin,
    Path((_, webhook_id)): Path<(String, String)>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let webhook = find(&state, &access, &webhook_id).await?;
    if webhook.disabled_at.is_some() {
        return Err(ApiError::conflict(
            "the webhook is disabled: enable it first (PATCH with {\"enabled\": true})",
        )
        .into());
    }
    let event_id = Uuid::now_v7();
    let new = NewDelivery {
        event_id,
        event: patterns::TEST_EVENT.to_owned(),
        payload: crate::webhooks::dispatch::test_payload(&webhook, event_id, &access.me.user.name),
    };
    state.db.enqueue_test_delivery(webhook.id, &new).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "eventId": event_id, "event": patterns::TEST_EVENT, "status": "pending" })),
    ))
}
