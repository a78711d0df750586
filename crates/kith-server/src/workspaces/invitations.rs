use super::Admin;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::{AppResult, Json, rfc3339};
use crate::views::{invitation_json, workspace_json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::{ApiError, Role, validate};
use kith_store::{Db, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

const INVITATION_LIFETIME_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    #[serde(default)]
    email: String,
    role: Option<Role>,
}

pub async fn create(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<InviteBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let email = validate::email(&body.email)
        .map_err(|message| ApiError::invalid_field("email", message))?;
    let role = body.role.unwrap_or(Role::Member);
    if role == Role::Owner {
        return Err(ApiError::invalid_field(
            "role",
            "cannot be owner for an invitation: invite as admin, then transfer ownership",
        )
        .into());
    }
    let store = access.store(&state);
    if store.has_member_with_email(&email).await? {
        return Err(
            ApiError::conflict(format!("{email} is already a member of this workspace")).into(),
        );
    }
    let token = random_token();
    let invitation = store
        .create_invitation(
            &email,
            role,
            &token_hash(&token),
            now_millis() + INVITATION_LIFETIME_MS,
        )
        .await?;
    let workspace = store.get().await?;
    let link = state.link("invite", &token);
    let text = format!(
        "{inviter} invited you to the workspace \"{workspace}\" on Kith as {role}.\n\n\
         Accept within 7 days, with your existing account or a new one:\n\n{link}\n\nor use this code: {token}\n",
        inviter = access.me.user.name,
        workspace = workspace.name,
    );
    let subject = format!(
        "{} invited you to {} on Kith",
        access.me.user.name, workspace.name
    );
    state.mailer.send(&email, &subject, &text).await?;
    Ok((StatusCode::CREATED, Json(invitation_json(&invitation))))
}

pub async fn list(State(state): State<AppState>, access: Admin) -> AppResult<Json<Value>> {
    let invitations = access.store(&state).invitations().await?;
    Ok(Json(
        json!({ "data": invitations.iter().map(invitation_json).collect::<Vec<_>>() }),
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    access: Admin,
    Path((_, invitation_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = Uuid::parse_str(&invitation_id).map_err(|_| ApiError::not_found("invitation"))?;
    if access.store(&state).revoke_invitation(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("invitation").into())
    }
}

/// What the holder of an invitation link sees before accepting it (no session needed: the token is the key).
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<Value>> {
    let pending = state
        .db
        .pending_invitation(&token_hash(&token))
        .await?
        .ok_or_else(crate::auth::invalid_invitation)?;
    Ok(Json(json!({
        "workspaceName": pending.workspace_name,
        "inviterName": pending.inviter_name,
        "email": pending.invitation.email,
        "role": pending.invitation.role,
        "expiresAt": rfc3339(pending.invitation.expires_at),
    })))
}

/// Joins the workspace with the signed-in account, which must have the invited address.
pub async fn accept(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(token): Path<String>,
) -> AppResult<Json<Value>> {
    let hash = token_hash(&token);
    let pending = state
        .db
        .pending_invitation(&hash)
        .await?
        .ok_or_else(crate::auth::invalid_invitation)?;
    if pending.invitation.email != me.user.email {
        return Err(ApiError::forbidden(format!(
            "this invitation is for {}; sign in with that address to accept it",
            pending.invitation.email
        ))
        .into());
    }
    let mut tx = state.db.begin().await?;
    let tenant = Db::accept_invitation(&mut tx, &hash, me.user.id)
        .await?
        .ok_or_else(crate::auth::invalid_invitation)?;
    tx.commit().await?;
    let workspace = state.db.workspace(&tenant).get().await?;
    Ok(Json(workspace_json(&workspace, tenant.role())))
}
