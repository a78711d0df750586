//! Workspaces, members and invitations over `/api/v1/workspaces/*` and `/api/v1/invitations/*`.

mod access;
mod audit;
mod change_sets;
mod invitations;
mod members;
pub mod privacy;
mod roles;
mod routes;
pub(crate) mod tokens;
pub(crate) mod webhooks;

pub use access::{Admin, Owner, WorkspaceAccess};

use crate::http::routes::Routes;

/// The route patterns shared by the router and the `/api/v1` OpenAPI document.
pub(crate) mod paths {
    pub const WORKSPACE: &str = "/api/v1/workspaces/{workspace_id}";
    pub const TWO_FACTOR: &str = "/api/v1/workspaces/{workspace_id}/two-factor";
    pub const MEMBER: &str = "/api/v1/workspaces/{workspace_id}/members/{user_id}";
    pub const INVITATIONS: &str = "/api/v1/workspaces/{workspace_id}/invitations";
    pub const TOKENS: &str = "/api/v1/workspaces/{workspace_id}/tokens";
    pub const ROLES: &str = "/api/v1/workspaces/{workspace_id}/roles";
    pub const ROLE: &str = "/api/v1/workspaces/{workspace_id}/roles/{role_id}";
    pub const AUDIT: &str = "/api/v1/workspaces/{workspace_id}/audit";
    pub const PRIVACY_SUBJECT: &str = "/api/v1/workspaces/{workspace_id}/privacy/subject";
    pub const PRIVACY_ERASURES: &str = "/api/v1/workspaces/{workspace_id}/privacy/erasures";
    pub const CHANGE_SETS: &str = "/api/v1/workspaces/{workspace_id}/change-sets";
    pub const CHANGE_SET: &str = "/api/v1/workspaces/{workspace_id}/change-sets/{change_set_id}";
    pub const CHANGE_SET_REVERT: &str =
        "/api/v1/workspaces/{workspace_id}/change-sets/{change_set_id}/revert";
    pub const WEBHOOKS: &str = "/api/v1/workspaces/{workspace_id}/webhooks";
    pub const WEBHOOK: &str = "/api/v1/workspaces/{workspace_id}/webhooks/{webhook_id}";
    pub const WEBHOOK_DELIVERIES: &str =
        "/api/v1/workspaces/{workspace_id}/webhooks/{webhook_id}/deliveries";
    pub const WEBHOOK_TEST: &str = "/api/v1/workspaces/{workspace_id}/webhooks/{webhook_id}/test";
}

pub fn routes() -> Routes {
    use paths::*;
    Routes::default()
        .get("/api/v1/workspaces", routes::list)
        .get("/api/v1/workspaces/deleted", routes::deleted)
        .post("/api/v1/workspaces/{workspace_id}/restore", routes::restore)
        .post("/api/v1/workspaces", routes::create)
        .get(WORKSPACE, routes::show)
        .patch(WORKSPACE, routes::rename)
        .delete(WORKSPACE, routes::delete)
        .put(TWO_FACTOR, routes::require_two_factor)
        .get("/api/v1/workspaces/{workspace_id}/members", members::list)
        .patch(MEMBER, members::change_role)
        .delete(MEMBER, members::remove)
        .post("/api/v1/workspaces/{workspace_id}/leave", members::leave)
        .post(
            "/api/v1/workspaces/{workspace_id}/transfer-ownership",
            members::transfer_ownership,
        )
        .get(INVITATIONS, invitations::list)
        .post(INVITATIONS, invitations::create)
        .delete(
            "/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}",
            invitations::revoke,
        )
        .get(TOKENS, tokens::list)
        .post(TOKENS, tokens::create)
        .delete(
            "/api/v1/workspaces/{workspace_id}/tokens/{token_id}",
            tokens::revoke,
        )
        .get(ROLES, roles::list)
        .post(ROLES, roles::create)
        .patch(ROLE, roles::update)
        .delete(ROLE, roles::delete)
        .get(AUDIT, audit::list)
        .get(PRIVACY_SUBJECT, privacy::subject)
        .post(PRIVACY_ERASURES, privacy::create_erasure)
        .get(PRIVACY_ERASURES, privacy::erasures)
        .get(CHANGE_SETS, change_sets::list)
        .get(CHANGE_SET, change_sets::show)
        .post(CHANGE_SET_REVERT, change_sets::revert)
        .get(WEBHOOKS, webhooks::list)
        .post(WEBHOOKS, webhooks::create)
        .get(WEBHOOK, webhooks::show)
        .patch(WEBHOOK, webhooks::update)
        .delete(WEBHOOK, webhooks::delete)
        .get(WEBHOOK_DELIVERIES, webhooks::deliveries)
        .post(WEBHOOK_TEST, webhooks::test)
        .get("/api/v1/invitations/{token}", invitations::show)
        .post("/api/v1/invitations/{token}/accept", invitations::accept)
}
