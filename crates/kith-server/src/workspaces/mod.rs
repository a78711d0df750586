//! Workspaces, members and invitations over `/api/v1/workspaces/*` and `/api/v1/invitations/*`.

mod access;
mod invitations;
mod members;
mod roles;
mod routes;
mod tokens;

pub use access::{Admin, Owner, WorkspaceAccess};

use crate::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/workspaces", get(routes::list).post(routes::create))
        .route(
            "/api/v1/workspaces/{workspace_id}",
            get(routes::show)
                .patch(routes::rename)
                .delete(routes::delete),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/members",
            get(members::list),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/members/{user_id}",
            patch(members::change_role).delete(members::remove),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/leave",
            post(members::leave),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/transfer-ownership",
            post(members::transfer_ownership),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/invitations",
            get(invitations::list).post(invitations::create),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}",
            delete(invitations::revoke),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/tokens",
            get(tokens::list).post(tokens::create),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/tokens/{token_id}",
            delete(tokens::revoke),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/roles",
            get(roles::list).post(roles::create),
        )
        .route(
            "/api/v1/workspaces/{workspace_id}/roles/{role_id}",
            patch(roles::update).delete(roles::delete),
        )
        .route("/api/v1/invitations/{token}", get(invitations::show))
        .route(
            "/api/v1/invitations/{token}/accept",
            post(invitations::accept),
        )
}
