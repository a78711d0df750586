//! Saved views: personal ones seen by their owner alone, shared ones by everyone who may read
//! the object; what a list would refuse is refused on save, and nothing is stored then.

use crate::access::object_id;
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    views_are_personal_until_shared_and_their_filter_lists_what_it_says,
    a_view_a_list_would_refuse_is_refused_and_nothing_is_stored,
    tokens_roles_and_deleted_objects_bound_what_views_show,
);

const VIEWS: &str = "/rest/metadata/views";

async fn create_view(client: &TestClient, body: Value) -> Value {
    client.post(VIEWS, body).await.expect_status(201)["data"]["createOneView"].clone()
}

async fn view_names(client: &TestClient, query: &str) -> Vec<String> {
    let reply = client
        .get(&format!("{VIEWS}{query}"))
        .await
        .expect_status(200);
    reply["data"]["views"]
        .as_array()
        .expect("views")
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_owned())
        .collect()
}

pub(crate) async fn make_token(owner: &TestClient, ws: &str, scopes: Value) -> String {
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "t", "scopes": scopes }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A custom role, "No companies", that may do anything but see companies.
pub(crate) async fn role_without_companies(owner: &TestClient, ws: &str) -> Value {
    make_role(
        owner,
        ws,
        "No companies",
        json!({
            "default": { "read": true, "write": true, "delete": true },
            "objects": { "company": { "read": false, "write": false, "delete": false } },
            "sensitiveInClear": false,
        }),
    )
    .await
}

pub(crate) async fn make_role(
    owner: &TestClient,
    ws: &str,
    name: &str,
    permissions: Value,
) -> Value {
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/roles"),
            json!({ "name": name, "permissions": permissions }),
        )
        .await
        .expect_status(201)["id"]
        .clone()
}

fn id_of(view: &Value) -> String {
    view["id"].as_str().expect("id").to_owned()
}

async fn views_are_personal_until_shared_and_their_filter_lists_what_it_says(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let member = member.in_workspace(&ws);
    let (viewer, _) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let viewer = viewer.in_workspace(&ws);
    for (name, employees) in [("Big", 500), ("Small", 5), ("Huge", 5000)] {
        owner
            .post(
                "/rest/companies",
                json!({ "name": name, "employees": employees }),
            )
            .await
            .expect_status(201);
    }
    let companies = object_id(&owner, "companies").await;
    let people = object_id(&owner, "people").await;

    let view = create_view(
        &owner,
        json!({
            "objectMetadataId": companies,
            "name": "  Large accounts ",
            "filter": "employees[gte]:100",
            "orderBy": "employees[DescNullsLast]",
            "fields": [{ "name": "name", "width": 240 }, { "name": "employees" }],
        }),
    )
    .await;
    assert_eq!(view["name"], "Large accounts");
    assert_eq!(view["type"], "table");
    assert_eq!(view["visibility"], "personal");
    assert_eq!(view["createdBy"]["name"], "Owner");
    assert_eq!(
        view["fields"],
        json!([{ "name": "name", "width": 240 }, { "name": "employees" }])
    );
    let id = id_of(&view);

    // The view's own filter and order, sent to the list, give what the view promises.
    let query = format!(
        "/rest/companies?filter={}&order_by={}",
        view["filter"].as_str().expect("filter"),
        view["orderBy"].as_str().expect("order")
    );
    let listed = owner.get(&query).await.expect_status(200);
    let names: Vec<&str> = listed["data"]["companies"]
        .as_array()
        .expect("companies")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Huge", "Big"]);

    // Personal: nobody else sees it, and to them it is not there at all.
    assert!(view_names(&member, "").await.is_empty());
    member
        .get(&format!("{VIEWS}/{id}"))
        .await
        .expect_error(404, "not_found");
    member
        .patch(&format!("{VIEWS}/{id}"), json!({ "name": "Mine now" }))
        .await
        .expect_error(404, "not_found");

    // Shared, every member sees it; a viewer may read it but not change it.
    let shared = owner
        .patch(
            &format!("{VIEWS}/{id}"),
            json!({ "visibility": "workspace" }),
        )
        .await
        .expect_status(200)["data"]["updateOneView"]
        .clone();
    assert_eq!(shared["visibility"], "workspace");
    assert_eq!(
        shared["filter"], "employees[gte]:100",
        "a change keeps what it does not name"
    );
    assert_eq!(view_names(&member, "").await, ["Large accounts"]);
    assert_eq!(view_names(&viewer, "").await, ["Large accounts"]);
    viewer
        .patch(&format!("{VIEWS}/{id}"), json!({ "name": "Viewer's" }))
        .await
        .expect_error(403, "forbidden");
    viewer
        .delete(&format!("{VIEWS}/{id}"))
        .await
        .expect_error(403, "forbidden");
    viewer
        .post(
            VIEWS,
            json!({ "objectMetadataId": companies, "name": "For all", "visibility": "workspace" }),
        )
        .await
        .expect_error(403, "forbidden");

    // A viewer keeps personal views of their own; a member renames the shared one.
    create_view(
        &viewer,
        json!({ "objectMetadataId": people, "name": "My people", "type": "table" }),
    )
    .await;
    assert_eq!(
        view_names(&viewer, "").await,
        ["Large accounts", "My people"]
    );
    assert_eq!(
        view_names(
            &viewer,
            &format!("?objectMetadataId={}", people.as_str().expect("id"))
        )
        .await,
        ["My people"]
    );
    assert_eq!(view_names(&owner, "").await, ["Large accounts"]);
    member
        .patch(
            &format!("{VIEWS}/{id}"),
            json!({ "name": "Enterprise", "filter": null }),
        )
        .await
        .expect_status(200);
    let renamed = owner.get(&format!("{VIEWS}/{id}")).await.expect_status(200);
    assert_eq!(renamed["data"]["view"]["name"], "Enterprise");
    assert_eq!(renamed["data"]["view"]["filter"], Value::Null);
    assert_eq!(
        renamed["data"]["view"]["orderBy"],
        "employees[DescNullsLast]"
    );

    // A kanban view names its select field.
    let board = create_view(
        &member,
        json!({
            "objectMetadataId": object_id(&owner, "opportunities").await,
            "name": "Pipeline",
            "type": "kanban",
            "kanbanField": "stage",
        }),
    )
    .await;
    assert_eq!(board["kanbanField"], "stage");

    member
        .delete(&format!("{VIEWS}/{id}"))
        .await
        .expect_status(200);
    assert!(view_names(&owner, "").await.is_empty());
    owner
        .get(&format!("{VIEWS}/{id}"))
        .await
        .expect_error(404, "not_found");
}

async fn a_view_a_list_would_refuse_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let companies = object_id(&owner, "companies").await;
    let base = json!({ "objectMetadataId": companies, "name": "V" });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let refused = [
        (with("filter", json!("employees[equals]:1")), "filter"),
        (with("filter", json!("shoeSize[eq]:1")), "filter"),
        (with("orderBy", json!("name[Sideways]")), "orderBy"),
        (with("orderBy", json!("shoeSize")), "order_by"),
        (
            with("fields", json!([{ "name": "shoeSize" }])),
            "fields[0].name",
        ),
        (
            with("fields", json!([{ "name": "name" }, { "name": "name" }])),
            "fields[1].name",
        ),
        (
            with("fields", json!([{ "name": "name", "width": 5 }])),
            "fields[0].width",
        ),
        (with("kanbanField", json!("name")), "kanbanField"),
        (with("name", json!("   ")), "name"),
        (with("name", json!("x".repeat(101))), "name"),
        (
            with("objectMetadataId", json!("not-an-id")),
            "objectMetadataId",
        ),
        (with("colour", json!("red")), "body"),
        (with("type", json!("calendar")), "body"),
    ];
    for (body, field) in refused {
        let fields = owner
            .post(VIEWS, body.clone())
            .await
            .expect_error_fields(400, "validation_failed");
        assert!(
            fields.iter().any(|f| f == field),
            "{body}: expected an error naming {field}, got {fields:?}"
        );
    }
    owner
        .post(
            VIEWS,
            with(
                "objectMetadataId",
                json!("01a23098-0000-7000-8000-000000000000"),
            ),
        )
        .await
        .expect_error(404, "not_found");
    assert!(
        view_names(&owner, "").await.is_empty(),
        "a refused view was stored"
    );

    let view = create_view(&owner, base.clone()).await;
    let path = format!("{VIEWS}/{}", id_of(&view));
    owner
        .patch(
            &path,
            json!({ "objectMetadataId": object_id(&owner, "people").await }),
        )
        .await
        .expect_error(400, "validation_failed");
    owner
        .patch(&path, json!({ "filter": "name[eq]:" }))
        .await
        .expect_error(400, "validation_failed");
    let kept = owner.get(&path).await.expect_status(200);
    assert_eq!(
        kept["data"]["view"]["filter"],
        Value::Null,
        "a refused change was written"
    );
    assert_eq!(kept["data"]["view"]["objectMetadataId"], companies);
}

async fn tokens_roles_and_deleted_objects_bound_what_views_show(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let companies = object_id(&owner, "companies").await;
    create_view(
        &owner,
        json!({
            "objectMetadataId": companies,
            "name": "Shared companies",
            "visibility": "workspace",
            "fields": [{ "name": "name" }, { "name": "employees" }],
        }),
    )
    .await;

    // A read-only token reads shared views and changes none; a writing token keeps its own.
    let read_only = make_token(&owner, &ws, json!(["records:read"])).await;
    let writer = make_token(&owner, &ws, json!(["records:read", "records:write"])).await;
    let bearer =
        |secret: &str, request: reqwest::RequestBuilder| request.bearer_auth(secret.to_owned());
    let http = reqwest::Client::new();
    let listed = kith_testkit::send(bearer(&read_only, http.get(app.url(VIEWS))))
        .await
        .expect_status(200);
    assert_eq!(listed["data"]["views"][0]["name"], "Shared companies");
    let body = json!({ "objectMetadataId": companies, "name": "Agent's" });
    for body in [&body, &json!({})] {
        kith_testkit::send(bearer(&read_only, http.post(app.url(VIEWS)).json(body)))
            .await
            .expect_error(403, "forbidden");
    }
    kith_testkit::send(bearer(&writer, http.post(app.url(VIEWS)).json(&body)))
        .await
        .expect_status(201);
    let theirs = kith_testkit::send(bearer(&writer, http.get(app.url(VIEWS))))
        .await
        .expect_status(200);
    assert_eq!(theirs["data"]["views"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        view_names(&owner, "").await,
        ["Shared companies"],
        "a token's own view is its own"
    );

    // A role that may not read companies sees none of their views; one that hides a field sees
    // the view without that column.
    let no_companies = role_without_companies(&owner, &ws).await;
    let no_employees = make_role(&owner, &ws, "No headcount", json!({
        "default": { "read": true, "write": true, "delete": true },
        "objects": { "company": { "read": true, "write": true, "delete": true, "hiddenFields": ["employees"] } },
        "sensitiveInClear": false,
    }))
    .await;
    let (blind, blind_id) = app.join(&owner, &ws, "blind@example.com", "member").await;
    let (partial, partial_id) = app.join(&owner, &ws, "partial@example.com", "member").await;
    for (user, role) in [(&blind_id, &no_companies), (&partial_id, &no_employees)] {
        owner
            .patch(
                &format!("/api/v1/workspaces/{ws}/members/{user}"),
                json!({ "roleId": role }),
            )
            .await
            .expect_status(200);
    }
    assert!(view_names(&blind.in_workspace(&ws), "").await.is_empty());
    let partial = partial.in_workspace(&ws);
    let seen = partial.get(VIEWS).await.expect_status(200);
    assert_eq!(
        seen["data"]["views"][0]["fields"],
        json!([{ "name": "name" }])
    );
    // Renaming it keeps the column they cannot see, for those who can.
    let id = seen["data"]["views"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    partial
        .patch(&format!("{VIEWS}/{id}"), json!({ "name": "Renamed" }))
        .await
        .expect_status(200);
    let full = owner.get(&format!("{VIEWS}/{id}")).await.expect_status(200);
    assert_eq!(
        full["data"]["view"]["fields"],
        json!([{ "name": "name" }, { "name": "employees" }])
    );

    // A custom object's views go with it.
    let object = owner
        .post(
            "/rest/metadata/objects",
            json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "Deal", "labelPlural": "Deals" }),
        )
        .await
        .expect_status(201)["data"]["createOneObject"]["id"]
        .clone();
    create_view(
        &owner,
        json!({ "objectMetadataId": object, "name": "Deals" }),
    )
    .await;
    owner
        .delete(&format!(
            "/rest/metadata/objects/{}",
            object.as_str().expect("id")
        ))
        .await
        .expect_status(200);
    assert_eq!(view_names(&owner, "").await, ["Renamed"]);
    assert_eq!(app.count_stored(&ws, "_kith_views", "1 = 1").await, 2);
}
