//! [`RestAccess`]: who calls the REST API, in which workspace, with which role, and that
//! workspace's data. For a browser session the workspace comes from the `X-Kith-Workspace` header
//! and is checked against membership on every request.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::http::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kith_core::metadata::{Actor, ActorSource, ObjectMeta};
use kith_core::{ApiError, Role};
use kith_store::{DataStore, Tenant};
use uuid::Uuid;

pub const WORKSPACE_HEADER: &str = "x-kith-workspace";

pub struct RestAccess {
    pub tenant: Tenant,
    pub actor: Actor,
    pub data: DataStore,
    /// Every object of the workspace, loaded once for the request.
    pub catalog: Vec<ObjectMeta>,
}

impl RestAccess {
    pub fn role(&self) -> Role {
        self.tenant.role()
    }

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

    /// The object whose plural API name is `plural` (`companies`).
    pub fn object(&self, plural: &str) -> Result<&ObjectMeta, AppError> {
        self.catalog
            .iter()
            .find(|o| o.is_active && o.name_plural == plural)
            .ok_or_else(|| {
                ApiError::new(
                    kith_core::ErrorCode::NotFound,
                    format!("this workspace has no object called {plural:?}"),
                )
                .into()
            })
    }
}

impl FromRequestParts<AppState> for RestAccess {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
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
        let data = state.db.workspace(&tenant).data().await?;
        let catalog = data.objects().await?;
        let actor = Actor {
            source: ActorSource::Manual,
            workspace_member_id: Some(me.user.id),
            name: me.user.name.clone(),
        };
        Ok(RestAccess {
            tenant,
            actor,
            data,
            catalog,
        })
    }
}
