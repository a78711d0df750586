//! [`RestAccess`]: who calls the REST API, in which workspace, with which rights, and that
//! workspace's data. A script or agent sends `Authorization: Bearer kith_…` (the token is bound
//! to one workspace and limited by its scopes and objects); a browser session names the workspace
//! in the `X-Kith-Workspace` header, checked against membership on every request.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::tokens::token_hash;
use crate::http::AppError;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use kith_core::access::{Access, Action, Principal};
use kith_core::metadata::{Actor, ActorSource, ObjectMeta};
use kith_core::scope::Scope;
use kith_core::{ApiError, ErrorCode, Role};
use kith_store::{ApiToken, DataStore, Tenant, now_millis};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub const WORKSPACE_HEADER: &str = "x-kith-workspace";

pub struct RestAccess {
    pub tenant: Tenant,
    pub actor: Actor,
    pub data: DataStore,
    /// Every object of the workspace, loaded once for the request.
    pub catalog: std::sync::Arc<Vec<ObjectMeta>>,
    /// Set when the caller is an API token rather than a person.
    pub token: Option<ApiToken>,
}

impl RestAccess {
    /// Who calls and what they may do; the data handle applies it to every read and write,
    /// the handlers ask it first for clearer errors.
    pub fn policy(&self) -> &Access {
        self.data.access()
    }

    /// The object whose plural API name is `plural`, if the caller may read it.
    pub fn readable(&self, plural: &str) -> Result<&ObjectMeta, AppError> {
        self.require_scope(Scope::RecordsRead)?;
        let object = self
            .catalog
            .iter()
            .find(|o| o.is_active && o.name_plural == plural)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("this workspace has no object called {plural:?}"),
                )
            })?;
        self.policy().check(Action::Read, object)?;
        Ok(object)
    }

    /// The object, if the caller may change its records (`action` names the change for errors).
    pub fn writable(&self, plural: &str, action: &str) -> Result<&ObjectMeta, AppError> {
        self.require_role(Role::Member, action)?;
        self.require_scope(Scope::RecordsWrite)?;
        self.readable(plural)
    }

    pub fn require_role(&self, needed: Role, action: &str) -> Result<(), AppError> {
        Ok(self.policy().require_role(needed, action)?)
    }

    pub fn require_scope(&self, scope: Scope) -> Result<(), AppError> {
        Ok(self.policy().require_scope(scope)?)
    }
}

impl RestAccess {
    /// Whose `Idempotency-Key`s these are: one workspace and one principal.
    pub fn idempotency_scope(&self) -> String {
        format!("{}:{}", self.tenant.workspace_id(), self.principal_key())
    }

    /// The caller as one string: `user:{id}`, `token:{id}` (or `system`).
    pub fn principal_key(&self) -> String {
        match self.policy().principal {
            Principal::Token { token_id, .. } => format!("token:{token_id}"),
            Principal::Person { user_id } => format!("user:{user_id}"),
            Principal::System => "system".to_owned(),
        }
    }
}

/// A request's access, already built by a layer that needed it first (idempotency), handed to
/// the handler's extractor in the request's extensions so the request is authenticated and
/// counted once.
#[derive(Clone)]
pub(crate) struct Authenticated(Arc<Mutex<Option<RestAccess>>>);

impl Authenticated {
    pub(crate) fn new(access: RestAccess) -> Self {
        Authenticated(Arc::new(Mutex::new(Some(access))))
    }

    pub(crate) fn take(&self) -> Option<RestAccess> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl FromRequestParts<AppState> for RestAccess {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(access) = parts
            .extensions
            .get::<Authenticated>()
            .and_then(Authenticated::take)
        {
            return Ok(access);
        }
        match bearer(&parts.headers)? {
            Some(secret) => {
                let mut access = RestAccess::with_token(state, &secret).await?;
                if let Some(id) = requested_change_set(parts)? {
                    access.name_change_set(id);
                }
                Ok(access)
            }
            None => {
                let (tenant, actor, token) = session_access(parts, state).await?;
                RestAccess::open(state, tenant, actor, token).await
            }
        }
    }
}

impl RestAccess {
    /// The access of an API token's secret (unknown, revoked and expired ones refused), counted
    /// against its rate limit.
    /// The access of an API token (REST, and `kith mcp` over stdio).
    pub async fn with_token(state: &AppState, secret: &str) -> Result<RestAccess, AppError> {
        let (tenant, actor, token) = token_access(state, secret, None).await?;
        RestAccess::open(state, tenant, actor, token).await
    }

    /// The access of an API token or of an OAuth access token issued for `resource` (`/mcp`).
    pub async fn with_token_for(
        state: &AppState,
        secret: &str,
        resource: &str,
    ) -> Result<RestAccess, AppError> {
        let (tenant, actor, token) = token_access(state, secret, Some(resource)).await?;
        RestAccess::open(state, tenant, actor, token).await
    }

    async fn open(
        state: &AppState,
        tenant: Tenant,
        actor: Actor,
        token: Option<ApiToken>,
    ) -> Result<RestAccess, AppError> {
        let data = state
            .db
            .workspace(&tenant)
            .data(policy(&tenant, token.as_ref()))
            .await?;
        let catalog = data.objects().await?;
        let data = match &token {
            Some(token) => data.in_change_sets(change_set_scope(token, None)),
            None => data,
        };
        Ok(RestAccess {
            tenant,
            actor,
            data,
            catalog,
            token,
        })
    }

    /// Puts a token's writes in the change set `id` (theirs, or new) rather than the latest.
    pub fn name_change_set(&mut self, id: Uuid) {
        if let Some(token) = &self.token {
            self.data.set_change_sets(change_set_scope(token, Some(id)));
        }
    }

    /// The key a token's change sets are kept under.
    pub fn change_set_principal(&self) -> Option<String> {
        self.token
            .as_ref()
            .map(|token| format!("token:{}", token.id))
    }
}

fn change_set_scope(token: &ApiToken, requested: Option<Uuid>) -> kith_store::data::ChangeSetScope {
    kith_store::data::ChangeSetScope::new(
        format!("token:{}", token.id),
        token.name.clone(),
        requested,
    )
}

pub const CHANGE_SET_HEADER: &str = "kith-change-set";

/// The change set a `Kith-Change-Set` header names.
fn requested_change_set(parts: &Parts) -> Result<Option<Uuid>, AppError> {
    let Some(value) = parts.headers.get(CHANGE_SET_HEADER) else {
        return Ok(None);
    };
    let id = value
        .to_str()
        .ok()
        .and_then(|text| Uuid::parse_str(text.trim()).ok())
        .ok_or_else(|| {
            ApiError::invalid_field("Kith-Change-Set", "must be a change set's id (a UUID)")
        })?;
    Ok(Some(id))
}

/// The access of a member, or of a token (which acts with its own role, at most its creator's,
/// narrowed by its scopes and objects). A custom role's permissions replace the built-in role's.
pub(crate) fn policy(tenant: &Tenant, token: Option<&ApiToken>) -> Access {
    let mut person = Access::person(tenant.workspace_id(), tenant.user_id(), tenant.role());
    if let Some(custom) = tenant.custom_role() {
        person.permissions = custom.permissions.clone();
    }
    match token {
        None => person,
        Some(token) => Access {
            principal: Principal::Token {
                token_id: token.id,
                created_by: tenant.user_id(),
            },
            scopes: Some(token.scopes.clone()),
            objects: token.objects.clone(),
            ..person
        },
    }
}

/// The token of an `Authorization: Bearer …` header, if there is one; any other `Authorization`
/// is refused.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    match text.strip_prefix("Bearer ").map(str::trim) {
        Some(token) if !token.is_empty() => Ok(Some(token.to_owned())),
        _ => Err(ApiError::new(
            ErrorCode::Unauthenticated,
            "the Authorization header must be \"Bearer <API token>\"",
        )
        .into()),
    }
}

/// A token's access. OAuth access tokens are good only for the resource they were issued for
/// (RFC 8707), so they open nothing where `resource` is `None` or another.
async fn token_access(
    state: &AppState,
    secret: &str,
    resource: Option<&str>,
) -> Result<(Tenant, Actor, Option<ApiToken>), AppError> {
    let refused = || {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "this API token is unknown, revoked or expired",
        )
    };
    let hash = token_hash(secret);
    let (tenant, token) = match state.token_cache.get(&hash) {
        Some(access) => access,
        None => {
            let (tenant, token) = state
                .db
                .enter_workspace_with_token(&hash)
                .await?
                .ok_or_else(refused)?;
            state.token_cache.put(&hash, &tenant, &token);
            (tenant, token)
        }
    };
    if token.expires_at.is_some_and(|at| at <= now_millis()) {
        return Err(refused().into());
    }
    if token.oauth_client_id.is_some() && token.resource.as_deref() != resource {
        return Err(ApiError::new(
            ErrorCode::Unauthenticated,
            format!(
                "this OAuth access token is good only for {}; the REST API takes API tokens",
                token.resource.as_deref().unwrap_or("another resource")
            ),
        )
        .into());
    }
    let key = format!("token:{}", token.id);
    within_rate_limit(state, &key, state.config.token_rate_limit).await?;
    let actor = Actor {
        source: ActorSource::Api,
        workspace_member_id: None,
        name: token.name.clone(),
    };
    Ok((tenant, actor, Some(token)))
}

async fn session_access(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Tenant, Actor, Option<ApiToken>), AppError> {
    let me = CurrentUser::from_request_parts(parts, state).await?;
    let header = parts
        .headers
        .get(WORKSPACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request("send the workspace's id in the X-Kith-Workspace header")
        })?;
    // Malformed, unknown or someone else's: the same 404.
    let workspace_id =
        Uuid::parse_str(header.trim()).map_err(|_| ApiError::not_found("workspace"))?;
    let tenant = state
        .db
        .enter_workspace(me.user.id, workspace_id)
        .await?
        .ok_or_else(|| ApiError::not_found("workspace"))?;
    let key = format!("user:{}", me.user.id);
    within_rate_limit(state, &key, state.config.user_rate_limit).await?;
    let actor = Actor {
        source: ActorSource::Manual,
        workspace_member_id: Some(me.user.id),
        name: me.user.name.clone(),
    };
    Ok((tenant, actor, None))
}

/// Counts a request against `key`'s limit a minute; 429 with `Retry-After` once it is used up.
async fn within_rate_limit(state: &AppState, key: &str, per_minute: u32) -> Result<(), AppError> {
    let limit = i64::from(per_minute);
    match state
        .rate_limiter
        .hit(&state.db, key, now_millis(), limit)
        .await?
    {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(ApiError::rate_limited(retry_after).into()),
    }
}
