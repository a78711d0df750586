//! API tokens of a workspace: created by admins, shown once, stored hashed.

use super::WorkspaceAccess;
use crate::AppState;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::{AppResult, Json, rfc3339};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::scope::Scope;
use kith_core::{ApiError, FieldError, Role, validate};
use kith_store::{ApiToken, NewToken, now_millis};
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
}

fn token_json(token: &ApiToken) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "scopes": token.scopes,
        "objects": token.objects,
        "createdAt": rfc3339(token.created_at),
        "expiresAt": token.expires_at.map(rfc3339),
        "lastUsedAt": token.last_used_at.map(rfc3339),
    })
}

pub async fn create(
    State(state): State<AppState>,
    access: WorkspaceAccess,
    Json(body): Json<CreateBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    access.require(Role::Admin, "creating API tokens")?;
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
    let (Some(name), true) = (name, errors.is_empty()) else {
        return Err(ApiError::invalid_fields(errors).into());
    };
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let new = NewToken {
        name: &name,
        token_hash: &token_hash(&secret),
        scopes: &scopes,
        objects: body.objects.as_deref(),
        expires_at,
    };
    let token = access.store(&state).create_token(&new).await?;
    let mut answer = token_json(&token);
    answer["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

pub async fn list(
    State(state): State<AppState>,
    access: WorkspaceAccess,
) -> AppResult<Json<Value>> {
    access.require(Role::Admin, "seeing API tokens")?;
    let tokens = access.store(&state).tokens().await?;
    Ok(Json(
        json!({ "data": tokens.iter().map(token_json).collect::<Vec<_>>() }),
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    access: WorkspaceAccess,
    Path((_, token_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    access.require(Role::Admin, "revoking API tokens")?;
    let id = Uuid::parse_str(&token_id).map_err(|_| ApiError::not_found("token"))?;
    if access.store(&state).revoke_token(id).await? {
        state.token_cache.forget(id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token").into())
    }
}
