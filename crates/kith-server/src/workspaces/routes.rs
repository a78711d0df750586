use super::{Admin, Owner, WorkspaceAccess};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::http::{AppResult, Json};
use crate::views::workspace_json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::{ApiError, Role, validate};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    #[serde(default)]
    name: String,
}

fn checked_name(body: &NameBody) -> Result<String, ApiError> {
    validate::name(&body.name).map_err(|message| ApiError::invalid_field("name", message))
}

pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<NameBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let name = checked_name(&body)?;
    let workspace = state.db.create_workspace(me.user.id, &name).await?;
    tracing::info!(workspace = %workspace.id, user = %me.user.id, "workspace created");
    Ok((
        StatusCode::CREATED,
        Json(workspace_json(&workspace, Role::Owner)),
    ))
}

pub async fn list(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Value>> {
    let workspaces = state.db.workspaces_of(me.user.id).await?;
    let data: Vec<Value> = workspaces
        .iter()
        .map(|(w, role)| workspace_json(w, *role))
        .collect();
    Ok(Json(json!({ "data": data })))
}

pub async fn show(
    State(state): State<AppState>,
    access: WorkspaceAccess,
) -> AppResult<Json<Value>> {
    let workspace = access.store(&state).get().await?;
    Ok(Json(workspace_json(&workspace, access.role())))
}

pub async fn rename(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<NameBody>,
) -> AppResult<Json<Value>> {
    let name = checked_name(&body)?;
    let workspace = access.store(&state).rename(&name).await?;
    Ok(Json(workspace_json(&workspace, access.role())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorBody {
    required: bool,
}

/// Requires two-factor sign-in of every member (or stops requiring it). Members without it are
/// refused at once on this instance; API tokens held by them stop working here at once too, and
/// on other instances within the token cache's few seconds.
pub async fn require_two_factor(
    State(state): State<AppState>,
    access: Owner,
    Json(body): Json<TwoFactorBody>,
) -> AppResult<Json<Value>> {
    let workspace = access
        .store(&state)
        .set_require_two_factor(body.required)
        .await?;
    state
        .token_cache
        .forget_workspace(access.tenant.workspace_id());
    tracing::info!(workspace = %workspace.id, required = body.required, "two-factor requirement changed");
    Ok(Json(workspace_json(&workspace, access.role())))
}

pub async fn delete(State(state): State<AppState>, access: Owner) -> AppResult<StatusCode> {
    access.store(&state).delete().await?;
    state
        .token_cache
        .forget_workspace(access.tenant.workspace_id());
    tracing::info!(workspace = %access.tenant.workspace_id(), user = %access.me.user.id, "workspace deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/workspaces/deleted`: the deleted workspaces the caller owns, with when each is
/// purged; until then an owner can restore it.
pub async fn deleted(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Value>> {
    let grace = i64::try_from(state.config.workspace_retention.as_millis()).unwrap_or(i64::MAX);
    let data: Vec<Value> = state
        .db
        .deleted_workspaces_of(me.user.id)
        .await?
        .iter()
        .map(|d| {
            let mut item = workspace_json(&d.workspace, Role::Owner);
            item["deletedAt"] = json!(crate::http::rfc3339(d.deleted_at));
            item["purgedAt"] = json!(crate::http::rfc3339(d.deleted_at.saturating_add(grace)));
            item
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// `POST /api/v1/workspaces/{id}/restore`: an owner brings a deleted workspace back, as it was.
pub async fn restore(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let not_found = || ApiError::not_found("deleted workspace");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| not_found())?;
    if !state.db.restore_workspace(me.user.id, id).await? {
        return Err(not_found().into());
    }
    let (workspace, role) = state
        .db
        .workspaces_of(me.user.id)
        .await?
        .into_iter()
        .find(|(w, _)| w.id == id)
        .ok_or_else(not_found)?;
    tracing::info!(workspace = %id, user = %me.user.id, "workspace restored");
    Ok(Json(workspace_json(&workspace, role)))
}
