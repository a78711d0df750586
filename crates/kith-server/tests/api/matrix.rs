//! The access matrix: every route the server serves (`kith_server::app::route_table`, the table
//! the router is built from, so a route added later is in it) called as each kind of principal.
//! Every cell's status is compared with the matrix in docs/SECURITY.md (rewritten from here with
//! `KITH_UPDATE_SNAPSHOTS=1`), the same on both backends; and whatever the matrix says, some
//! things never happen: no answer shows the other workspace's marker record or a sensitive value
//! to a principal that may not read it in clear, and no principal without a valid credential for
//! workspace A gets a 2xx from A's routes.

use crate::access::{add_sensitive_field, object_id};
use kith_testkit::{Backend, Reply, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(every_route_answers_every_principal_as_the_matrix_says);

const MARKER_A: &str = "Aardvark Marker A";
const MARKER_B: &str = "Zebra Marker B";
const SECRET_A: &str = "secret-of-workspace-a";
const SECRET_B: &str = "secret-of-workspace-b";
/// Ids that name nothing, for routes that would change or delete what they name.
const NOBODY: &str = "01a23098-0000-7000-8000-000000000000";

/// Who calls: a session (with the workspace header naming A), a bearer token, or nobody.
enum Credential {
    Nobody,
    Session(TestClient),
    Token(String),
}

struct Principal {
    name: &'static str,
    credential: Credential,
    /// Principals of workspace B must never see A's marker; all others never B's.
    of_b: bool,
    /// May read sensitive values in clear.
    clear: bool,
}

/// The ids a route's path parameters take in workspace A.
struct Fixture {
    workspace: String,
    company: String,
    company_object: String,
    name_field: String,
}

impl Fixture {
    /// The path with its parameters filled in. A route that changes or deletes what its path
    /// names gets an id that names nothing, so no cell changes what the next one sees.
    fn path(&self, method: &str, pattern: &str) -> String {
        let destructive = method == "DELETE";
        let record = if destructive { NOBODY } else { &self.company };
        let (object, field) = if destructive {
            (NOBODY, NOBODY)
        } else {
            (self.company_object.as_str(), self.name_field.as_str())
        };
        let path = pattern
            .replace("{workspace_id}", &self.workspace)
            .replace("{plural}", "companies")
            .replace("{kind}", "tasks")
            .replace("{target_object}", "company")
            .replace("{target_id}", NOBODY)
            .replace("{user_id}", NOBODY)
            .replace("{invitation_id}", NOBODY)
            .replace("{token_id}", NOBODY)
            .replace("{role_id}", NOBODY)
            .replace("{grant_id}", NOBODY)
            .replace("{webhook_id}", NOBODY)
            .replace("{import_id}", NOBODY)
            .replace("{token}", "not-an-invitation");
        // Reads that find or group records, so that their answers are checked for leaks.
        let path = match pattern {
            "/rest/search" => format!("{path}?q=Marker"),
            "/rest/{plural}/groupBy" => format!("{path}?field=name"),
            _ => path,
        };
        if pattern.starts_with("/rest/metadata/objects/") {
            path.replace("{id}", object)
        } else if pattern.starts_with("/rest/metadata/fields/") {
            path.replace("{id}", field)
        } else {
            path.replace("{id}", record)
        }
    }
}

async fn token(owner: &TestClient, workspace: &str, body: Value) -> (String, String) {
    let created = owner
        .post(&format!("/api/v1/workspaces/{workspace}/tokens"), body)
        .await
        .expect_status(201);
    (
        created["token"].as_str().expect("token").to_owned(),
        created["id"].as_str().expect("id").to_owned(),
    )
}

/// Workspace A with members of every built-in role, one of a custom role that may not read
/// companies, and tokens of each kind; workspace B, whose owner and token are strangers to A.
async fn principals(app: &TestApp) -> (Fixture, Vec<Principal>) {
    let (owner, a) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&a);
    add_sensitive_field(&owner, "people", "iban").await;
    let company = owner
        .post("/rest/companies", json!({ "name": MARKER_A }))
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Ada" }, "iban": SECRET_A }),
        )
        .await
        .expect_status(201);
    let company_object = object_id(&owner, "companies").await;
    let fields = owner.get("/rest/metadata/fields").await.expect_status(200);
    let name_field = fields["data"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "name" && f["objectMetadataId"] == company_object)
        .expect("the companies' name field")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let fixture = Fixture {
        workspace: a.clone(),
        company,
        company_object: company_object.as_str().expect("id").to_owned(),
        name_field,
    };

    let mut members = Vec::new();
    for role in ["admin", "member", "viewer"] {
        let (client, _) = app
            .join(&owner, &a, &format!("{role}@example.com"), role)
            .await;
        members.push(client.in_workspace(&a));
    }
    let role = owner
        .post(
            &format!("/api/v1/workspaces/{a}/roles"),
            json!({ "name": "No companies", "permissions": {
                "default": { "read": true, "write": true, "delete": true },
                "objects": { "company": { "read": false, "write": false, "delete": false } },
                "sensitiveInClear": false,
            } }),
        )
        .await
        .expect_status(201)["id"]
        .clone();
    let (custom, custom_id) = app.join(&owner, &a, "custom@example.com", "member").await;
    owner
        .patch(
            &format!("/api/v1/workspaces/{a}/members/{custom_id}"),
            json!({ "roleId": role }),
        )
        .await
        .expect_status(200);

    let (stranger, b) = {
        let stranger = app.signup("Stranger", "stranger@example.com").await;
        let b = stranger.create_workspace("Other").await;
        let in_b = stranger.in_workspace(&b);
        add_sensitive_field(&in_b, "people", "iban").await;
        in_b.post("/rest/companies", json!({ "name": MARKER_B }))
            .await
            .expect_status(201);
        in_b.post(
            "/rest/people",
            json!({ "name": { "firstName": "Bob" }, "iban": SECRET_B }),
        )
        .await
        .expect_status(201);
        (stranger, b)
    };
    let all = json!(["records:read", "records:write", "metadata:write"]);
    let (read_only, _) = token(
        &owner,
        &a,
        json!({ "name": "read", "scopes": ["records:read"] }),
    )
    .await;
    let (tasks_only, _) = token(&owner, &a, json!({ "name": "tasks", "scopes": ["records:read", "records:write"], "objects": ["tasks"] })).await;
    let (of_b, _) = token(
        &stranger.in_workspace(&b),
        &b,
        json!({ "name": "b", "scopes": all }),
    )
    .await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let (expired, _) = token(
        &owner,
        &a,
        json!({ "name": "expiring", "scopes": all, "expiresAt": soon }),
    )
    .await;
    let (revoked, revoked_id) =
        token(&owner, &a, json!({ "name": "revoked", "scopes": all })).await;
    owner
        .delete(&format!("/api/v1/workspaces/{a}/tokens/{revoked_id}"))
        .await
        .expect_status(204);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;

    let [admin, member, viewer]: [TestClient; 3] = members
        .try_into()
        .unwrap_or_else(|_| panic!("three members"));
    let principal = |name, credential, of_b, clear| Principal {
        name,
        credential,
        of_b,
        clear,
    };
    use Credential::{Nobody, Session, Token};
    let list = vec![
        principal("anonymous", Nobody, false, false),
        principal("owner", Session(owner), false, true),
        principal("admin", Session(admin), false, true),
        principal("member", Session(member), false, true),
        principal("viewer", Session(viewer), false, false),
        principal(
            "custom role",
            Session(custom.in_workspace(&a)),
            false,
            false,
        ),
        principal(
            "other workspace's member",
            Session(stranger.in_workspace(&a)),
            true,
            true,
        ),
        principal("read-only token", Token(read_only), false, true),
        principal("token for tasks", Token(tasks_only), false, true),
        principal("other workspace's token", Token(of_b), true, true),
        principal("expired token", Token(expired), false, false),
        principal("revoked token", Token(revoked), false, false),
    ];
    (fixture, list)
}

/// One call: the route's method on its filled-in path, with an empty JSON object as the body of
/// a change (enough to reach the checks; a valid body is each route's own tests' business).
async fn call(app: &TestApp, principal: &Principal, method: &str, path: &str) -> Reply {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let changes = method != Method::GET;
    let request = match &principal.credential {
        Credential::Nobody => app.client().request(method, path),
        Credential::Session(client) => client.with_csrf(method, path),
        Credential::Token(token) => reqwest::Client::new()
            .request(method, app.url(path))
            .bearer_auth(token),
    };
    let request = if changes {
        request.json(&json!({}))
    } else {
        request
    };
    kith_testkit::send(request).await
}

/// Routes that end the caller's membership, the workspace or the session: called after all
/// others, in this order (the owner last on each), so that no cell changes what the next sees.
fn ends_something(method: &str, path: &str) -> u8 {
    match (method, path) {
        ("POST", "/api/v1/workspaces/{workspace_id}/leave") => 1,
        ("DELETE", "/api/v1/workspaces/{workspace_id}") => 2,
        ("POST", "/api/v1/auth/logout") => 3,
        _ => 0,
    }
}

fn matrix_markdown(principals: &[Principal], rows: &[(String, Vec<u16>)]) -> String {
    let mut text = String::from("| route |");
    for p in principals {
        text.push_str(&format!(" {} |", p.name));
    }
    text.push_str("\n|---|");
    text.push_str(&"---|".repeat(principals.len()));
    text.push('\n');
    for (route, statuses) in rows {
        text.push_str(&format!("| `{route}` |"));
        for status in statuses {
            text.push_str(&format!(" {status} |"));
        }
        text.push('\n');
    }
    text
}

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/SECURITY.md");
const BEGIN: &str = "<!-- access-matrix: written by tests/api/matrix.rs -->\n";
const END: &str = "<!-- end of access-matrix -->";

async fn every_route_answers_every_principal_as_the_matrix_says(backend: Backend) {
    let app = TestApp::start_with(backend, |s| {
        s.token_rate_limit = Some(100_000);
    })
    .await;
    let (fixture, principals) = principals(&app).await;
    let v1 = kith_server::api_openapi::build("");
    let mut routes = kith_server::app::route_table();
    routes.sort_by_key(|r| ends_something(r.method, r.path));
    let mut rows = Vec::new();
    for route in &routes {
        let path = fixture.path(route.method, route.path);
        let mut order: Vec<usize> = (0..principals.len()).collect();
        if ends_something(route.method, route.path) > 0 {
            // The owner last: it is the one who can delete the workspace.
            order.sort_by_key(|i| principals[*i].name == "owner");
        }
        let mut statuses = vec![0; principals.len()];
        for i in order {
            let principal = &principals[i];
            let reply = call(&app, principal, route.method, &path).await;
            check_never(principal, route, &path, &reply);
            check_documented(&v1, principal, route, reply.status);
            statuses[i] = reply.status;
        }
        rows.push((format!("{} {}", route.method, route.path), statuses));
    }
    let table = matrix_markdown(&principals, &rows);
    let doc = std::fs::read_to_string(DOC).expect("docs/SECURITY.md");
    let (before, rest) = doc
        .split_once(BEGIN)
        .expect("the access-matrix marker in SECURITY.md");
    let (written, after) = rest.split_once(END).expect("the end marker in SECURITY.md");
    if std::env::var("KITH_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") && backend == Backend::Sqlite
    {
        std::fs::write(DOC, format!("{before}{BEGIN}{table}{END}{after}"))
            .expect("write SECURITY.md");
        return;
    }
    assert_eq!(
        written, table,
        "the access matrix changed ({backend:?}); review it and update docs/SECURITY.md with KITH_UPDATE_SNAPSHOTS=1 cargo test"
    );
}

/// What no answer may ever show, whatever the matrix says.
#[track_caller]
fn check_never(
    principal: &Principal,
    route: &kith_server::http::routes::Route,
    path: &str,
    reply: &Reply,
) {
    let body = String::from_utf8_lossy(&reply.bytes);
    let cell = format!("{} {path} as {}", route.method, principal.name);
    let (foreign_marker, foreign_secret, own_secret) = if principal.of_b {
        (MARKER_A, SECRET_A, SECRET_B)
    } else {
        (MARKER_B, SECRET_B, SECRET_A)
    };
    assert!(
        !body.contains(foreign_marker),
        "{cell}: the other workspace's record shows: {body}"
    );
    assert!(
        !body.contains(foreign_secret),
        "{cell}: the other workspace's secret shows: {body}"
    );
    if !principal.clear {
        assert!(
            !body.contains(own_secret),
            "{cell}: a sensitive value shows in clear: {body}"
        );
    }
    let valid_for_a = !matches!(
        principal.name,
        "anonymous" | "expired token" | "revoked token"
    ) && !principal.of_b;
    let public = matches!(route.path, "/healthz" | "/readyz")
        || route.path.starts_with("/api/v1/auth/")
        || route.path.starts_with("/api/v1/invitations/")
        || route.path.starts_with("/rest/open-api/reference");
    if !valid_for_a && !public {
        let touches_a = route.path.contains("{workspace_id}")
            || (route.path.starts_with("/rest/") && !principal.of_b);
        assert!(
            !(touches_a && (200..300).contains(&reply.status)),
            "{cell}: a principal without access to workspace A got {}: {body}",
            reply.status
        );
    }
}

/// What the `/api/v1` OpenAPI document says of a route, held to every cell: the status is one
/// the operation documents, and it needs a session exactly when a caller without one (nobody,
/// or only an API token, which opens `/rest` alone) is answered 401.
#[track_caller]
fn check_documented(
    document: &Value,
    principal: &Principal,
    route: &kith_server::http::routes::Route,
    status: u16,
) {
    if !route.path.starts_with("/api/v1/") {
        return;
    }
    let operation = &document["paths"][route.path][route.method.to_lowercase()];
    let cell = format!("{} {} as {}", route.method, route.path, principal.name);
    assert!(
        operation["responses"].get(status.to_string()).is_some(),
        "{cell}: {status} is not among the answers the /api/v1 document gives"
    );
    if !matches!(principal.credential, Credential::Session(_)) {
        let needs_session = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        assert_eq!(
            status == 401,
            needs_session,
            "{cell}: the document's security says otherwise"
        );
    }
}
