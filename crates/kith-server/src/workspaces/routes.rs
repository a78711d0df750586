use super::{Admin, Owner, WorkspaceAccess};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::http::{AppResult, Json};
use crate::views::workspace_json;
use axum::extract::State;
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

pub async fn delete(State(state): State<AppState>, access: Owner) -> AppResult<StatusCode> {
    access.store(&state).delete().await?;
    state
        .token_cache
        .forget_workspace(access.tenant.workspace_id());
    tracing::info!(workspace = %access.tenant.workspace_id(), user = %access.me.user.id, "workspace deleted");
    Ok(StatusCode::NO_CONTENT)
}
