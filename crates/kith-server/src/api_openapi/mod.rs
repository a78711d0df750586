//! `GET /api/v1/open-api`: an OpenAPI 3.1 document of the account and workspace API (every route
//! under `/api/v1`), written by hand from the handlers, extractors and layers, so that it says
//! exactly what the server accepts and answers. It is the same for everyone: no workspace's
//! objects are in it (those are in `/rest/open-api/core`).
//!
//! Every operation is declared once ([`Op`]); the answers that follow from how it is reached
//! (its authentication, whether it reads a JSON body, the layers every request passes) are added
//! here, so that no operation can forget them. `tests/api/openapi.rs` checks that the document
//! has an operation for every `/api/v1` route of the router and no other.

mod accounts;
mod connected_apps;
mod consent;
mod schemas;
mod workspaces;

use crate::AppState;
use crate::http::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

pub const PATH: &str = "/api/v1/open-api";

pub async fn document(State(state): State<AppState>) -> Json<Value> {
    let server = state.config.public_url.as_str().trim_end_matches('/');
    Json(build(server))
}

/// The whole document, for a server reached at `server` (scheme, host and port).
pub fn build(server: &str) -> Value {
    let mut paths = Map::new();
    let operations = accounts::operations()
        .into_iter()
        .chain(workspaces::operations())
        .chain(connected_apps::operations())
        .chain(consent::operations())
        .chain([document_operation()]);
    for op in operations {
        let (path, method, operation) = op.finish();
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Kith account and workspace API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{ "url": server }],
        "tags": tags(),
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": schemas::components(),
        },
        "paths": paths,
    })
}

const DESCRIPTION: &str = "Accounts, sessions, workspaces, members, invitations, API tokens, \
custom roles, connected apps and the consent that connects them. Every route here is for a \
person signed in with a browser session (the `kith_session` cookie, set by signing up or in); a \
change (POST, PUT, PATCH, DELETE) also sends the value of the `kith_csrf` cookie in the \
`X-CSRF-Token` header. API tokens (`Authorization: Bearer \
kith_…`) open the records API under `/rest` only: here they are no credential, and a route that \
needs a session answers 401 to them. Errors have one shape, `{\"error\":{\"code\",\"message\",\
\"details\":[{\"field\",\"message\"}]}}`. A body of the form this document gives is never answered \
400: 400 is for a body of another form (every wrong field named); a well-formed body naming what \
does not exist is answered 404, one at odds with what is stored or with the clock 409. Every \
answer carries `X-Request-Id`.";

fn tags() -> Value {
    json!([
        { "name": "Accounts", "description": "Signing up and in, sessions, password resets" },
        { "name": "Me", "description": "The signed-in account" },
        { "name": "Workspaces", "description": "Workspaces of the signed-in account" },
        { "name": "Members", "description": "Who is in a workspace, with which role" },
        { "name": "Invitations", "description": "Inviting people into a workspace by email" },
        { "name": "API tokens", "description": "Credentials of scripts and agents for `/rest`" },
        { "name": "Roles", "description": "Built-in and custom roles of a workspace" },
        { "name": "Connected apps", "description": "OAuth clients people connected to a workspace (MCP agents), and the consent that connects one" },
        { "name": "Privacy", "description": "Data-subject requests: find, export and erase what a workspace holds about a person" },
        { "name": "Webhooks", "description": "Changes of records posted, signed, to URLs of the admins' choosing" },
        { "name": "Document", "description": "This document" },
    ])
}

fn security_schemes() -> Value {
    json!({
        "session": {
            "type": "apiKey", "in": "cookie", "name": crate::auth::session::SESSION_COOKIE,
            "description": "The session, set by signing up or in (HttpOnly).",
        },
        "csrfCookie": {
            "type": "apiKey", "in": "cookie", "name": crate::auth::session::CSRF_COOKIE,
            "description": "Set beside the session, readable by the page's scripts.",
        },
        "csrfHeader": {
            "type": "apiKey", "in": "header", "name": "X-CSRF-Token",
            "description": "The kith_csrf cookie's value, sent back with every change.",
        },
    })
}

fn document_operation() -> Op {
    Op::new("GET", PATH, "Document", "openApi", "This document")
        .anonymous()
        .without_database()
        .answer(
            "200",
            "The OpenAPI 3.1 document of /api/v1",
            json!({ "type": "object" }),
        )
}

/// How an operation authenticates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// Anyone (a token in the path or body, if any, is the key).
    Anonymous,
    /// The session cookie; for a change also the CSRF cookie and header.
    Session,
}

/// What an operation reads as its body.
enum Body {
    None,
    Json(Value),
    /// The request body is the image itself.
    Image,
}

/// One operation as declared by its module; [`Op::finish`] adds what follows from how it is
/// reached.
pub struct Op {
    method: &'static str,
    path: &'static str,
    auth: Auth,
    body: Body,
    database: bool,
    operation: Value,
    /// The answers particular to this operation: status and why.
    refusals: Vec<(&'static str, &'static str)>,
}

impl Op {
    fn new(method: &'static str, path: &'static str, tag: &str, id: &str, summary: &str) -> Op {
        Op {
            method,
            path,
            auth: Auth::Session,
            body: Body::None,
            database: true,
            operation: json!({ "tags": [tag], "operationId": id, "summary": summary, "responses": {} }),
            refusals: Vec::new(),
        }
    }

    fn anonymous(mut self) -> Op {
        self.auth = Auth::Anonymous;
        self
    }

    fn without_database(mut self) -> Op {
        self.database = false;
        self
    }

    fn describe(mut self, text: &str) -> Op {
        self.operation["description"] = json!(text);
        self
    }

    fn json_body(mut self, schema: Value) -> Op {
        self.body = Body::Json(schema);
        self
    }

    fn image_body(mut self) -> Op {
        self.body = Body::Image;
        self
    }

    fn query(self, name: &str, schema: Value, description: &str) -> Op {
        self.query_parameter(name, schema, description, false)
    }

    fn required_query(self, name: &str, schema: Value, description: &str) -> Op {
        self.query_parameter(name, schema, description, true)
    }

    fn query_parameter(
        mut self,
        name: &str,
        schema: Value,
        description: &str,
        required: bool,
    ) -> Op {
        let parameter = json!({ "name": name, "in": "query", "required": required, "schema": schema, "description": description });
        match self.operation["parameters"].as_array_mut() {
            Some(list) => list.push(parameter),
            None => self.operation["parameters"] = json!([parameter]),
        }
        self
    }

    /// The success answer with a JSON body.
    fn answer(mut self, status: &str, description: &str, schema: Value) -> Op {
        self.operation["responses"][status] = json!({
            "description": description,
            "content": { "application/json": { "schema": schema } },
        });
        self
    }

    /// The success answer without a body.
    fn empty(mut self, status: &str, description: &str) -> Op {
        self.operation["responses"][status] = json!({ "description": description });
        self
    }

    /// Adds a header to the success answer `status` (already declared).
    fn header(mut self, status: &str, name: &str, description: &str) -> Op {
        self.operation["responses"][status]["headers"][name] =
            json!({ "description": description, "required": true, "schema": { "type": "string" } });
        self
    }

    fn raw_answer(mut self, status: &str, response: Value) -> Op {
        self.operation["responses"][status] = response;
        self
    }

    /// An answer particular to this operation, with the reason it is given.
    fn refuses(mut self, status: &'static str, why: &'static str) -> Op {
        self.refusals.push((status, why));
        self
    }

    fn changes(&self) -> bool {
        !matches!(self.method, "GET" | "HEAD")
    }

    /// The path, the method (lower case) and the operation with every answer it may give.
    fn finish(mut self) -> (String, &'static str, Value) {
        self.operation["security"] = self.security();
        let mut parameters = path_parameters(self.path);
        if let Some(query) = self.operation["parameters"].as_array() {
            parameters.extend(query.iter().cloned());
        }
        if !parameters.is_empty() {
            self.operation["parameters"] = json!(parameters);
        }
        match &self.body {
            Body::None => {}
            Body::Json(schema) => {
                self.operation["requestBody"] = json!({
                    "required": true,
                    "content": { "application/json": { "schema": schema } },
                });
            }
            Body::Image => self.operation["requestBody"] = schemas::image_body(),
        }
        for (status, why) in self.implied_refusals() {
            self.refusals.push((status, why));
        }
        let mut responses = self.operation["responses"].take();
        for (status, why) in &self.refusals {
            schemas::add_refusal(&mut responses, status, why);
        }
        self.operation["responses"] = responses;
        let method = match self.method {
            "GET" => "get",
            "POST" => "post",
            "PUT" => "put",
            "PATCH" => "patch",
            _ => "delete",
        };
        (self.path.to_owned(), method, self.operation)
    }

    fn security(&self) -> Value {
        match (self.auth, self.changes()) {
            (Auth::Anonymous, _) => json!([]),
            (Auth::Session, false) => json!([{ "session": [] }]),
            (Auth::Session, true) => {
                json!([{ "session": [], "csrfCookie": [], "csrfHeader": [] }])
            }
        }
    }

    /// The answers that follow from how the operation is reached, beyond its own.
    fn implied_refusals(&self) -> Vec<(&'static str, &'static str)> {
        let mut implied = Vec::new();
        if self.auth == Auth::Session {
            implied.push(("401", "no session cookie, or its session ended"));
        }
        match (self.auth, self.changes()) {
            (Auth::Session, true) => implied.push((
                "403",
                "the X-CSRF-Token header is missing or is not the kith_csrf cookie's value, or the Origin header names another site",
            )),
            (Auth::Anonymous, true) => {
                implied.push(("403", "the Origin header names another site"));
            }
            (_, false) => {}
        }
        match self.body {
            Body::Json(_) => {
                implied.push(("400", "the body is not JSON, or not of the form given here (the message names what is wrong)"));
                implied.push((
                    "413",
                    "the body is larger than the server accepts (KITH_MAX_BODY_BYTES)",
                ));
                implied.push((
                    "415",
                    "the body is not sent with Content-Type: application/json",
                ));
            }
            Body::Image => {
                implied.push(("413", "the image is larger than 1 MiB"));
                implied.push(("415", "the body is not a PNG, JPEG, GIF or WebP image, or not the one its Content-Type says"));
            }
            Body::None => {}
        }
        implied.push((
            "408",
            "the request took longer than KITH_REQUEST_TIMEOUT_SECS and was stopped",
        ));
        if self.database {
            implied.push((
                "500",
                "a failure the server did not foresee (logged under the request id)",
            ));
            implied.push((
                "503",
                "the database cannot be reached; Retry-After says when to try again",
            ));
        }
        implied
    }
}

/// The parameters of a path pattern (`/api/v1/workspaces/{workspace_id}`).
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(path_parameter)
        .collect()
}

fn path_parameter(name: &str) -> Value {
    let id = json!({ "type": "string", "format": "uuid" });
    let (schema, description) = match name {
        "token" => (
            json!({ "type": "string", "minLength": 1 }),
            "The code of an invitation link",
        ),
        "workspace_id" => (
            id,
            "A workspace the caller is a member of: any other id, or text that is no id, answers 404",
        ),
        "user_id" => (id, "A member's account id"),
        _ => (id, "Its id"),
    };
    json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": description })
}
