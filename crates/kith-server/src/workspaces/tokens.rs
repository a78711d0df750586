//! API tokens of a workspace: created by admins, shown once, stored hashed.

use super::Admin;
use crate::AppState;
use crate::auth::FieldCheck;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::{AppResult, Json, rfc3339};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::scope::Scope;
use kith_core::{ApiError, Role, validate};
use kith_store::{ApiToken, CustomRole, Member, NewToken, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Tokens start with this, so secret scanners and people can tell what leaked.
pub const TOKEN_PREFIX: &str = "kith_";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
pub(crate) fn token_json(token: &ApiToken, members: &[Member], roles: &[CustomRole]) -> Value {
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
    let mut check = FieldCheck::default();
    let name = check.check("name", validate::name(&body.name));
    let scopes = checked_scopes(&mut check, &body.scopes);
    let expires_at = checked_expiry(&mut check, body.expires_at.as_deref());
    if let Some(objects) = &body.objects {
        check_objects(&state, &access, &mut check, objects).await?;
    }
    let role = checked_role(&mut check, body.role.as_deref(), access.role());
    let store = access.store(&state);
    let custom_role_id = match body.role_id.as_deref() {
        None => None,
        Some(text) => match super::roles::named_role(&store, text).await {
            Ok(role) => Some(role.id),
            // A wrong roleId is named beside the other wrong fields; a failing database is not.
            Err(crate::http::AppError(refused)) if !refused.details.is_empty() => {
                check.absorb(refused);
                None
            }
            Err(other) => return Err(other),
        },
    };
    check.finish()?;
    let (Some(name), Some(role)) = (name, role) else {
        return Err(ApiError::internal().into());
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

fn checked_scopes(check: &mut FieldCheck, texts: &[String]) -> Vec<Scope> {
    if texts.is_empty() {
        check.wrong("scopes", "must list at least one scope".into());
    }
    texts
        .iter()
        .filter_map(|s| {
            Scope::parse(s).or_else(|| {
                check.wrong(
                    "scopes",
                    format!(
                        "{s:?} is not a scope; use records:read, records:write, metadata:write"
                    ),
                );
                None
            })
        })
        .collect()
}

/// The expiry in stored milliseconds. One already past is well-formed but at odds with the
/// clock (409), which no description of the body's form can foresee.
fn checked_expiry(check: &mut FieldCheck, text: Option<&str>) -> Option<kith_store::Millis> {
    match text.map(chrono::DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(at)) if at.timestamp_millis() > now_millis() => Some(at.timestamp_millis()),
        Some(Ok(_)) => {
            check.conflicting("expiresAt", "must be in the future".into());
            None
        }
        Some(Err(_)) => {
            check.wrong("expiresAt", "must be an RFC 3339 date and time".into());
            None
        }
    }
}

/// Notes every plural name that is not an object of this workspace (404).
async fn check_objects(
    state: &AppState,
    access: &Admin,
    check: &mut FieldCheck,
    objects: &[String],
) -> AppResult<()> {
    let catalog = access.objects(state).await?;
    for plural in objects {
        if !catalog.iter().any(|o| o.name_plural == *plural) {
            check.unknown(
                "objects",
                format!("{plural:?} is not an object of this workspace"),
            );
        }
    }
    Ok(())
}

/// The built-in role the token acts with [default: member]; one above the creator's own is
/// theirs to ask for no more than to hold (403).
fn checked_role(check: &mut FieldCheck, text: Option<&str>, own: Role) -> Option<Role> {
    let Some(text) = text else {
        return Some(Role::Member);
    };
    match text.parse::<Role>() {
        Ok(role) if role <= own => Some(role),
        Ok(role) => {
            check.forbidden("role", format!("{role} is above your own role ({own})"));
            None
        }
        Err(e) => {
            check.wrong("role", e.to_string());
            None
        }
    }
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
