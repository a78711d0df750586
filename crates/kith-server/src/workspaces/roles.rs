//! Custom roles of a workspace (`/api/v1/workspaces/{id}/roles`): permission sets per object
//! (read, change, delete, hidden fields) that admins define and give to members and API tokens.
//! The built-in roles are listed beside them and cannot be changed.

use super::{Admin, WorkspaceAccess};
use crate::AppState;
use crate::auth::FieldCheck;
use crate::http::{AppResult, Json, rfc3339};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::access::Permissions;
use kith_core::metadata::ObjectMeta;
use kith_core::{ApiError, ErrorCode, Role, validate};
use kith_store::CustomRole;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[serde(default)]
    name: String,
    permissions: Option<Value>,
}

pub fn role_json(role: &CustomRole) -> Value {
    json!({
        "id": role.id,
        "name": role.name,
        "builtIn": false,
        "permissions": role.permissions,
        "createdAt": rfc3339(role.created_at),
        "updatedAt": rfc3339(role.updated_at),
    })
}

fn built_in_json(role: Role) -> Value {
    json!({ "id": role.as_str(), "name": role.as_str(), "builtIn": true, "permissions": Permissions::of(role) })
}

pub async fn list(
    State(state): State<AppState>,
    access: WorkspaceAccess,
) -> AppResult<Json<Value>> {
    let custom = access.store(&state).roles().await?;
    let data: Vec<Value> = Role::ALL
        .into_iter()
        .map(built_in_json)
        .chain(custom.iter().map(role_json))
        .collect();
    Ok(Json(json!({ "data": data })))
}

pub async fn create(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<RoleBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let (name, permissions) = checked(&state, &access, &body).await?;
    let role = access
        .store(&state)
        .create_role(&name, &permissions)
        .await?;
    Ok((StatusCode::CREATED, Json(role_json(&role))))
}

pub async fn update(
    State(state): State<AppState>,
    access: Admin,
    Path((_, role_id)): Path<(String, String)>,
    Json(body): Json<RoleBody>,
) -> AppResult<Json<Value>> {
    let id = role_id_of(&role_id)?;
    let (name, permissions) = checked(&state, &access, &body).await?;
    let role = access
        .store(&state)
        .update_role(id, &name, &permissions)
        .await?
        .ok_or_else(|| ApiError::not_found("role"))?;
    // Tokens holding the role see the change within the token cache's few seconds.
    Ok(Json(role_json(&role)))
}

pub async fn delete(
    State(state): State<AppState>,
    access: Admin,
    Path((_, role_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = role_id_of(&role_id)?;
    if !access.store(&state).delete_role(id).await? {
        return Err(ApiError::not_found("role").into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A custom role's id from the path or a body; anything else is the same 404 as an unknown one.
pub fn role_id_of(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::not_found("role"))
}

/// The custom role a body's `roleId` names, or the 404 naming `roleId` when it names none of
/// this workspace's.
pub async fn named_role(
    store: &kith_store::WorkspaceStore<'_>,
    text: &str,
) -> Result<CustomRole, crate::http::AppError> {
    let found = match role_id_of(text) {
        Ok(id) => store.role(id).await?,
        Err(_) => None,
    };
    Ok(found.ok_or_else(|| {
        ApiError::refused_field(
            ErrorCode::NotFound,
            "roleId",
            format!("{text:?} is not a role of this workspace"),
        )
    })?)
}

/// The name and permissions of a body, checked against the workspace's objects and fields: every
/// wrong part is named (`permissions.objects.unicorn`, `permissions.objects.person.hiddenFields`).
async fn checked(
    state: &AppState,
    access: &WorkspaceAccess,
    body: &RoleBody,
) -> Result<(String, Permissions), crate::http::AppError> {
    let mut check = FieldCheck::default();
    let name = check.check("name", validate::name(&body.name));
    if name
        .as_deref()
        .and_then(|n| n.parse::<Role>().ok())
        .is_some()
    {
        check.wrong("name", "is the name of a built-in role".into());
    }
    let permissions = match &body.permissions {
        None => check.check("permissions", Err("is required".into())),
        Some(value) => check.check(
            "permissions",
            serde_json::from_value::<Permissions>(value.clone())
                .map_err(|e| format!("is not a set of permissions: {e}")),
        ),
    };
    if let Some(permissions) = &permissions {
        let catalog = access.objects(state).await?;
        check_names(&mut check, permissions, &catalog);
    }
    check.finish()?;
    match (name, permissions) {
        (Some(name), Some(permissions)) => Ok((name, permissions)),
        _ => Err(ApiError::internal().into()),
    }
}

/// Notes objects and hidden fields that the workspace does not have (404), and hidden fields
/// under `default` (which must be given per object).
fn check_names(check: &mut FieldCheck, permissions: &Permissions, catalog: &[ObjectMeta]) {
    for (name, rights) in &permissions.objects {
        let path = format!("permissions.objects.{name}");
        let Some(object) = catalog
            .iter()
            .find(|o| o.is_active && o.name_singular == *name)
        else {
            check.unknown(
                &path,
                "is not an object of this workspace (use its singular API name)".into(),
            );
            continue;
        };
        for field in rights
            .hidden_fields
            .iter()
            .filter(|f| object.field(f).is_none())
        {
            check.unknown(
                &format!("{path}.hiddenFields"),
                format!("{field:?} is not a field of {name}"),
            );
        }
    }
    if !permissions.default.hidden_fields.is_empty() {
        check.wrong(
            "permissions.default.hiddenFields",
            "must be empty: hide fields per object".into(),
        );
    }
}
