use super::{Admin, Owner, WorkspaceAccess};
use crate::AppState;
use crate::http::{AppResult, Json};
use crate::views::member_json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::{ApiError, ErrorCode, Role};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

pub async fn list(
    State(state): State<AppState>,
    access: WorkspaceAccess,
) -> AppResult<Json<Value>> {
    let members = access.store(&state).members().await?;
    Ok(Json(
        json!({ "data": members.iter().map(member_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleBody {
    role: Option<Role>,
    /// A custom role instead of a built-in one.
    role_id: Option<String>,
}

/// Admins change roles up to admin; only owners touch the owner role (giving or taking it).
pub async fn change_role(
    State(state): State<AppState>,
    access: Admin,
    Path((_, user_id)): Path<(String, String)>,
    Json(body): Json<RoleBody>,
) -> AppResult<Json<Value>> {
    let store = access.store(&state);
    let target = find_member(&store, &user_id).await?;
    if target.role == Role::Owner || body.role == Some(Role::Owner) {
        access.require(Role::Owner, "giving or taking the owner role")?;
    }
    match (body.role, body.role_id.as_deref()) {
        (Some(role), None) => {
            store.set_role(target.user_id, role).await?;
        }
        (None, Some(text)) => {
            let role = super::roles::named_role(&store, text).await?;
            store.give_custom_role(target.user_id, role.id).await?;
        }
        _ => {
            return Err(ApiError::invalid_field(
                "role",
                "give either role (owner, admin, member, viewer) or roleId (a custom role)",
            )
            .into());
        }
    }
    let updated = store
        .member(target.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok(Json(member_json(&updated)))
}

/// Removes a member; removing yourself is leaving. Only owners remove owners.
pub async fn remove(
    State(state): State<AppState>,
    access: WorkspaceAccess,
    Path((_, user_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let store = access.store(&state);
    let target = find_member(&store, &user_id).await?;
    if target.user_id != access.me.user.id {
        access.require(Role::Admin, "removing members")?;
        if target.role == Role::Owner {
            access.require(Role::Owner, "removing an owner")?;
        }
    }
    store.remove_member(target.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn leave(
    State(state): State<AppState>,
    access: WorkspaceAccess,
) -> AppResult<StatusCode> {
    access
        .store(&state)
        .remove_member(access.me.user.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferBody {
    user_id: String,
}

/// Makes another member owner; the current owner stays on as admin.
pub async fn transfer_ownership(
    State(state): State<AppState>,
    access: Owner,
    Json(body): Json<TransferBody>,
) -> AppResult<Json<Value>> {
    let store = access.store(&state);
    let target = find_member(&store, &body.user_id).await?;
    if target.user_id == access.me.user.id {
        // Well-formed, but the caller already is what the transfer would make them.
        return Err(ApiError::refused_field(
            ErrorCode::Conflict,
            "userId",
            "is you, the owner already; choose another member",
        )
        .into());
    }
    store.transfer_ownership(target.user_id).await?;
    let members = store.members().await?;
    Ok(Json(
        json!({ "data": members.iter().map(member_json).collect::<Vec<_>>() }),
    ))
}

async fn find_member(
    store: &kith_store::WorkspaceStore<'_>,
    user_id: &str,
) -> AppResult<kith_store::Member> {
    let id = Uuid::parse_str(user_id).map_err(|_| ApiError::not_found("member"))?;
    Ok(store
        .member(id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?)
}
