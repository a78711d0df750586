//! Turning a workspace's events into deliveries. Each webhook keeps a cursor: every event up to
//! it has been looked at. Events are read after it as the webhook's creator may see them (the
//! same `DataStore` and access policy as that member's REST requests), matched against the
//! webhook's patterns, and stored as deliveries (one per webhook and event, whichever instance
//! gets there first).
//!
//! Event ids are UUIDv7, in time order, but a transaction that took its id first may commit
//! after one that took a later id (PostgreSQL runs writers side by side). So the cursor stays
//! [`SETTLE_MS`] behind the clock and the events since are read again on each pass, those that
//! already have a delivery skipped: an event committed late is still seen.

use super::patterns::{event_name, matches_any};
use crate::AppState;
use crate::http::{AppError, rfc3339};
use kith_store::data::ChangeEvent;
use kith_store::{DataStore, NewDelivery, Webhook, event_floor, now_millis};
use serde_json::{Value, json};
use uuid::Uuid;

/// How long an event may take between getting its id and being committed, at most: longer
/// than the request time-out.
pub const SETTLE_MS: i64 = 60 * 1000;
/// Events read at a time.
const PAGE: usize = 500;
/// A payload larger than this is sent without the record and the changes (`"truncated":
/// true`): the receiver reads the record through the API instead.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Turns the new events of one workspace into deliveries for each of its enabled webhooks;
/// answers how many deliveries were added.
pub async fn workspace(state: &AppState, workspace_id: Uuid) -> Result<u64, AppError> {
    let mut added = 0;
    for webhook in state.db.enabled_webhooks(workspace_id).await? {
        added += webhook_events(state, &webhook).await?;
    }
    Ok(added)
}

/// The creator's view of the workspace's records, or `None` (and the webhook disabled) once
/// the creator is no longer a member.
pub async fn creators_data(
    state: &AppState,
    webhook: &Webhook,
) -> Result<Option<DataStore>, AppError> {
    let Some(tenant) = state
        .db
        .enter_workspace(webhook.created_by, webhook.workspace_id)
        .await?
    else {
        super::send::disable_and_tell(
            state,
            webhook.id,
            webhook.workspace_id,
            &webhook.url,
            "the admin who created it is no longer a member of the workspace",
        )
        .await?;
        return Ok(None);
    };
    let access = crate::records::policy(&tenant, None);
    Ok(Some(state.db.workspace(&tenant).data(access).await?))
}

async fn webhook_events(state: &AppState, webhook: &Webhook) -> Result<u64, AppError> {
    let Some(data) = creators_data(state, webhook).await? else {
        return Ok(0);
    };
    let settled = event_floor(now_millis() - SETTLE_MS);
    let already = state
        .db
        .delivered_events(webhook.id, webhook.event_cursor)
        .await?;
    let mut after = webhook.event_cursor;
    let mut added = 0;
    loop {
        let (events, last) = data.events_after(after, PAGE).await?;
        let Some(last) = last else { break };
        let mut new = Vec::new();
        for event in events.iter().filter(|e| !already.contains(&e.id)) {
            let Some(name) = event_name(event).filter(|n| matches_any(&webhook.events, n)) else {
                continue;
            };
            let payload = payload(&data, webhook, event, &name).await?;
            new.push(NewDelivery {
                event_id: event.id,
                event: name,
                payload,
            });
        }
        added += state.db.enqueue_deliveries(webhook.id, &new).await?;
        after = last;
    }
    state
        .db
        .advance_webhook_cursor(webhook.id, after.min(settled))
        .await?;
    Ok(added)
}

/// The JSON a delivery carries: the event, the record as the creator may read it now (trash
/// included, `null` once erased), and the changed fields (hidden ones left out).
async fn payload(
    data: &DataStore,
    webhook: &Webhook,
    event: &ChangeEvent,
    name: &str,
) -> Result<String, AppError> {
    let record = data
        .record_including_trash(&event.object, event.record_id)
        .await?;
    let body = json!({
        "id": event.id,
        "event": name,
        "occurredAt": event.at,
        "workspaceId": webhook.workspace_id,
        "webhookId": webhook.id,
        "object": { "nameSingular": event.object.name_singular, "namePlural": event.object.name_plural },
        "recordId": event.record_id,
        "record": record,
        "changes": without_hidden(event.changes.clone()),
        "actor": event.actor,
    });
    Ok(bounded(body))
}

/// The changes without the fields the policy marked hidden (`{"hidden": true}`): a webhook
/// does not even say that a hidden field changed.
pub(crate) fn without_hidden(changes: Value) -> Value {
    let hidden = json!({ "hidden": true });
    match changes {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, c)| *c != hidden).collect())
        }
        other => other,
    }
}

/// The payload's text, without the record and changes when it would exceed
/// [`MAX_PAYLOAD_BYTES`].
fn bounded(mut body: Value) -> String {
    let text = body.to_string();
    if text.len() <= MAX_PAYLOAD_BYTES {
        return text;
    }
    body["record"] = Value::Null;
    body["changes"] = json!({});
    body["truncated"] = json!(true);
    body.to_string()
}

/// The payload of a test delivery, sent by an admin from the API.
pub fn test_payload(webhook: &Webhook, event_id: Uuid, actor: &str) -> String {
    json!({
        "id": event_id,
        "event": super::patterns::TEST_EVENT,
        "occurredAt": rfc3339(now_millis()),
        "workspaceId": webhook.workspace_id,
        "webhookId": webhook.id,
        "object": null,
        "recordId": null,
        "record": null,
        "changes": {},
        "actor": { "source": "MANUAL", "name": actor },
    })
    .to_string()
}
