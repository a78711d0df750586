//! [`WorkspaceAccess`]: the signed-in user's membership in the workspace named by the path,
//! checked once per request. A handler that takes it can reach that workspace's data and no other.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::http::AppError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use kith_core::{ApiError, Role};
use kith_store::{Tenant, WorkspaceStore};
use uuid::Uuid;

pub struct WorkspaceAccess {
    pub me: CurrentUser,
    pub tenant: Tenant,
}

impl WorkspaceAccess {
    pub fn role(&self) -> Role {
        self.tenant.role()
    }

    /// The member's access to the workspace's records.
    pub fn policy(&self) -> kith_core::access::Access {
        crate::records::policy(&self.tenant, None)
    }

    pub fn store<'a>(&'a self, state: &'a AppState) -> WorkspaceStore<'a> {
        state.db.workspace(&self.tenant)
    }

    /// The workspace's objects as the member's policy shows them (for bodies that name them).
    pub async fn objects(
        &self,
        state: &AppState,
    ) -> Result<std::sync::Arc<Vec<kith_core::metadata::ObjectMeta>>, AppError> {
        Ok(self
            .store(state)
            .data(self.policy())
            .await?
            .objects()
            .await?)
    }

    /// Refuses with 403, naming what was attempted, unless the member's role is at least `needed`.
    pub fn require(&self, needed: Role, action: &str) -> Result<(), AppError> {
        if self.role() >= needed {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "{action} needs the {needed} role or higher; you are {role} in this workspace",
            role = self.role()
        ))
        .into())
    }
}

impl FromRequestParts<AppState> for WorkspaceAccess {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = CurrentUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("workspace"))?;
        // Whether the id is malformed, unknown or someone else's, the answer is the same 404.
        let workspace_id = params
            .iter()
            .find(|(name, _)| *name == "workspace_id")
            .and_then(|(_, value)| Uuid::parse_str(value).ok())
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        let tenant = state
            .db
            .enter_workspace(me.user.id, workspace_id)
            .await?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        Ok(WorkspaceAccess { me, tenant })
    }
}

/// A member with the admin role or higher: a handler that needs it takes this instead of
/// [`WorkspaceAccess`], so the requirement stands in its signature and cannot be forgotten.
pub struct Admin(pub WorkspaceAccess);

/// A member with the owner role.
pub struct Owner(pub WorkspaceAccess);

/// What a refusal names: the request's method and route (`POST /api/v1/workspaces/{workspace_id}/tokens`).
fn attempted(parts: &Parts) -> String {
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    format!("{} {route}", parts.method)
}

async fn with_role(
    parts: &mut Parts,
    state: &AppState,
    needed: Role,
) -> Result<WorkspaceAccess, AppError> {
    let access = WorkspaceAccess::from_request_parts(parts, state).await?;
    access.require(needed, &attempted(parts))?;
    Ok(access)
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(Admin(with_role(parts, state, Role::Admin).await?))
    }
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(Owner(with_role(parts, state, Role::Owner).await?))
    }
}

impl std::ops::Deref for Admin {
    type Target = WorkspaceAccess;
    fn deref(&self) -> &WorkspaceAccess {
        &self.0
    }
}

impl std::ops::Deref for Owner {
    type Target = WorkspaceAccess;
    fn deref(&self) -> &WorkspaceAccess {
        &self.0
    }
}
