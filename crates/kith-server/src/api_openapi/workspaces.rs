//! The operations of `/api/v1/workspaces/*` and `/api/v1/invitations/*` (`crate::workspaces`).

use super::Op;
use super::schemas::{body, email, list_of, name, role_name, schema_ref};
use serde_json::{Value, json};

use crate::workspaces::paths::{
    AUDIT, CHANGE_SET, CHANGE_SET_REVERT, CHANGE_SETS, INVITATIONS, MEMBER, PRIVACY_ERASURES,
    PRIVACY_SUBJECT, ROLE, ROLES, TOKENS, TWO_FACTOR, WEBHOOK, WEBHOOK_DELIVERIES, WEBHOOK_TEST,
    WEBHOOKS, WORKSPACE,
};

const NOT_A_MEMBER: &str = "the workspace does not exist or the caller is not a member of it";
const NEEDS_ADMIN: &str = "the caller's role is below admin";
const NO_TWO_FACTOR: &str = "the workspace requires two-factor sign-in and the caller's account has none (details name twoFactor)";

pub fn operations() -> Vec<Op> {
    let mut all = workspaces();
    all.extend(members());
    all.extend(invitations());
    all.extend(tokens());
    all.extend(roles());
    all.extend(audit());
    all.extend(privacy());
    all.extend(change_sets());
    all.extend(webhooks());
    all
}

fn audit() -> Vec<Op> {
    let entry = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "at", "principal", "client", "action", "arguments", "outcome", "durationMs", "records"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "at": { "type": "string", "format": "date-time" },
            "principal": {
                "type": "object", "additionalProperties": false, "required": ["id", "name"],
                "properties": { "id": { "type": "string", "description": "token:{id}" }, "name": { "type": "string" } },
            },
            "client": { "type": "string", "description": "The MCP client, or the HTTP User-Agent" },
            "action": { "type": "string", "description": "mcp:{tool}, or the method and route" },
            "arguments": { "description": "What the call asked, without field values" },
            "outcome": { "type": "string", "description": "ok, or the error code" },
            "durationMs": { "type": "integer" },
            "records": { "type": "array", "items": { "type": "object" }, "description": "The records it wrote events for" },
        },
    });
    let instant = json!({ "type": "string", "format": "date-time" });
    vec![admin_op("GET", AUDIT, "Audit", "listAudit", "The audit log of API tokens and agents")
        .describe("Every MCP tool call and every write by an API token, newest first; kept KITH_AUDIT_RETENTION_DAYS (90 by default).")
        .query("principal", json!({ "type": "string" }), "Only this token's calls: token:{id}")
        .query("action", json!({ "type": "string" }), "Only this tool or route (mcp:update_record), or a prefix and * (mcp:*)")
        .query("since", instant.clone(), "From this instant on")
        .query("until", instant, "Before this instant")
        .query("cursor", json!({ "type": "string", "format": "uuid" }), "nextCursor of the previous page")
        .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "How many")
        .refuses("400", "a parameter is unknown, or since, until, cursor or limit is not of its form (the message names it)")
        .answer("200", "Newest first", json!({
            "type": "object", "required": ["data", "nextCursor"], "additionalProperties": false,
            "properties": {
                "data": { "type": "array", "items": entry },
                "nextCursor": { "type": ["string", "null"], "format": "uuid" },
            },
        }))]
}

fn privacy() -> Vec<Op> {
    let list = |items: &str| json!({ "type": "array", "items": { "type": "object" }, "description": items });
    let subject = json!({
        "type": "object", "additionalProperties": false,
        "required": ["email", "records", "mentions", "events", "audit", "importRows", "webhookDeliveries"],
        "properties": {
            "email": { "type": "string" },
            "records": list("{object, id, record, timeline}: records with the address in an email field, in the trash or not, each with its history"),
            "mentions": list("{object, id, record, linked, mentions}: notes and tasks linked to those records or mentioning the address"),
            "events": list("{object, recordId, id, kind, changes}: entries of other records' history naming the address"),
            "audit": list("{id, principalName, action, summary}: audit entries naming one of the records"),
            "importRows": list("{importId, rowNumber, action, reason, cells}: import history rows holding the address or naming a record"),
            "webhookDeliveries": list("{id, webhookId, event, createdAt}: webhook deliveries that carried the address or a record"),
        },
    });
    let count = json!({ "type": "integer", "minimum": 0 });
    let erasure = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "erasedAt", "records", "deletedMentions", "scrubbedMentions", "scrubbedEvents", "auditEntries", "importRows", "webhookDeliveries"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "erasedAt": { "type": "string", "format": "date-time" },
            "records": count, "deletedMentions": count, "scrubbedMentions": count, "scrubbedEvents": count,
            "auditEntries": count, "importRows": count, "webhookDeliveries": count,
        },
    });
    vec![
        admin_op("GET", PRIVACY_SUBJECT, "Privacy", "findDataSubject", "Everything the workspace holds about a person, by email address")
            .describe("A data-subject access request: the answer is the export. Matching is case-insensitive. To rectify, change the records themselves.")
            .required_query("email", email(), "The person's email address")
            .refuses("400", "email is missing or not an email address")
            .answer("200", "What was found (empty lists when nothing)", subject),
        admin_op("POST", PRIVACY_ERASURES, "Privacy", "eraseDataSubject", "Erase everything the workspace holds about a person")
            .describe("Deletes for good the records with the address in an email field (with their history, links and search entries) and the notes and tasks linked to nothing else; replaces the address with [erased] in other notes, tasks and history entries; deletes the audit entries, favourites, import rows (and stored import files) and webhook deliveries about them. Logs the erasure with a salted hash of the address only. Cannot be undone.")
            .json_body(body(json!({ "email": email() }), &["email"]))
            .answer("200", "The erasure log's entry, with what was erased in counts", erasure.clone()),
        admin_op("GET", PRIVACY_ERASURES, "Privacy", "listErasures", "The erasure log")
            .describe("Newest first. It holds no personal data: the addresses only as salted hashes, which are not answered.")
            .answer("200", "Every erasure of the workspace", json!({
                "type": "object", "required": ["data"], "additionalProperties": false,
                "properties": { "data": { "type": "array", "items": erasure } },
            })),
    ]
}

fn name_body() -> Value {
    body(json!({ "name": name() }), &["name"])
}

/// An operation on one workspace, open to its members.
pub(super) fn member_op(
    method: &'static str,
    path: &'static str,
    tag: &str,
    id: &str,
    summary: &str,
) -> Op {
    Op::new(method, path, tag, id, summary)
        .refuses("404", NOT_A_MEMBER)
        .refuses("403", NO_TWO_FACTOR)
}

/// An operation on one workspace, for its admins and owners.
pub(super) fn admin_op(
    method: &'static str,
    path: &'static str,
    tag: &str,
    id: &str,
    summary: &str,
) -> Op {
    member_op(method, path, tag, id, summary).refuses("403", NEEDS_ADMIN)
}

fn workspaces() -> Vec<Op> {
    vec![
        Op::new(
            "GET",
            "/api/v1/workspaces",
            "Workspaces",
            "listWorkspaces",
            "The caller's workspaces",
        )
        .answer("200", "Each with the caller's role", list_of("Workspace")),
        Op::new(
            "POST",
            "/api/v1/workspaces",
            "Workspaces",
            "createWorkspace",
            "Create a workspace",
        )
        .json_body(name_body())
        .answer(
            "201",
            "The workspace; the caller is its owner",
            schema_ref("Workspace"),
        ),
        member_op(
            "GET",
            WORKSPACE,
            "Workspaces",
            "getWorkspace",
            "One workspace",
        )
        .answer(
            "200",
            "The workspace with the caller's role",
            schema_ref("Workspace"),
        ),
        admin_op(
            "PATCH",
            WORKSPACE,
            "Workspaces",
            "renameWorkspace",
            "Rename a workspace",
        )
        .json_body(name_body())
        .answer("200", "The workspace as renamed", schema_ref("Workspace")),
        member_op(
            "PUT",
            TWO_FACTOR,
            "Workspaces",
            "requireTwoFactor",
            "Require two-factor sign-in of every member, or stop requiring it",
        )
        .describe("While required, members (and their API tokens) without two-factor sign-in are refused with 403 on every route of the workspace. Only an owner with two-factor sign-in of their own can turn it on.")
        .json_body(body(json!({ "required": { "type": "boolean" } }), &["required"]))
        .answer("200", "The workspace", schema_ref("Workspace"))
        .refuses("403", "the caller is not an owner")
        .refuses("409", "the owner asking has no two-factor sign-in of their own (details name requireTwoFactor)"),
        member_op(
            "DELETE",
            WORKSPACE,
            "Workspaces",
            "deleteWorkspace",
            "Delete a workspace",
        )
        .describe("Nobody enters it from now on (its members, its tokens). Its owners can restore it during the grace period (KITH_WORKSPACE_RETENTION_DAYS, 30 days); then it is purged with its records, memberships, invitations and tokens.")
        .empty("204", "Deleted")
        .refuses("403", "the caller is not an owner"),
        Op::new(
            "GET",
            "/api/v1/workspaces/deleted",
            "Workspaces",
            "listDeletedWorkspaces",
            "The deleted workspaces the caller owns, that can still be restored",
        )
        .answer(
            "200",
            "Each with when it was deleted and when it is purged, latest deleted first",
            json!({ "type": "object", "properties": { "data": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" },
                    "role": { "type": "string" },
                    "deletedAt": { "type": "string", "format": "date-time" },
                    "purgedAt": { "type": "string", "format": "date-time" },
                },
            } } } }),
        ),
        Op::new(
            "POST",
            "/api/v1/workspaces/{workspace_id}/restore",
            "Workspaces",
            "restoreWorkspace",
            "Restore a deleted workspace, as it was",
        )
        .answer("200", "The workspace, open again", schema_ref("Workspace"))
        .refuses("404", "no deleted workspace of that id that the caller owns"),
    ]
}

fn members() -> Vec<Op> {
    let role_body = json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "role": { "enum": ["owner", "admin", "member", "viewer", null] },
            "roleId": { "type": ["string", "null"], "format": "uuid" },
        },
        "oneOf": [
            { "required": ["role"], "properties": { "role": schema_ref("RoleName"), "roleId": { "type": "null" } } },
            { "required": ["roleId"], "properties": { "roleId": { "type": "string" }, "role": { "type": "null" } } },
        ],
        "description": "Either a built-in role, or roleId: a custom role of the workspace (the member then ranks as member)",
    });
    vec![
        member_op(
            "GET",
            "/api/v1/workspaces/{workspace_id}/members",
            "Members",
            "listMembers",
            "The members",
        )
        .answer("200", "Every member with their role", list_of("Member")),
        admin_op(
            "PATCH",
            MEMBER,
            "Members",
            "changeMemberRole",
            "Give a member another role",
        )
        .json_body(role_body)
        .answer("200", "The member as changed", schema_ref("Member"))
        .refuses(
            "403",
            "giving or taking the owner role needs the owner role",
        )
        .refuses(
            "404",
            "no such member, or roleId names no custom role of the workspace",
        )
        .refuses("409", "the workspace would be left without an owner"),
        member_op(
            "DELETE",
            MEMBER,
            "Members",
            "removeMember",
            "Remove a member (yourself: leave)",
        )
        .empty("204", "Removed")
        .refuses(
            "403",
            "removing someone else needs the admin role, an owner the owner role",
        )
        .refuses("404", "no such member")
        .refuses("409", "the workspace would be left without an owner"),
        member_op(
            "POST",
            "/api/v1/workspaces/{workspace_id}/leave",
            "Members",
            "leaveWorkspace",
            "Leave the workspace",
        )
        .empty("204", "Left")
        .refuses("409", "the caller is its last owner"),
        member_op(
            "POST",
            "/api/v1/workspaces/{workspace_id}/transfer-ownership",
            "Members",
            "transferOwnership",
            "Make another member owner",
        )
        .describe("The caller stays on as admin.")
        .json_body(body(
            json!({ "userId": { "type": "string", "format": "uuid" } }),
            &["userId"],
        ))
        .answer("200", "Every member, as changed", list_of("Member"))
        .refuses("403", "the caller is not an owner")
        .refuses("404", "userId is not a member")
        .refuses("409", "userId is the caller, the owner already"),
    ]
}

fn invitations() -> Vec<Op> {
    let invite = body(
        json!({
            "email": email(),
            "role": { "enum": ["admin", "member", "viewer", null], "description": "[default: member]; owners are made by transferring ownership" },
        }),
        &["email"],
    );
    vec![
        admin_op(
            "GET",
            INVITATIONS,
            "Invitations",
            "listInvitations",
            "Open invitations",
        )
        .answer(
            "200",
            "Invitations neither accepted, revoked nor expired",
            list_of("Invitation"),
        ),
        admin_op(
            "POST",
            INVITATIONS,
            "Invitations",
            "invite",
            "Invite someone by email",
        )
        .describe("Mails a link valid for 7 days.")
        .json_body(invite)
        .answer("201", "The invitation", schema_ref("Invitation"))
        .refuses("409", "the address is a member already"),
        admin_op(
            "DELETE",
            "/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}",
            "Invitations",
            "revokeInvitation",
            "Revoke an invitation",
        )
        .empty("204", "Revoked")
        .refuses("404", "no such open invitation"),
        Op::new(
            "GET",
            "/api/v1/invitations/{token}",
            "Invitations",
            "showInvitation",
            "What an invitation link is for",
        )
        .anonymous()
        .describe("No session needed: the code is the key.")
        .answer("200", "The invitation", schema_ref("InvitationPreview"))
        .refuses(
            "404",
            "the code is unknown, or the invitation expired, was revoked or was used",
        ),
        Op::new(
            "POST",
            "/api/v1/invitations/{token}/accept",
            "Invitations",
            "acceptInvitation",
            "Join with the signed-in account",
        )
        .answer(
            "200",
            "The workspace with the role given",
            schema_ref("Workspace"),
        )
        .refuses("403", "the invitation is for another email address")
        .refuses(
            "404",
            "the code is unknown, or the invitation expired, was revoked or was used",
        )
        .refuses("409", "the account is a member already"),
    ]
}

fn tokens() -> Vec<Op> {
    let create = body(
        json!({
            "name": name(),
            "scopes": { "type": "array", "minItems": 1, "items": schema_ref("Scope") },
            "objects": { "type": ["array", "null"], "items": { "type": "string" }, "description": "Plural API names of the objects it may reach [default: every object]" },
            "expiresAt": { "type": ["string", "null"], "format": "date-time", "description": "In the future [default: never]" },
            "role": { "enum": ["owner", "admin", "member", "viewer", null], "description": "At most the caller's own [default: member]" },
            "roleId": { "type": ["string", "null"], "format": "uuid", "description": "A custom role of the workspace instead" },
        }),
        &["name", "scopes"],
    );
    vec![
        admin_op(
            "GET",
            TOKENS,
            "API tokens",
            "listTokens",
            "The workspace's tokens",
        )
        .answer(
            "200",
            "Tokens without their secret, with creator, role and last use",
            list_of("Token"),
        ),
        admin_op(
            "POST",
            TOKENS,
            "API tokens",
            "createToken",
            "Create a token",
        )
        .json_body(create)
        .answer(
            "201",
            "The token with its secret, shown this once",
            schema_ref("NewToken"),
        )
        .refuses("403", "role is above the caller's own")
        .refuses(
            "404",
            "objects names an object, or roleId a custom role, the workspace does not have",
        )
        .refuses("409", "expiresAt is not in the future"),
        admin_op(
            "DELETE",
            "/api/v1/workspaces/{workspace_id}/tokens/{token_id}",
            "API tokens",
            "revokeToken",
            "Revoke a token",
        )
        .empty("204", "Revoked")
        .refuses("404", "no such token"),
    ]
}

fn roles() -> Vec<Op> {
    let role = body(
        json!({ "name": role_name(), "permissions": schema_ref("PermissionsInput") }),
        &["name", "permissions"],
    );
    let listed = json!({ "oneOf": [schema_ref("BuiltInRole"), schema_ref("CustomRole")] });
    vec![
        member_op("GET", ROLES, "Roles", "listRoles", "The roles")
            .answer("200", "The built-in roles, then the custom ones", json!({
                "type": "object", "required": ["data"], "additionalProperties": false,
                "properties": { "data": { "type": "array", "items": listed } },
            })),
        admin_op("POST", ROLES, "Roles", "createRole", "Create a custom role")
            .json_body(role.clone())
            .answer("201", "The role", schema_ref("CustomRole"))
            .refuses("404", "permissions names an object or field the workspace does not have")
            .refuses("409", "another role has the name"),
        admin_op("PATCH", ROLE, "Roles", "updateRole", "Rename a custom role and set its permissions")
            .describe("Tokens holding the role see the change within a few seconds.")
            .json_body(role)
            .answer("200", "The role as changed", schema_ref("CustomRole"))
            .refuses("404", "no such custom role; or permissions names an object or field the workspace does not have")
            .refuses("409", "another role has the name"),
        admin_op("DELETE", ROLE, "Roles", "deleteRole", "Delete a custom role")
            .empty("204", "Deleted")
            .refuses("404", "no such custom role")
            .refuses("409", "a member or a live token holds it"),
    ]
}

fn change_sets() -> Vec<Op> {
    let change_set = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "principal", "label", "openedAt", "lastWriteAt", "revertedAt"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "principal": { "type": "string", "description": "token:{id}, the API token or agent whose writes these are" },
            "label": { "type": "string", "description": "The token's name" },
            "openedAt": { "type": "string", "format": "date-time" },
            "lastWriteAt": { "type": "string", "format": "date-time" },
            "revertedAt": { "type": ["string", "null"], "format": "date-time" },
        },
    });
    let mut with_changes = change_set.clone();
    if let Some(required) = with_changes["required"].as_array_mut() {
        required.push(json!("changes"));
    }
    with_changes["properties"]["changes"] =
        json!({ "type": "array", "items": { "type": "object" } });
    let outcome = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "reverted", "conflicts", "skipped"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "reverted": { "type": "array", "items": { "type": "object" }, "description": "Each record put back: deleted, restored or updated (with its fields)" },
            "conflicts": { "type": "array", "items": { "type": "object" }, "description": "Each field someone changed since, left as it is" },
            "skipped": { "type": "array", "items": { "type": "object" } },
        },
    });
    vec![
        admin_op("GET", CHANGE_SETS, "Change sets", "listChangeSets", "The change sets of API tokens and agents")
            .describe("Every write by an API token or an agent belongs to a change set: the one named by the Kith-Change-Set header (or a tool's change_set argument), or else the token's latest while it had a write in the last 10 minutes.")
            .query("principal", json!({ "type": "string" }), "Only this token's: token:{id}")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "How many, newest first")
            .refuses("400", "a parameter is unknown, or limit is not a whole number from 1 to 200")
            .answer("200", "Newest first", json!({
                "type": "object", "required": ["data"], "additionalProperties": false,
                "properties": { "data": { "type": "array", "items": change_set } },
            })),
        admin_op("GET", CHANGE_SET, "Change sets", "showChangeSet", "A change set and its changes")
            .answer("200", "Its changes, oldest first", with_changes)
            .refuses("404", "no such change set"),
        admin_op("POST", CHANGE_SET_REVERT, "Change sets", "revertChangeSet", "Undo a change set")
            .describe("Old values back, created records to the trash, deleted records restored, in one transaction. A field changed since by anyone else is left alone and reported as a conflict.")
            .answer("200", "What was put back, and the conflicts", outcome)
            .refuses("404", "no such change set")
            .refuses("409", "the change set was reverted already"),
    ]
}

fn webhook_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "url", "events", "enabled", "disabledAt", "disabledReason", "consecutiveFailures", "createdBy", "createdAt", "updatedAt"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "url": { "type": "string", "description": "As given, normalized by the WHATWG URL rules" },
            "events": { "type": "array", "items": { "type": "string" } },
            "enabled": { "type": "boolean" },
            "disabledAt": { "type": ["string", "null"], "format": "date-time" },
            "disabledReason": { "type": ["string", "null"] },
            "consecutiveFailures": { "type": "integer", "description": "Deliveries in a row that failed every attempt; at 5 the webhook is disabled" },
            "createdBy": { "type": "string", "format": "uuid", "description": "The admin whose role's read rights shape every delivery" },
            "createdAt": { "type": "string", "format": "date-time" },
            "updatedAt": { "type": "string", "format": "date-time" },
        },
    })
}

fn webhooks() -> Vec<Op> {
    use crate::webhooks::patterns::{MAX_PATTERNS, PATTERN_REGEX};
    use crate::webhooks::url::URL_REGEX;
    let url = json!({ "type": "string", "minLength": 1, "maxLength": 2048, "pattern": URL_REGEX, "description": "An http(s) URL with a host name (its last label starting with a letter) or an IPv4 address, an optional port, and no spaces; deliveries are posted to it" });
    let events = json!({
        "type": "array", "minItems": 1, "maxItems": MAX_PATTERNS,
        "items": { "type": "string", "pattern": PATTERN_REGEX },
        "description": "Event patterns: *, object.action (person.created), *.action (*.deleted) or object.* (person.*); objects by singular name; actions created, updated, deleted, restored",
    });
    let create = body(json!({ "url": url, "events": events }), &["url", "events"]);
    // In a change, null (like a missing key) leaves the value as it is.
    let or_null = |schema: &Value| {
        let mut schema = schema.clone();
        let kind = schema["type"].clone();
        schema["type"] = json!([kind, "null"]);
        schema
    };
    let update = body(
        json!({
            "url": or_null(&url),
            "events": or_null(&events),
            "enabled": { "type": ["boolean", "null"], "description": "true enables a disabled webhook again (its failures forgotten)" },
        }),
        &[],
    );
    let mut created = webhook_schema();
    if let Some(required) = created["required"].as_array_mut() {
        required.push(json!("secret"));
    }
    created["properties"]["secret"] =
        json!({ "type": "string", "description": "The signing secret (whsec_…), shown this once" });
    let attempt = json!({
        "type": "object", "additionalProperties": false,
        "required": ["attempt", "at", "statusCode", "error", "durationMs"],
        "properties": {
            "attempt": { "type": "integer", "minimum": 1 },
            "at": { "type": "string", "format": "date-time" },
            "statusCode": { "type": ["integer", "null"], "description": "The receiver's answer; null when there was none" },
            "error": { "type": ["string", "null"], "description": "Why the attempt failed; null when it succeeded" },
            "durationMs": { "type": "integer" },
        },
    });
    let delivery = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "eventId", "event", "status", "createdAt", "nextAttemptAt", "attempts"],
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "eventId": { "type": "string", "format": "uuid", "description": "Sent as X-Kith-Event-Id, the same on every attempt" },
            "event": { "type": "string" },
            "status": { "enum": ["pending", "delivered", "failed"] },
            "createdAt": { "type": "string", "format": "date-time" },
            "nextAttemptAt": { "type": ["string", "null"], "format": "date-time" },
            "attempts": { "type": "array", "items": attempt },
        },
    });
    let list = json!({
        "type": "object", "required": ["data"], "additionalProperties": false,
        "properties": { "data": { "type": "array", "items": webhook_schema() } },
    });
    vec![
        admin_op("GET", WEBHOOKS, "Webhooks", "listWebhooks", "The workspace's webhooks")
            .answer("200", "Oldest first, without their secrets", list),
        admin_op("POST", WEBHOOKS, "Webhooks", "createWebhook", "Create a webhook")
            .describe("Every change of a record matching events is posted to url as JSON, signed with HMAC-SHA256 over \"{X-Kith-Timestamp}.{body}\" (X-Kith-Signature: v1=<hex>), carrying what the creator's role may read. Failed deliveries are retried after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h; after 5 deliveries in a row fail every attempt the webhook is disabled and the admins are mailed.")
            .json_body(create)
            .answer("201", "The webhook with its signing secret, shown this once", created)
            .refuses("404", "events names an object the workspace does not have"),
        admin_op("GET", WEBHOOK, "Webhooks", "getWebhook", "One webhook")
            .answer("200", "The webhook, without its secret", webhook_schema())
            .refuses("404", "no such webhook"),
        admin_op("PATCH", WEBHOOK, "Webhooks", "updateWebhook", "Change a webhook, or enable or disable it")
            .json_body(update)
            .answer("200", "The webhook as changed", webhook_schema())
            .refuses("404", "no such webhook; or events names an object the workspace does not have"),
        admin_op("DELETE", WEBHOOK, "Webhooks", "deleteWebhook", "Delete a webhook and its delivery log")
            .empty("204", "Deleted")
            .refuses("404", "no such webhook"),
        admin_op("GET", WEBHOOK_DELIVERIES, "Webhooks", "listWebhookDeliveries", "The delivery log")
            .describe("The newest 100 deliveries, each with every attempt (status code, error, time).")
            .answer("200", "Newest first", json!({
                "type": "object", "required": ["data"], "additionalProperties": false,
                "properties": { "data": { "type": "array", "items": delivery } },
            }))
            .refuses("404", "no such webhook"),
        admin_op("POST", WEBHOOK_TEST, "Webhooks", "testWebhook", "Send a test event")
            .describe("Queues a webhook.test delivery, sent within a second like any other; its outcome shows in the delivery log.")
            .answer("202", "Queued", json!({
                "type": "object", "additionalProperties": false, "required": ["eventId", "event", "status"],
                "properties": {
                    "eventId": { "type": "string", "format": "uuid" },
                    "event": { "const": "webhook.test" },
                    "status": { "const": "pending" },
                },
            }))
            .refuses("404", "no such webhook")
            .refuses("409", "the webhook is disabled"),
    ]
}
