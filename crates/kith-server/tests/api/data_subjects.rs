//! Data-subject requests: everything a workspace holds about one person found by email address,
//! handed over as JSON, and erased, leaving an erasure log without the address.

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends, send};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    a_person_is_found_by_email_and_erased_from_everything,
    only_admins_make_data_subject_requests_and_the_address_is_checked,
    kith_privacy_finds_and_erases_from_a_shell,
    an_erasure_a_relation_forbids_changes_nothing,
);

/// Creates a record through `/rest/{plural}`; its id.
pub(crate) async fn create(client: &TestClient, plural: &str, body: Value) -> String {
    let reply = client
        .post(&format!("/rest/{plural}"), body)
        .await
        .expect_status(201);
    let data = reply["data"].as_object().expect("data");
    data.values().next().expect("created record")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn link(client: &TestClient, source: &str, id: &str, object: &str, target: &str) {
    client
        .post(
            &format!("/rest/{source}/{id}/targets"),
            json!({ "targetObject": object, "targetId": target }),
        )
        .await
        .expect_status(201);
}

fn ids(found: &Value, list: &str) -> Vec<String> {
    found[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn find(client: &TestClient, ws: &str, email: &str) -> Value {
    client
        .get(&format!(
            "/api/v1/workspaces/{ws}/privacy/subject?email={}",
            email.replace('@', "%40")
        ))
        .await
        .expect_status(200)
}

/// Waits until the webhook has at least one delivery (they are made in the background).
async fn wait_for_deliveries(client: &TestClient, ws: &str, webhook: &str) {
    for _ in 0..100 {
        let log = client
            .get(&format!(
                "/api/v1/workspaces/{ws}/webhooks/{webhook}/deliveries"
            ))
            .await
            .expect_status(200);
        if log["data"].as_array().is_some_and(|d| !d.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the webhook got no delivery");
}

async fn a_person_is_found_by_email_and_erased_from_everything(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client = owner.in_workspace(&ws);
    let webhook = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/webhooks"),
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["person.*"] }),
        )
        .await
        .expect_status(201)["id"]
        .as_str()
        .expect("webhook")
        .to_owned();
    let ada = create(
        &client,
        "people",
        json!({
            "name": { "firstName": "Ada", "lastName": "Lovelace" },
            "emails": { "primaryEmail": "ada@example.com", "additionalEmails": ["Ada.L@Example.org"] },
        }),
    )
    .await;
    let grace = create(
        &client,
        "people",
        json!({ "name": { "firstName": "Grace", "lastName": "Hopper" }, "emails": { "primaryEmail": "grace@example.com" } }),
    )
    .await;
    let company = create(&client, "companies", json!({ "name": "Babbage & Co" })).await;
    client
        .patch(
            &format!("/rest/people/{ada}"),
            json!({ "jobTitle": "Analyst" }),
        )
        .await
        .expect_status(200);
    // About Ada only; about Ada and the company, naming her other address; naming her only.
    let call = create(&client, "notes", json!({ "title": "Call with Ada" })).await;
    link(&client, "notes", &call, "person", &ada).await;
    let meeting = create(
        &client,
        "notes",
        json!({ "title": "Board meeting", "body": "Ada (ada.l@example.org) presented the engine." }),
    )
    .await;
    link(&client, "notes", &meeting, "person", &ada).await;
    link(&client, "notes", &meeting, "company", &company).await;
    let task = create(
        &client,
        "tasks",
        json!({ "title": "Send ADA.L@example.ORG the invoice" }),
    )
    .await;
    wait_for_deliveries(&owner, &ws, &webhook).await;

    // Found by either address, in any case.
    let found = find(&owner, &ws, "ada@example.com").await;
    assert_eq!(ids(&found, "records"), vec![ada.clone()], "{found}");
    assert_eq!(found, find(&owner, &ws, " ADA@Example.COM ").await);
    let by_other = find(&owner, &ws, "ada.l@example.org").await;
    assert_eq!(ids(&by_other, "records"), vec![ada.clone()]);
    let mut mentions = ids(&by_other, "mentions");
    mentions.sort();
    let mut expected = vec![call.clone(), meeting.clone(), task.clone()];
    expected.sort();
    assert_eq!(mentions, expected, "{by_other}");
    let record = &by_other["records"][0];
    assert_eq!(record["record"]["name"]["firstName"], "Ada");
    let kinds: Vec<&str> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"created") && kinds.len() >= 2, "{kinds:?}");
    assert!(
        !by_other["webhookDeliveries"]
            .as_array()
            .expect("deliveries")
            .is_empty(),
        "{by_other}"
    );

    let erasure = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/privacy/erasures"),
            json!({ "email": "Ada.L@example.org" }),
        )
        .await
        .expect_status(200);
    assert_eq!(erasure["records"], 1, "{erasure}");
    assert_eq!(
        erasure["deletedMentions"], 1,
        "the note about Ada alone: {erasure}"
    );
    assert_eq!(erasure["scrubbedMentions"], 2, "{erasure}");
    assert!(
        erasure["webhookDeliveries"].as_u64().expect("count") >= 1,
        "{erasure}"
    );

    // Gone from the records, the notes, search, the export and every history entry.
    client
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_error(404, "not_found");
    client
        .get(&format!("/rest/notes/{call}"))
        .await
        .expect_error(404, "not_found");
    let kept = client
        .get(&format!("/rest/notes/{meeting}"))
        .await
        .expect_status(200);
    let text = kept.to_string();
    assert!(
        text.contains("[erased]") && !text.to_lowercase().contains("ada.l@example.org"),
        "{text}"
    );
    let task_now = client
        .get(&format!("/rest/tasks/{task}"))
        .await
        .expect_status(200);
    assert_eq!(
        task_now["data"]["task"]["title"],
        "Send [erased] the invoice"
    );
    let hits = client
        .get("/rest/search?q=lovelace")
        .await
        .expect_status(200);
    assert_eq!(hits["data"]["search"], json!([]), "{hits}");
    let export = send(client.request(Method::GET, "/rest/people/export?format=csv")).await;
    let csv = String::from_utf8_lossy(&export.bytes).into_owned();
    assert!(!csv.to_lowercase().contains("lovelace"), "{csv}");
    assert!(csv.contains("grace@example.com"), "{csv}");
    assert_eq!(
        app.count_stored(
            &ws,
            "_kith_events",
            "lower(changes) LIKE '%example.org%' OR lower(changes) LIKE '%ada@example.com%'"
        )
        .await,
        0
    );
    assert_eq!(
        app.count_stored(&ws, "_kith_events", &format!("record_id = {{id:{ada}}}"))
            .await,
        0
    );
    assert_eq!(
        app.count_stored(&ws, "_kith_targets", &format!("target_id = {{id:{ada}}}"))
            .await,
        0
    );
    let again = find(&owner, &ws, "ada.l@example.org").await;
    for list in [
        "records",
        "mentions",
        "events",
        "audit",
        "importRows",
        "webhookDeliveries",
    ] {
        assert_eq!(again[list], json!([]), "{list}: {again}");
    }
    client
        .get(&format!("/rest/people/{grace}"))
        .await
        .expect_status(200);

    // The log says what went, without the address; its salted hash still recognises it.
    let log = owner
        .get(&format!("/api/v1/workspaces/{ws}/privacy/erasures"))
        .await
        .expect_status(200);
    assert_eq!(log["data"][0]["id"], erasure["id"]);
    assert!(!log.to_string().contains("example.org"), "{log}");
    let workspace = uuid::Uuid::parse_str(&ws).expect("id");
    assert!(
        app.db()
            .was_erased(workspace, "ada.l@example.org")
            .await
            .expect("log")
    );
    assert!(
        !app.db()
            .was_erased(workspace, "grace@example.com")
            .await
            .expect("log")
    );
    app.stop().await;
}

async fn only_admins_make_data_subject_requests_and_the_address_is_checked(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    member
        .get(&format!(
            "/api/v1/workspaces/{ws}/privacy/subject?email=a%40b.co"
        ))
        .await
        .expect_error(403, "forbidden");
    member
        .post(
            &format!("/api/v1/workspaces/{ws}/privacy/erasures"),
            json!({ "email": "a@b.co" }),
        )
        .await
        .expect_error(403, "forbidden");
    let fields = owner
        .get(&format!(
            "/api/v1/workspaces/{ws}/privacy/subject?email=not-an-address"
        ))
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["email"]);
    let fields = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/privacy/erasures"),
            json!({ "email": "" }),
        )
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["email"]);
    assert_eq!(
        owner
            .get(&format!("/api/v1/workspaces/{ws}/privacy/erasures"))
            .await
            .expect_status(200)["data"],
        json!([])
    );
    app.stop().await;
}

async fn kith_privacy_finds_and_erases_from_a_shell(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let app = TestApp::start_with(backend, database.settings(&dir)).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client = owner.in_workspace(&ws);
    let ada = create(
        &client,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "emails": { "primaryEmail": "ada@example.com" } }),
    )
    .await;
    let privacy = |args: &[&str]| {
        let mut command = crate::cli::kith(dir.path());
        command
            .arg("privacy")
            .args(args)
            .env("KITH_DATABASE_URL", &database.url)
            .env("KITH_DATA_DIR", dir.path());
        command
    };

    let file = dir.path().join("ada.json");
    let (output, _, stderr) = crate::cli::run(&mut privacy(&[
        "find",
        "--workspace",
        &ws,
        "--email",
        "ADA@example.com",
        "-o",
        file.to_str().expect("path"),
    ]))
    .await;
    assert!(output.status.success(), "{stderr}");
    let found: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the export")).expect("JSON");
    assert_eq!(ids(&found, "records"), vec![ada.clone()]);

    for (args, expected) in [
        (
            vec!["erase", "--workspace", &ws, "--email", "ada@example.com"],
            "add --yes",
        ),
        (
            vec![
                "erase",
                "--workspace",
                "nope",
                "--email",
                "ada@example.com",
                "--yes",
            ],
            "--workspace must be",
        ),
        (
            vec!["find", "--workspace", &ws, "--email", "ada"],
            "--email",
        ),
    ] {
        let (output, _, stderr) = crate::cli::run(&mut privacy(&args)).await;
        assert!(
            !output.status.success() && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
    client
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_status(200);

    let (output, stdout, stderr) = crate::cli::run(&mut privacy(&[
        "erase",
        "--workspace",
        &ws,
        "--email",
        "ada@example.com",
        "--yes",
    ]))
    .await;
    assert!(
        output.status.success() && stdout.contains("\"records\":1"),
        "{stdout}{stderr}"
    );
    client
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_error(404, "not_found");
    let log = owner
        .get(&format!("/api/v1/workspaces/{ws}/privacy/erasures"))
        .await
        .expect_status(200);
    assert_eq!(log["data"].as_array().map(Vec::len), Some(1));
    app.stop().await;
}

async fn an_erasure_a_relation_forbids_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client = owner.in_workspace(&ws);
    let contract = client
        .post(
            "/rest/metadata/objects",
            json!({ "nameSingular": "contract", "namePlural": "contracts", "labelSingular": "Contract", "labelPlural": "Contracts" }),
        )
        .await
        .expect_status(201)["data"]["createOneObject"]["id"]
        .clone();
    client
        .post(
            "/rest/metadata/fields",
            json!({
                "objectMetadataId": contract, "name": "signatory", "label": "Signatory", "type": "RELATION",
                "relation": { "target": "person", "onDelete": "RESTRICT", "inverseName": "contracts" },
            }),
        )
        .await
        .expect_status(201);
    let ada = create(
        &client,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "emails": { "primaryEmail": "ada@example.com" } }),
    )
    .await;
    let call = create(&client, "notes", json!({ "title": "Call with Ada" })).await;
    link(&client, "notes", &call, "person", &ada).await;
    create(
        &client,
        "contracts",
        json!({ "name": "Lease", "signatoryId": ada }),
    )
    .await;
    // A permanent delete is refused alike, on both backends.
    client
        .delete(&format!("/rest/people/{ada}?permanent=true"))
        .await
        .expect_error(409, "conflict");

    let refused = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/privacy/erasures"),
            json!({ "email": "ada@example.com" }),
        )
        .await
        .expect_error(409, "conflict");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("person"),
        "{refused}"
    );
    client
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_status(200);
    client
        .get(&format!("/rest/notes/{call}"))
        .await
        .expect_status(200);
    let log = owner
        .get(&format!("/api/v1/workspaces/{ws}/privacy/erasures"))
        .await
        .expect_status(200);
    assert_eq!(log["data"], json!([]));
    app.stop().await;
}
