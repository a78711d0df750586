//! The schemas of the document: the texts the server checks (`kith_core::validate`), written as
//! the patterns that accept exactly what it accepts, and the shapes of its answers (`views.rs`
//! and the handlers' own `json!`).

use kith_core::validate::{PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS};
use serde_json::{Map, Value, json};

/// What `str::trim` takes off both ends (Unicode White_Space), as a character class body.
pub const SPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (Unicode Cc), refused inside names and email addresses.
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// What `validate::email` refuses anywhere in an address besides spaces and controls.
const EMAIL_SPECIALS: &str = r#"<>(),;:"\[\]\\"#;

/// A display name as `validate::name` takes it: 1 to 200 characters once trimmed, no control
/// characters (spaces around it are trimmed off, so they count for nothing).
pub fn name() -> Value {
    let pattern = format!(
        "^[{SPACE}]*[^{SPACE}{CONTROL}](?:[^{CONTROL}]{{0,198}}[^{SPACE}{CONTROL}])?[{SPACE}]*$"
    );
    json!({
        "type": "string", "pattern": pattern,
        "description": "1 to 200 characters once the spaces around it are trimmed off, no control characters",
    })
}

/// An email address as `validate::email` takes it: `local@domain.tld` once trimmed, where the
/// domain has a dot, no empty label, and no part has spaces, controls or `<>(),;:"[]\`.
pub fn email() -> Value {
    let forbidden = format!("{SPACE}{CONTROL}{EMAIL_SPECIALS}");
    let pattern = format!(
        r"^[{SPACE}]*[^@{forbidden}]+@[^@.{forbidden}]+(?:\.[^@.{forbidden}]+)+[{SPACE}]*$"
    );
    json!({
        "type": "string", "pattern": pattern, "maxLength": 254,
        "description": "An email address (local@domain.tld), at most 254 characters; stored trimmed and lower-cased",
    })
}

/// A new password: `validate::new_password`.
pub fn new_password(not: &str) -> Value {
    json!({
        "type": "string", "minLength": PASSWORD_MIN_CHARS, "maxLength": PASSWORD_MAX_BYTES,
        "description": format!(
            "At least {PASSWORD_MIN_CHARS} characters and at most {PASSWORD_MAX_BYTES} bytes of UTF-8, and not {not}"
        ),
    })
}

/// A role's name, not one of the built-in roles'.
pub fn role_name() -> Value {
    json!({
        "allOf": [name(), { "not": { "pattern": format!("^[{SPACE}]*(?:owner|admin|member|viewer)[{SPACE}]*$") } }],
        "description": "As a name (1 to 200 characters once trimmed), and not owner, admin, member or viewer",
    })
}

/// The schema, or null (`Option` fields: null reads as absent).
pub fn nullable(mut schema: Value) -> Value {
    if let Some(kind) = schema["type"].as_str() {
        schema["type"] = json!([kind, "null"]);
    }
    schema
}

pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// `{"data":[items]}`.
pub fn list_of(name: &str) -> Value {
    closed(json!({ "data": { "type": "array", "items": schema_ref(name) } }))
}

/// An object with exactly these properties, all of them present.
pub fn closed(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({ "type": "object", "required": required, "additionalProperties": false, "properties": properties })
}

/// A body object with these properties, of which `required` must be present; unknown keys are
/// refused (400 naming the key).
pub fn body(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "required": required, "additionalProperties": false, "properties": properties })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn nullable_time() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}

/// The schemas named in `components`.
pub fn components() -> Value {
    let mut schemas = Map::new();
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
    add(
        "FieldError",
        closed(json!({ "field": string(), "message": string() })),
    );
    for (name, _, codes) in ERRORS {
        add(&format!("{name}Error"), error_schema(codes));
    }
    add(
        "RoleName",
        json!({ "type": "string", "enum": ["owner", "admin", "member", "viewer"] }),
    );
    add(
        "Scope",
        json!({ "type": "string", "enum": ["records:read", "records:write", "metadata:write"] }),
    );
    add("Me", me());
    add("Workspace", workspace());
    add("Member", member());
    add("Invitation", invitation());
    add("InvitationPreview", invitation_preview());
    add("Token", token());
    add("NewToken", new_token());
    add("ObjectRights", object_rights());
    add("Permissions", permissions());
    add("PermissionsInput", permissions_input());
    add("BuiltInRole", built_in_role());
    add("CustomRole", custom_role());
    add("LoginEvent", login_event());
    add("Message", closed(json!({ "message": string() })));
    Value::Object(schemas)
}

/// Each error status: its schema's name, when it is given, and the codes it carries.
const ERRORS: [(&str, &str, &[&str]); 11] = [
    ("BadRequest", "400", &["bad_request", "validation_failed"]),
    (
        "Unauthenticated",
        "401",
        &["unauthenticated", "two_factor_required"],
    ),
    ("Forbidden", "403", &["forbidden"]),
    ("NotFound", "404", &["not_found", "invalid_token"]),
    ("Timeout", "408", &["timeout"]),
    ("Conflict", "409", &["conflict"]),
    ("PayloadTooLarge", "413", &["payload_too_large"]),
    ("UnsupportedMediaType", "415", &["unsupported_media_type"]),
    ("RateLimited", "429", &["rate_limited"]),
    ("Internal", "500", &["internal"]),
    ("Unavailable", "503", &["unavailable"]),
];

fn error_schema(codes: &[&str]) -> Value {
    closed(json!({ "error": closed(json!({
        "code": { "type": "string", "enum": codes },
        "message": { "type": "string", "minLength": 1 },
        "details": { "type": "array", "items": schema_ref("FieldError") },
    })) }))
}

/// Adds the error answer `status` with the reason `why`; a second reason for the same status
/// joins the first.
pub fn add_refusal(responses: &mut Value, status: &str, why: &str) {
    if let Some(description) = responses[status]["description"].as_str() {
        responses[status]["description"] = json!(format!("{description}; {why}"));
        return;
    }
    let Some((name, _, _)) = ERRORS.iter().find(|(_, s, _)| *s == status) else {
        return;
    };
    let mut response = json!({
        "description": why,
        "content": { "application/json": { "schema": schema_ref(&format!("{name}Error")) } },
    });
    // Refusals to come back later always say when (`ApiError::rate_limited`, every outage).
    if matches!(status, "429" | "503") {
        response["headers"]["Retry-After"] = json!({
            "description": "Seconds to wait before trying again",
            "required": true,
            "schema": { "type": "string", "pattern": "^[0-9]+$" },
        });
    }
    responses[status] = response;
}

/// The media types an avatar may be, each as its bytes.
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

fn image_content() -> Map<String, Value> {
    let binary = json!({ "schema": { "type": "string", "format": "binary" } });
    IMAGE_TYPES
        .iter()
        .map(|t| ((*t).to_owned(), binary.clone()))
        .collect()
}

pub fn image_body() -> Value {
    json!({
        "required": true,
        "description": "The image's bytes, at most 1 MiB, beginning as its type's do (the PNG signature, JPEG's FF D8 FF, GIF87a or GIF89a, RIFF….WEBP), with the Content-Type they are",
        "content": image_content(),
    })
}

pub fn image_answer() -> Value {
    json!({ "description": "The avatar, with the Content-Type it was stored with", "content": image_content() })
}

fn me() -> Value {
    closed(json!({
        "id": uuid(),
        "name": string(),
        "email": string(),
        "theme": { "type": "string", "enum": ["light", "dark", "system"] },
        "avatarUrl": { "type": ["string", "null"], "description": "/api/v1/me/avatar when there is one" },
        "twoFactor": { "type": "boolean", "description": "Whether signing in also takes a code from an authenticator app" },
        "createdAt": time(),
        "updatedAt": time(),
    }))
}

fn workspace() -> Value {
    closed(json!({
        "id": uuid(), "name": string(),
        "role": { "$ref": "#/components/schemas/RoleName", "description": "The caller's role in it" },
        "requireTwoFactor": { "type": "boolean", "description": "Whether members without two-factor sign-in are kept out" },
        "createdAt": time(), "updatedAt": time(),
    }))
}

/// A reference to a custom role, or null for none.
fn custom_role_ref() -> Value {
    let mut schema = closed(json!({ "id": uuid(), "name": string() }));
    schema["type"] = json!(["object", "null"]);
    schema
}

fn member() -> Value {
    closed(json!({
        "userId": uuid(), "name": string(), "email": string(), "role": schema_ref("RoleName"),
        "customRole": custom_role_ref(), "joinedAt": time(),
    }))
}

fn invitation() -> Value {
    closed(json!({
        "id": uuid(), "email": string(), "role": schema_ref("RoleName"),
        "invitedBy": { "type": ["string", "null"], "format": "uuid" },
        "createdAt": time(), "expiresAt": time(),
    }))
}

fn invitation_preview() -> Value {
    closed(json!({
        "workspaceName": string(), "inviterName": { "type": ["string", "null"] }, "email": string(),
        "role": schema_ref("RoleName"), "expiresAt": time(),
    }))
}

fn token() -> Value {
    let mut created_by = closed(json!({ "id": uuid(), "name": { "type": ["string", "null"] } }));
    created_by["type"] = json!(["object", "null"]);
    closed(json!({
        "id": uuid(), "name": string(),
        "scopes": { "type": "array", "items": schema_ref("Scope") },
        "objects": { "type": ["array", "null"], "items": string() },
        "role": schema_ref("RoleName"),
        "customRole": custom_role_ref(),
        "createdBy": created_by,
        "createdAt": time(), "expiresAt": nullable_time(), "lastUsedAt": nullable_time(),
    }))
}

/// A token as created: with its secret, shown this once.
fn new_token() -> Value {
    let mut schema = token();
    schema["properties"]["token"] = json!({
        "type": "string", "pattern": "^kith_[A-Za-z0-9_-]{43}$",
        "description": "The secret, shown this once: send it as Authorization: Bearer kith_…",
    });
    if let Some(required) = schema["required"].as_array_mut() {
        required.push(json!("token"));
    }
    schema
}

fn object_rights() -> Value {
    closed(json!({
        "read": { "type": "boolean" }, "write": { "type": "boolean" }, "delete": { "type": "boolean" },
        "hiddenFields": { "type": "array", "items": string() },
    }))
}

fn permissions() -> Value {
    closed(json!({
        "default": schema_ref("ObjectRights"),
        "objects": { "type": "object", "additionalProperties": schema_ref("ObjectRights") },
        "sensitiveInClear": { "type": "boolean" },
    }))
}

/// Permissions as a body gives them (`kith_core::access::Permissions`, unknown keys refused).
fn permissions_input() -> Value {
    let rights = |hidden: Value| {
        body(
            json!({
                "read": { "type": "boolean" }, "write": { "type": "boolean" }, "delete": { "type": "boolean" },
                "hiddenFields": hidden,
            }),
            &["read", "write", "delete"],
        )
    };
    let hidden = json!({ "type": "array", "items": string(), "description": "API names of fields of this object" });
    let mut schema = body(
        json!({
            "default": rights(json!({ "type": "array", "maxItems": 0, "description": "empty: fields are hidden per object" })),
            "objects": {
                "type": "object", "additionalProperties": rights(hidden),
                "description": "Rights per object, by its singular API name (an object or field the workspace does not have answers 404)",
            },
            "sensitiveInClear": { "type": "boolean" },
        }),
        &["default", "sensitiveInClear"],
    );
    schema["description"] = json!("The rights on every object not listed, then per object");
    schema
}

fn built_in_role() -> Value {
    closed(json!({
        "id": schema_ref("RoleName"), "name": schema_ref("RoleName"), "builtIn": { "const": true },
        "permissions": schema_ref("Permissions"),
    }))
}

fn custom_role() -> Value {
    closed(json!({
        "id": uuid(), "name": string(), "builtIn": { "const": false },
        "permissions": schema_ref("Permissions"), "createdAt": time(), "updatedAt": time(),
    }))
}

fn login_event() -> Value {
    closed(json!({
        "kind": { "type": "string", "enum": ["signup", "login", "login_failed", "password_changed", "two_factor_enabled", "two_factor_disabled", "two_factor_failed"] },
        "at": time(), "ip": string(), "userAgent": string(),
    }))
}

/// The patterns against `kith_core::validate`, on the characters where the two could part:
/// every space `str::trim` takes off, characters that only look like spaces, controls, the
/// characters refused in email addresses, and the lengths at the limits.
#[cfg(test)]
mod properties {
    use super::*;
    use kith_core::validate;
    use proptest::prelude::*;
    use regex_automata::meta::Regex;

    fn compiled(schema: &Value) -> Regex {
        Regex::new(schema["pattern"].as_str().expect("a pattern")).expect("the pattern compiles")
    }

    const TRICKY: &str = " \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}\u{2029}\u{202f}\
                          \u{205f}\u{3000}\u{0}\u{1c}\u{1f}\u{7f}\u{9f}\u{200b}\u{feff}<>(),;:\"[]\\@.aZé😀-+";

    fn tricky(max: usize) -> impl Strategy<Value = String> {
        let chars: Vec<char> = TRICKY.chars().collect();
        prop::collection::vec(prop::sample::select(chars), 0..max)
            .prop_map(|chars| chars.into_iter().collect())
    }

    /// Spaces, a run of one letter, spaces: names and addresses around their longest.
    fn padded_run(letter: &'static str, around: usize) -> impl Strategy<Value = String> {
        (tricky(3), (around - 6)..(around + 6), tricky(3))
            .prop_map(move |(head, n, tail)| format!("{head}{}{tail}", letter.repeat(n)))
    }

    fn email_like() -> impl Strategy<Value = String> {
        (tricky(6), tricky(6), tricky(6))
            .prop_map(|(local, domain, tld)| format!("{local}@{domain}.{tld}"))
    }

    fn accepts_email(pattern: &Regex, text: &str) -> bool {
        pattern.is_match(text) && text.chars().count() <= 254
    }

    proptest! {
        #[test]
        fn the_name_pattern_accepts_what_validate_accepts(text in prop_oneof![tricky(12), padded_run("n", 200)]) {
            prop_assert_eq!(compiled(&name()).is_match(&text), validate::name(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn the_email_pattern_accepts_what_validate_accepts(
            text in prop_oneof![tricky(14), email_like(), padded_run("e", 242).prop_map(|run| format!("{run}@example.com"))]
        ) {
            prop_assert_eq!(accepts_email(&compiled(&email()), &text), validate::email(&text).is_ok(), "{:?}", text);
        }

        #[test]
        fn a_role_name_is_no_built_in_role(text in prop_oneof![
            tricky(6),
            (tricky(2), prop::sample::select(vec!["owner", "admin", "member", "viewer", "Owner"]), tricky(2))
                .prop_map(|(a, role, b)| format!("{a}{role}{b}")),
        ]) {
            let schema = role_name();
            let barred = Regex::new(schema["allOf"][1]["not"]["pattern"].as_str().expect("a pattern")).expect("compiles");
            let accepted = compiled(&schema["allOf"][0]).is_match(&text) && !barred.is_match(&text);
            let valid = validate::name(&text).is_ok_and(|n| n.parse::<kith_core::Role>().is_err());
            prop_assert_eq!(accepted, valid, "{:?}", text);
        }
    }
}
