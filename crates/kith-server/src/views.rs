//! The JSON shapes of accounts, workspaces and members, in one place so every route answers alike.

use crate::http::rfc3339;
use kith_core::Role;
use kith_store::{Invitation, Member, User, Workspace};
use serde_json::{Value, json};

pub fn me_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "theme": user.theme,
        "avatarUrl": user.has_avatar.then_some("/api/v1/me/avatar"),
        "twoFactor": user.two_factor,
        "createdAt": rfc3339(user.created_at),
        "updatedAt": rfc3339(user.updated_at),
    })
}

pub fn workspace_json(workspace: &Workspace, role: Role) -> Value {
    json!({
        "id": workspace.id,
        "name": workspace.name,
        "role": role,
        "requireTwoFactor": workspace.require_two_factor,
        "createdAt": rfc3339(workspace.created_at),
        "updatedAt": rfc3339(workspace.updated_at),
    })
}

pub fn member_json(member: &Member) -> Value {
    json!({
        "userId": member.user_id,
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "customRole": member.custom_role.as_ref().map(|(id, name)| json!({ "id": id, "name": name })),
        "joinedAt": rfc3339(member.joined_at),
    })
}

pub fn invitation_json(invitation: &Invitation) -> Value {
    json!({
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "invitedBy": invitation.invited_by,
        "createdAt": rfc3339(invitation.created_at),
        "expiresAt": rfc3339(invitation.expires_at),
    })
}
