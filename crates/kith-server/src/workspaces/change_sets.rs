//! The change sets of a workspace's API tokens and agents (`/api/v1/workspaces/{id}/change-sets`):
//! what each wrote, and undoing it. Admins only.

use super::Admin;
use crate::AppState;
use crate::http::{AppResult, Json, Query};
use crate::records::policy;
use axum::extract::{Path, State};
use kith_core::ApiError;
use kith_core::metadata::{Actor, ActorSource};
use kith_store::DataStore;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `token:{id}`: one token's change sets.
    principal: Option<String>,
    limit: Option<usize>,
}

async fn records_of(state: &AppState, access: &Admin) -> AppResult<DataStore> {
    Ok(state
        .db
        .workspace(&access.tenant)
        .data(policy(&access.tenant, None))
        .await?)
}

fn change_set_id(text: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(text).map_err(|_| ApiError::not_found("change set"))?)
}

pub async fn list(
    State(state): State<AppState>,
    access: Admin,
    Query(params): Query<ListParams>,
) -> AppResult<Json<Value>> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 200").into());
    }
    let data = records_of(&state, &access).await?;
    let sets = data.change_sets(params.principal.as_deref(), limit).await?;
    Ok(Json(json!({ "data": sets })))
}

pub async fn show(
    State(state): State<AppState>,
    access: Admin,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let data = records_of(&state, &access).await?;
    let catalog = data.objects().await?;
    let set = data
        .change_set(&catalog, change_set_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("change set"))?;
    Ok(Json(set))
}

pub async fn revert(
    State(state): State<AppState>,
    access: Admin,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let data = records_of(&state, &access).await?;
    let catalog = data.objects().await?;
    let actor = Actor {
        source: ActorSource::Manual,
        workspace_member_id: Some(access.me.user.id),
        name: access.me.user.name.clone(),
    };
    let outcome = data
        .revert_change_set(&catalog, change_set_id(&id)?, &actor)
        .await?;
    Ok(Json(outcome))
}
