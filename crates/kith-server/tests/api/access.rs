//! One access policy beneath every surface: whatever a principal may not read is absent from
//! every answer, and sensitive values are masked for roles that may not read them in clear, on
//! every path that returns records (the store's workspace handle applies it, not the handlers).

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    a_viewer_never_sees_a_sensitive_value_in_clear,
    a_token_limited_to_people_sees_nothing_of_other_objects,
);

const SECRET: &str = "FR76 3000 6000 0112 3456 7890 189";
const MASK: &str = "••••••";

async fn object_id(client: &TestClient, plural: &str) -> Value {
    let objects = client
        .get("/rest/metadata/objects")
        .await
        .expect_status(200);
    objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["namePlural"] == plural)
        .expect("object")["id"]
        .clone()
}

async fn add_sensitive_field(owner: &TestClient, plural: &str, name: &str) {
    let body = json!({
        "objectMetadataId": object_id(owner, plural).await,
        "name": name,
        "label": name,
        "type": "SENSITIVE_TEXT",
    });
    owner
        .post("/rest/metadata/fields", body)
        .await
        .expect_status(201);
}

async fn created_id(client: &TestClient, plural: &str, body: Value) -> String {
    let reply = client
        .post(&format!("/rest/{plural}"), body)
        .await
        .expect_status(201);
    let record = reply["data"]
        .as_object()
        .expect("data")
        .values()
        .next()
        .cloned();
    record.expect("record")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The raw body of a successful answer, checked not to hold `secret`.
#[track_caller]
fn without(reply: kith_testkit::Reply, secret: &str, what: &str) -> Value {
    let body = String::from_utf8_lossy(&reply.bytes).into_owned();
    assert!(
        !body.contains(secret),
        "{what} shows the clear value: {body}"
    );
    reply.expect_status(200)
}

async fn a_viewer_never_sees_a_sensitive_value_in_clear(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    add_sensitive_field(&owner, "people", "iban").await;
    add_sensitive_field(&owner, "tasks", "doorCode").await;
    let company = created_id(&owner, "companies", json!({ "name": "Initech" })).await;
    let person = created_id(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "iban": SECRET, "companyId": company }),
    )
    .await;
    let task = created_id(
        &owner,
        "tasks",
        json!({ "title": "Visit", "doorCode": SECRET }),
    )
    .await;
    owner
        .post(
            &format!("/rest/tasks/{task}/targets"),
            json!({ "targetObject": "person", "targetId": person }),
        )
        .await
        .expect_status(201);
    let shown = owner
        .get(&format!("/rest/tasks/{task}"))
        .await
        .expect_status(200);
    assert_eq!(
        shown["data"]["task"]["doorCode"], SECRET,
        "the owner reads it in clear"
    );

    let (viewer, _) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let viewer = viewer.in_workspace(&ws);
    let got = without(
        viewer.get(&format!("/rest/people/{person}")).await,
        SECRET,
        "get",
    );
    assert_eq!(got["data"]["person"]["iban"], MASK);
    without(viewer.get("/rest/people?depth=1").await, SECRET, "a list");
    let by_data = without(
        viewer
            .post(
                "/rest/people/duplicates",
                json!({ "data": [{ "name": { "firstName": "Ada", "lastName": "Lovelace" } }] }),
            )
            .await,
        SECRET,
        "duplicates of a candidate",
    );
    assert_eq!(by_data["data"][0]["duplicates"][0]["iban"], MASK);
    let by_id = owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" } }),
        )
        .await
        .expect_status(201)["data"]["createPerson"]["id"]
        .clone();
    let by_id = without(
        viewer
            .post("/rest/people/duplicates", json!({ "ids": [by_id] }))
            .await,
        SECRET,
        "duplicates of a record",
    );
    assert_eq!(by_id["data"][0]["duplicates"][0]["iban"], MASK);
    let tasks = without(
        viewer.get(&format!("/rest/people/{person}/tasks")).await,
        SECRET,
        "a record's tasks",
    );
    assert_eq!(tasks["data"]["tasks"][0]["doorCode"], MASK);
    without(
        viewer.get(&format!("/rest/tasks/{task}")).await,
        SECRET,
        "a task",
    );
    without(viewer.get("/rest/tasks?depth=1").await, SECRET, "tasks");
    without(
        viewer.get(&format!("/rest/people/{person}/timeline")).await,
        SECRET,
        "a timeline",
    );
    without(viewer.get("/rest/search?q=Ada").await, SECRET, "search");
}

async fn a_token_limited_to_people_sees_nothing_of_other_objects(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let company = created_id(&owner, "companies", json!({ "name": "Initech" })).await;
    let person = created_id(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada" }, "companyId": company }),
    )
    .await;
    let task = created_id(&owner, "tasks", json!({ "title": "Call Initech" })).await;
    owner
        .post(
            &format!("/rest/tasks/{task}/targets"),
            json!({ "targetObject": "person", "targetId": person }),
        )
        .await
        .expect_status(201);
    let token = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "people only", "scopes": ["records:read"], "objects": ["people"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let call = |path: String| {
        let request = reqwest::Client::new()
            .request(Method::GET, app.url(&path))
            .bearer_auth(&token);
        kith_testkit::send(request)
    };

    let shown = without(
        call(format!("/rest/people/{person}?depth=1")).await,
        "Initech",
        "depth=1",
    );
    let shown = &shown["data"]["person"];
    assert_eq!(
        shown["companyId"],
        company.as_str(),
        "the relation's id is the person's own"
    );
    assert!(
        shown.get("company").is_none(),
        "the company is not embedded: {shown}"
    );
    without(
        call("/rest/people?depth=1".into()).await,
        "Initech",
        "a list with depth=1",
    );
    call(format!("/rest/companies/{company}"))
        .await
        .expect_error(403, "forbidden");
    call(format!("/rest/people/{person}/tasks"))
        .await
        .expect_error(403, "forbidden");
    let found = without(call("/rest/search?q=Ini".into()).await, "Initech", "search");
    assert_eq!(found["data"]["search"], json!([]));
    let objects = call("/rest/metadata/objects".into())
        .await
        .expect_status(200);
    let plurals: Vec<&str> = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["namePlural"].as_str())
        .collect();
    assert_eq!(plurals, ["people"]);
}
