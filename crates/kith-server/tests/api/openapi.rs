//! The OpenAPI document: complete and consistent, following the workspace's own objects, and
//! snapshotted so that any change to the API shows as a diff (CI validates the snapshot with
//! openapi-spec-validator).

use kith_testkit::{Backend, TestApp, on_both_backends, send};
use serde_json::{Value, json};
use std::collections::HashSet;

on_both_backends!(the_document_is_consistent_and_follows_custom_objects);

/// Every `$ref` in the document points at something in it.
fn unresolved_refs(document: &Value, node: &Value, missing: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref")
                && document
                    .pointer(reference.trim_start_matches('#'))
                    .is_none()
            {
                missing.push(reference.clone());
            }
            map.values()
                .for_each(|v| unresolved_refs(document, v, missing));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| unresolved_refs(document, v, missing)),
        _ => {}
    }
}

async fn the_document_is_consistent_and_follows_custom_objects(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let deal = owner
        .post("/rest/metadata/objects", json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "Deal", "labelPlural": "Deals" }))
        .await
        .expect_status(201)["data"]["createOneObject"]["id"]
        .clone();
    let tier = json!({ "objectMetadataId": deal, "name": "tier", "label": "Tier", "type": "SELECT", "isNullable": false,
                       "options": [{ "value": "GOLD", "label": "Gold", "color": "yellow" }, { "value": "SILVER", "label": "Silver", "color": "gray" }] });
    owner
        .post("/rest/metadata/fields", tier)
        .await
        .expect_status(201);

    let document = owner.get("/rest/open-api/core").await.expect_status(200);
    assert_eq!(document["openapi"], "3.1.0");
    let mut missing = Vec::new();
    unresolved_refs(&document, &document, &mut missing);
    assert!(missing.is_empty(), "unresolved: {missing:?}");
    let mut operation_ids = HashSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item
            .as_object()
            .expect("path item")
            .iter()
            .filter(|(m, _)| *m != "parameters")
        {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                operation_ids.insert(id.to_owned()),
                "operationId {id} twice"
            );
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
        if path.contains("{id}") {
            let declared = item["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["name"] == "id" && p["in"] == "path"));
            assert!(declared, "{path} does not declare its id");
        }
    }
    for path in [
        "/companies",
        "/people/{id}",
        "/batch/opportunities",
        "/restore/tasks/{id}",
        "/notes/groupBy",
        "/deals",
        "/deals/{id}",
        "/search",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} missing");
    }
    let schema = &document["components"]["schemas"]["Deal"]["properties"]["tier"];
    assert_eq!(schema["enum"], json!(["GOLD", "SILVER"]));
    assert_eq!(
        document["components"]["schemas"]["DealInput"]["required"],
        json!(["tier"])
    );
    assert_eq!(
        document["components"]["schemas"]["Person"]["properties"]["companyId"]["format"],
        "uuid"
    );

    let created = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "w", "scopes": ["records:write"] }),
        )
        .await;
    let write_only = created.expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let refused = send(
        reqwest::Client::new()
            .get(app.url("/rest/open-api/core"))
            .bearer_auth(write_only),
    )
    .await;
    refused.expect_error(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_of_a_fresh_workspace_matches_the_snapshot() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let mut document = owner
        .in_workspace(&ws)
        .get("/rest/open-api/core")
        .await
        .expect_status(200);
    document["servers"] = json!([{ "url": "http://127.0.0.1:7700/rest" }]);
    assert_matches_snapshot(&document, "openapi-core.json");
}

/// `document` is `snapshots/{file}`; with `KITH_UPDATE_SNAPSHOTS=1` it becomes it first.
fn assert_matches_snapshot(document: &Value, file: &str) {
    let rendered = serde_json::to_string_pretty(document).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/snapshots")
        .join(file);
    if std::env::var("KITH_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, &rendered).expect("write snapshot");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot at {}; create it with KITH_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert!(
        stored == rendered,
        "the OpenAPI document {file} changed; review the diff and update with KITH_UPDATE_SNAPSHOTS=1 cargo test"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_is_served_by_kith_itself() {
    let app = TestApp::start(Backend::Sqlite).await;
    let page = app.client().get("/rest/open-api/reference").await;
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8_lossy(&page.bytes).into_owned();
    assert_eq!(page.status, 200);
    assert!(
        html.contains(r#"<script src="/rest/open-api/reference.js"></script>"#),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from other hosts"
    );
    let script = app.client().get("/rest/open-api/reference.js").await;
    assert_eq!(
        (script.status, script.header("content-type")),
        (200, Some("text/javascript; charset=utf-8"))
    );
    let js = String::from_utf8_lossy(&script.bytes).into_owned();
    assert!(
        js.contains("/rest/open-api/core") && !js.contains("https://"),
        "fetches the document from this server only"
    );
}

/// The `/api/v1` document, as built for a server at the snapshot's address.
fn v1_document() -> Value {
    kith_server::api_openapi::build("http://127.0.0.1:7700")
}

/// Every operation of a document: method (upper case), path, operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            all.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v1_document_is_served_to_anyone_and_matches_the_snapshot() {
    let app = TestApp::start(Backend::Sqlite).await;
    let mut document = app
        .client()
        .get("/api/v1/open-api")
        .await
        .expect_status(200);
    document["servers"] = json!([{ "url": "http://127.0.0.1:7700" }]);
    assert_eq!(document, v1_document(), "the same document for everyone");
    let mut missing = Vec::new();
    unresolved_refs(&document, &document, &mut missing);
    assert!(missing.is_empty(), "unresolved: {missing:?}");
    assert_matches_snapshot(&document, "openapi-v1.json");
}

/// A route added under `/api/v1` without an operation in the document (or an operation left
/// behind by a route taken away) fails here.
#[test]
fn every_v1_route_has_an_operation_and_every_operation_a_route() {
    let routes: HashSet<(String, String)> = kith_server::app::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let documented: HashSet<(String, String)> = operations(&v1_document())
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes without an operation in src/api_openapi: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "operations without a route: {unrouted:?}"
    );
    let mut ids = HashSet::new();
    for (method, path, operation) in operations(&v1_document()) {
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| r.keys().any(|s| s.starts_with('2'))),
            "{method} {path} has no success answer"
        );
    }
}

/// Ids that name nothing.
const NOBODY: &str = "01a23098-0000-7000-8000-000000000000";

/// Every JSON body refuses a key it does not know, naming it; so does a role's permissions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_with_a_key_it_does_not_know_is_refused_naming_it() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    for (method, pattern, operation) in operations(&v1_document()) {
        if operation["requestBody"]["content"]
            .get("application/json")
            .is_none()
        {
            continue;
        }
        let path = pattern
            .replace("{workspace_id}", &ws)
            .replace("{user_id}", NOBODY)
            .replace("{role_id}", NOBODY);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let reply = send(
            owner
                .with_csrf(method.clone(), &path)
                .json(&json!({ "surprise": true })),
        )
        .await;
        let error = reply.expect_error(400, "validation_failed");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("unknown field `surprise`")),
            "{method} {path}: {error}"
        );
    }
    let misspelt = json!({ "name": "Readers", "permissions": {
        "default": { "read": true, "write": false, "delete": false, "hidenFields": [] },
        "sensitiveInClear": false,
    } });
    let refused = owner
        .post(&format!("/api/v1/workspaces/{ws}/roles"), misspelt)
        .await
        .expect_error(400, "validation_failed");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("hidenFields")),
        "{refused}"
    );
    let half = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "owner@example.com" }),
        )
        .await
        .expect_error(400, "validation_failed");
    assert!(
        half["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing field `password`")),
        "{half}"
    );
}

/// A well-formed body is refused only for what no schema can foresee: here, 404 when it names
/// what the workspace does not have (tokens.rs, accounts.rs and access.rs hold the 403s and 409s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_formed_body_naming_what_is_not_there_is_404() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (_, member_id) = app.join(&owner, &ws, "member@example.com", "member").await;
    let rights = json!({ "read": true, "write": true, "delete": true });
    let unknown = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/roles"),
            json!({ "name": "Odd", "permissions": {
                "default": rights,
                "objects": { "unicorn": rights, "person": { "read": true, "write": true, "delete": true, "hiddenFields": ["shoeSize"] } },
                "sensitiveInClear": false,
            } }),
        )
        .await
        .expect_error_fields(404, "not_found");
    assert_eq!(
        unknown,
        [
            "permissions.objects.person.hiddenFields",
            "permissions.objects.unicorn"
        ]
    );
    let no_role = owner
        .patch(
            &format!("/api/v1/workspaces/{ws}/members/{member_id}"),
            json!({ "roleId": NOBODY }),
        )
        .await
        .expect_error_fields(404, "not_found");
    assert_eq!(no_role, ["roleId"]);
}
