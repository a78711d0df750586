//! Connected apps: the OAuth grants a person gave (`/api/v1/me/connected-apps`) and those of a
//! workspace (`/api/v1/workspaces/{id}/connected-apps`, admins), each revocable.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::http::routes::Routes;
use crate::http::{AppResult, Json, rfc3339};
use crate::workspaces::Admin;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::ApiError;
use kith_store::ConnectedApp;
use serde_json::{Value, json};
use uuid::Uuid;

pub const MY_APPS: &str = "/api/v1/me/connected-apps";
pub const MY_APP: &str = "/api/v1/me/connected-apps/{grant_id}";
pub const WORKSPACE_APPS: &str = "/api/v1/workspaces/{workspace_id}/connected-apps";
pub const WORKSPACE_APP: &str = "/api/v1/workspaces/{workspace_id}/connected-apps/{grant_id}";

pub fn routes() -> Routes {
    Routes::default()
        .get(MY_APPS, list_mine)
        .delete(MY_APP, revoke_mine)
        .get(WORKSPACE_APPS, list_workspace)
        .delete(WORKSPACE_APP, revoke_workspace)
}

pub(crate) fn app_json(app: &ConnectedApp) -> Value {
    let grant = &app.grant;
    json!({
        "id": grant.id,
        "client": { "id": grant.oauth_client_id, "name": app.client_name },
        "workspace": { "id": grant.workspace_id, "name": app.workspace_name },
        "person": { "id": grant.created_by, "email": app.person_email },
        "scopes": grant.scopes,
        "resource": grant.resource,
        "createdAt": rfc3339(grant.created_at),
        "lastUsedAt": grant.last_used_at.map(rfc3339),
    })
}

fn grant_id(text: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(text).map_err(|_| ApiError::not_found("connected app"))?)
}

fn revoked(state: &AppState, id: Uuid, found: bool) -> AppResult<StatusCode> {
    if !found {
        return Err(ApiError::not_found("connected app").into());
    }
    state.token_cache.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

async fn list_mine(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Value>> {
    let apps = state.db.connected_apps_of(me.user.id).await?;
    let data: Vec<Value> = apps.iter().map(app_json).collect();
    Ok(Json(json!({ "data": data })))
}

async fn revoke_mine(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = grant_id(&id)?;
    let found = state.db.revoke_grant_of(me.user.id, id).await?;
    revoked(&state, id, found)
}

async fn list_workspace(State(state): State<AppState>, access: Admin) -> AppResult<Json<Value>> {
    let apps = access.store(&state).connected_apps().await?;
    let data: Vec<Value> = apps.iter().map(app_json).collect();
    Ok(Json(json!({ "data": data })))
}

async fn revoke_workspace(
    State(state): State<AppState>,
    access: Admin,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = grant_id(&id)?;
    let found = access.store(&state).revoke_grant(id).await?;
    revoked(&state, id, found)
}
