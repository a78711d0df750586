//! Data-subject requests for the people in a workspace's records (admins only):
//! `GET /api/v1/workspaces/{id}/privacy/subject?email=` finds everything about an address (the
//! answer is the export), `POST …/privacy/erasures` erases it, `GET …/privacy/erasures` is the
//! erasure log. `kith privacy` runs the same two steps from a shell.

use super::Admin;
use crate::AppState;
use crate::http::{AppResult, Json, Query, rfc3339};
use crate::records::policy;
use axum::extract::State;
use kith_core::{ApiError, validate};
use kith_store::data::SubjectData;
use kith_store::{DataStore, Db, Erasure, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Everything the workspace holds about `email`, with the webhook deliveries that carried it.
pub async fn find(db: &Db, data: &DataStore, email: &str) -> Result<Value, StoreError> {
    let found = data.find_subject(email).await?;
    let deliveries = deliveries_of(db, data, &found).await?;
    let mut answer = found.to_json();
    answer["webhookDeliveries"] = json!(deliveries);
    Ok(answer)
}

async fn deliveries_of(
    db: &Db,
    data: &DataStore,
    found: &SubjectData,
) -> Result<Vec<Value>, StoreError> {
    let mut deliveries = db
        .webhook_deliveries_naming(data.workspace_id(), &found.email, &found.record_ids)
        .await?;
    for delivery in &mut deliveries {
        if let Some(at) = delivery["createdAt"].as_i64() {
            delivery["createdAt"] = json!(rfc3339(at));
        }
    }
    Ok(deliveries)
}

/// Erases everything about `email` and logs it: the log entry, with what went in counts.
pub async fn erase(
    db: &Db,
    data: &DataStore,
    email: &str,
    erased_by: Option<Uuid>,
) -> Result<Value, StoreError> {
    let (found, erased) = data.erase_subject(email).await?;
    let delivery_ids: Vec<Uuid> = deliveries_of(db, data, &found)
        .await?
        .iter()
        .filter_map(|d| d["id"].as_str()?.parse().ok())
        .collect();
    let deliveries = db.delete_webhook_deliveries(&delivery_ids).await?;
    let counts = json!({
        "records": erased.records,
        "deletedMentions": erased.deleted_mentions,
        "scrubbedMentions": erased.scrubbed_mentions,
        "scrubbedEvents": erased.scrubbed_events,
        "auditEntries": erased.audit_entries,
        "importRows": erased.import_rows,
        "webhookDeliveries": deliveries,
    });
    let entry = db
        .record_erasure(data.workspace_id(), &found.email, erased_by, &counts)
        .await?;
    Ok(erasure_json(&entry))
}

fn erasure_json(entry: &Erasure) -> Value {
    let mut answer = json!({ "id": entry.id, "erasedAt": rfc3339(entry.erased_at) });
    if let (Some(answer), Some(counts)) = (answer.as_object_mut(), entry.counts.as_object()) {
        answer.extend(counts.clone());
    }
    answer
}

fn checked_email(email: &str) -> AppResult<String> {
    Ok(validate::email(email).map_err(|message| ApiError::invalid_field("email", message))?)
}

async fn data_of(state: &AppState, access: &Admin) -> AppResult<DataStore> {
    Ok(state
        .db
        .workspace(&access.tenant)
        .data(policy(&access.tenant, None))
        .await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectParams {
    #[serde(default)]
    email: String,
}

pub async fn subject(
    State(state): State<AppState>,
    access: Admin,
    Query(params): Query<SubjectParams>,
) -> AppResult<Json<Value>> {
    let email = checked_email(&params.email)?;
    let data = data_of(&state, &access).await?;
    Ok(Json(find(&state.db, &data, &email).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    #[serde(default)]
    email: String,
}

pub async fn create_erasure(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<EraseBody>,
) -> AppResult<Json<Value>> {
    let email = checked_email(&body.email)?;
    let data = data_of(&state, &access).await?;
    let entry = erase(&state.db, &data, &email, Some(access.me.user.id)).await?;
    tracing::info!(workspace = %access.tenant.workspace_id(), user = %access.me.user.id, "a data subject was erased");
    Ok(Json(entry))
}

pub async fn erasures(State(state): State<AppState>, access: Admin) -> AppResult<Json<Value>> {
    let entries = state.db.erasures(access.tenant.workspace_id()).await?;
    let data: Vec<Value> = entries.iter().map(erasure_json).collect();
    Ok(Json(json!({ "data": data })))
}
