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
    let rendered = serde_json::to_string_pretty(&document).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/snapshots/openapi-core.json");
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
        "the OpenAPI document changed; review the diff and update with KITH_UPDATE_SNAPSHOTS=1 cargo test"
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
