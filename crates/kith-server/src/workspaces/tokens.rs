//! API tokens of a workspace: created by admins, shown once, stored hashed.

use super::Admin;
use crate::AppState;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::{AppResult, Json, rfc3339};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::scope::Scope;
use kith_core::{ApiError, FieldError, Role, validate};
use kith_store::{ApiToken, CustomRole, Member, NewToken, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Tokens start with this, so secret scanners and people can tell what leaked.
pub const TOKEN_PREFIX: &str = "kith_";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    objects: Option<Vec<String>>,
    expires_at: Option<String>,
    /// A built-in role, at most the creator's [default: member].
    role: Option<String>,
    /// A custom role instead.
    role_id: Option<String>,
}

/// A token as listed: who made it and the role it acts with are shown with it.
fn token_json(token: &ApiToken, members: &[Member], roles: &[CustomRole]) -> Value {
    let creator = token
        .created_by
        .and_then(|id| members.iter().find(|m| m.user_id == id));
    let custom_role = token
        .custom_role_id
        .and_then(|id| roles.iter().find(|r| r.id == id));
    json!({
        "id": token.id,
        "name": token.name,
        "scopes": token.scopes,
        "objects": token.objects,
        "role": token.role,
        "customRole": custom_role.map(|r| json!({ "id": r.id, "name": r.name })),
        "createdBy": token.created_by.map(|id| json!({ "id": id, "name": creator.map(|m| m.name.clone()) })),
        "createdAt": rfc3339(token.created_at),
        "expiresAt": token.expires_at.map(rfc3339),
        "lastUsedAt": token.last_used_at.map(rfc3339),
    })
}

pub async fn create(
    State(state): State<AppState>,
    access: Admin,
    Json(body): Json<CreateBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = validate::name(&body.name)
        .map_err(|m| error("name", m))
        .ok();
    let scopes: Vec<Scope> = body
        .scopes
        .iter()
        .filter_map(|s| {
            Scope::parse(s).or_else(|| {
                error(
                    "scopes",
                    format!(
                        "{s:?} is not a scope; use records:read, records:write, metadata:write"
                    ),
                );
                None
            })
        })
        .collect();
    if body.scopes.is_empty() {
        error("scopes", "must list at least one scope".into());
    }
    let expires_at = match body
        .expires_at
        .as_deref()
        .map(chrono::DateTime::parse_from_rfc3339)
    {
        None => None,
        Some(Ok(at)) if at.timestamp_millis() > now_millis() => Some(at.timestamp_millis()),
        Some(Ok(_)) => {
            error("expiresAt", "must be in the future".into());
            None
        }
        Some(Err(_)) => {
            error("expiresAt", "must be an RFC 3339 date and time".into());
            None
        }
    };
    if let Some(objects) = &body.objects {
        let catalog = access
            .store(&state)
            .data(access.policy())
            .await?
            .objects()
            .await?;
        for plural in objects {
            if !catalog.iter().any(|o| o.name_plural == *plural) {
                error(
                    "objects",
                    format!("{plural:?} is not an object of this workspace"),
                );
            }
        }
    }
    let role = match body.role.as_deref() {
        None => Some(Role::Member),
        Some(text) => match text.parse::<Role>() {
            Ok(role) if role <= access.role() => Some(role),
            Ok(role) => {
                error(
                    "role",
                    format!("{role} is above your own role ({})", access.role()),
                );
                None
            }
            Err(e) => {
                error("role", e.to_string());
                None
            }
        },
    };
    let store = access.store(&state);
    let custom_role_id = match body.role_id.as_deref() {
        None => None,
        Some(text) => match super::roles::named_role(&store, text).await {
            Ok(role) => Some(role.id),
            // A wrong roleId is named beside the other wrong fields; a failing database is not.
            Err(crate::http::AppError(refused))
                if refused.code == kith_core::ErrorCode::ValidationFailed =>
            {
                errors.extend(refused.details);
                None
            }
            Err(other) => return Err(other),
        },
    };
    let (Some(name), Some(role), true) = (name, role, errors.is_empty()) else {
        return Err(ApiError::invalid_fields(errors).into());
    };
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let new = NewToken {
        name: &name,
        token_hash: &token_hash(&secret),
        scopes: &scopes,
        objects: body.objects.as_deref(),
        expires_at,
        role,
        custom_role_id,
    };
    let token = store.create_token(&new).await?;
    let mut answer = token_json(&token, &store.members().await?, &store.roles().await?);
    answer["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

pub async fn list(State(state): State<AppState>, access: Admin) -> AppResult<Json<Value>> {
    let store = access.store(&state);
    let tokens = store.tokens().await?;
    let (members, roles) = (store.members().await?, store.roles().await?);
    Ok(Json(json!({
        "data": tokens.iter().map(|t| token_json(t, &members, &roles)).collect::<Vec<_>>()
    })))
}

pub async fn revoke(
    State(state): State<AppState>,
    access: Admin,
    Path((_, token_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = Uuid::parse_str(&token_id).map_err(|_| ApiError::not_found("token"))?;
    if access.store(&state).revoke_token(id).await? {
        state.token_cache.forget(id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token").into())
    }
}
