//! The operations of connected apps (`crate::oauth::apps`): OAuth grants, the person's own and
//! a workspace's.

use super::Op;
use super::workspaces::admin_op;
use crate::oauth::apps::{MY_APP, MY_APPS, WORKSPACE_APP, WORKSPACE_APPS};
use serde_json::{Value, json};

const TAG: &str = "Connected apps";

fn connected_app() -> Value {
    let id_name = |name: &str| {
        json!({
            "type": "object", "additionalProperties": false, "required": ["id", name],
            "properties": {
                "id": { "type": ["string", "null"] },
                name: { "type": ["string", "null"] },
            },
        })
    };
    json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "client", "workspace", "person", "scopes", "resource", "createdAt", "lastUsedAt"],
        "properties": {
            "id": { "type": "string", "format": "uuid", "description": "The grant" },
            "client": id_name("name"),
            "workspace": id_name("name"),
            "person": id_name("email"),
            "scopes": { "type": "array", "items": { "$ref": "#/components/schemas/Scope" } },
            "resource": { "type": ["string", "null"], "description": "What its tokens are good for: this server's /mcp" },
            "createdAt": { "type": "string", "format": "date-time" },
            "lastUsedAt": { "type": ["string", "null"], "format": "date-time" },
        },
    })
}

fn list() -> Value {
    json!({
        "type": "object", "required": ["data"], "additionalProperties": false,
        "properties": { "data": { "type": "array", "items": connected_app() } },
    })
}

pub fn operations() -> Vec<Op> {
    vec![
        Op::new("GET", MY_APPS, TAG, "listMyConnectedApps", "The apps I connected")
            .describe("Each OAuth grant the signed-in person gave, in every workspace, newest first. A grant acts as its person, with their current role narrowed by its scopes.")
            .answer("200", "Newest first", list()),
        Op::new("DELETE", MY_APP, TAG, "revokeMyConnectedApp", "Disconnect an app")
            .describe("Its access and refresh tokens stop working at once on this instance, and within seconds on the others.")
            .empty("204", "Disconnected")
            .refuses("404", "the person gave no such live grant"),
        admin_op("GET", WORKSPACE_APPS, TAG, "listConnectedApps", "The apps connected to the workspace")
            .answer("200", "Newest first, with who connected each", list()),
        admin_op("DELETE", WORKSPACE_APP, TAG, "revokeConnectedApp", "Disconnect an app from the workspace")
            .empty("204", "Disconnected")
            .refuses("404", "the workspace has no such live grant"),
    ]
}
