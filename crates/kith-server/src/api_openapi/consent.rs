//! The operations of the OAuth consent screen (`crate::oauth::consent`): what it asks the
//! person about, and their answer.

use super::Op;
use super::schemas::{body, closed, nullable, schema_ref};
use crate::oauth::consent::PATH;
use serde_json::{Value, json};

const TAG: &str = "Connected apps";
const GRANTS: [&str; 3] = ["read", "write", "schema"];

/// The parameters of `/oauth/authorize` that Kith reads, each with its schema and whether it
/// must be given.
fn parameters() -> [(&'static str, Value, bool, &'static str); 8] {
    let text = json!({ "type": "string" });
    [
        (
            "response_type",
            json!({ "type": "string", "enum": ["code"] }),
            true,
            "The authorization code flow, the only one",
        ),
        (
            "client_id",
            text.clone(),
            true,
            "The app, as registered at /oauth/register",
        ),
        (
            "redirect_uri",
            text.clone(),
            false,
            "One of the app's registered addresses (a loopback one on any port) [default: the only one it registered]",
        ),
        (
            "code_challenge",
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{43}$" }),
            true,
            "PKCE: the base64url SHA-256 of the app's verifier",
        ),
        (
            "code_challenge_method",
            json!({ "type": "string", "enum": ["S256"] }),
            true,
            "PKCE's method, S256 only",
        ),
        (
            "state",
            text.clone(),
            false,
            "The app's own value, sent back to it",
        ),
        (
            "scope",
            json!({ "type": "string", "pattern": "^( *(records:read|records:write|metadata:write))* *$" }),
            false,
            "Scopes asked for, separated by spaces [default: records:read]",
        ),
        (
            "resource",
            text,
            false,
            "This server's /mcp (RFC 8707), or the server itself [default: /mcp]",
        ),
    ]
}

/// The authorization request as the answer's body carries it.
fn request() -> Value {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for (name, schema, needed, description) in parameters() {
        let mut schema = if needed { schema } else { nullable(schema) };
        schema["description"] = json!(description);
        properties.insert(name.to_owned(), schema);
        if needed {
            required.push(name);
        }
    }
    let mut schema = body(Value::Object(properties), &required);
    schema["description"] =
        json!("The parameters of /oauth/authorize, as the consent screen's address carries them");
    schema
}

fn prompt() -> Value {
    let grant = closed(json!({
        "name": { "type": "string", "enum": GRANTS },
        "description": { "type": "string", "description": "What it lets the app do, in plain words" },
        "scopes": { "type": "array", "items": schema_ref("Scope") },
    }));
    closed(json!({
        "client": closed(json!({
            "id": { "type": "string" },
            "name": { "type": "string", "description": "As the app registered itself: show it as text" },
        })),
        "redirectHost": { "type": "string", "description": "Where the answer sends the browser: the redirect URI's scheme and host" },
        "requested": { "type": "string", "enum": GRANTS, "description": "The smallest grant holding every scope asked for" },
        "grants": { "type": "array", "items": grant, "description": "Every grant the person may choose, each adding to the one before" },
    }))
}

fn decision() -> Value {
    let mut schema = body(
        json!({
            "request": request(),
            "decision": { "type": "string", "enum": ["allow", "deny"] },
            "workspaceId": nullable(json!({ "type": "string", "format": "uuid", "description": "The workspace the app may work in; needed to allow" })),
            "grant": nullable(json!({ "type": "string", "enum": GRANTS, "description": "What the app may do there; needed to allow" })),
        }),
        &["request", "decision"],
    );
    schema["if"] =
        json!({ "properties": { "decision": { "const": "allow" } }, "required": ["decision"] });
    schema["then"] = json!({
        "properties": { "workspaceId": { "type": "string" }, "grant": { "type": "string" } },
        "required": ["workspaceId", "grant"],
    });
    schema
}

const UNKNOWN: &str = "client_id names no app registered with this server";
const AT_ODDS: &str = "redirect_uri is not an address the app registered (or is missing and it registered several), or resource names another server";

pub fn operations() -> Vec<Op> {
    let mut show = Op::new("GET", PATH, TAG, "getAuthorization", "What an app asks to be allowed")
        .describe("For the consent screen (/oauth/consent, where /oauth/authorize sends the browser): the app, where the answer goes and what it may be allowed, after the same checks as /oauth/authorize.");
    for (name, schema, needed, description) in parameters() {
        show = match needed {
            true => show.required_query(name, schema, description),
            false => show.query(name, schema, description),
        };
    }
    vec![
        show.answer("200", "What to ask the person", prompt())
            .refuses("400", "a parameter is missing, unknown or not of its form (the message names it)")
            .refuses("404", UNKNOWN)
            .refuses("409", AT_ODDS),
        Op::new("POST", PATH, TAG, "decideAuthorization", "Allow or deny an app")
            .describe("The signed-in person's answer. Allowing makes a grant of the chosen workspace and level (acting as the person, never beyond their role) and a one-time code, good for 5 minutes; denying sends the app access_denied. The browser is then sent to redirectTo.")
            .json_body(decision())
            .answer("200", "Where the browser goes: the app's redirect URI with code (or error), state and iss", closed(json!({
                "redirectTo": { "type": "string", "format": "uri" },
            })))
            .refuses("400", "decision is allow without workspaceId or grant")
            .refuses("404", "request.client_id names no app registered with this server, or workspaceId names no workspace the person is a member of")
            .refuses("409", "request.redirect_uri is not an address the app registered (or is missing and it registered several), or request.resource names another server"),
    ]
}
