//! One access policy beneath every surface: whatever a principal may not read is absent from
//! every answer, and sensitive values are masked for roles that may not read them in clear, on
//! every path that returns records (the store's workspace handle applies it, not the handlers).

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    a_viewer_never_sees_a_sensitive_value_in_clear,
    a_token_limited_to_people_sees_nothing_of_other_objects,
    a_role_without_delete_on_opportunities_deletes_none_anywhere,
    a_hidden_field_is_absent_from_every_read_and_refused_in_every_write,
    custom_roles_are_checked_named_and_kept_while_held,
    a_timeline_shows_nothing_of_a_linked_record_the_role_may_not_read,
);

const SECRET: &str = "FR76 3000 6000 0112 3456 7890 189";
const MASK: &str = "••••••";

pub(crate) async fn object_id(client: &TestClient, plural: &str) -> Value {
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

pub(crate) async fn add_sensitive_field(owner: &TestClient, plural: &str, name: &str) {
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

/// A task made from `body` and linked to `person`; its id.
async fn task_about(owner: &TestClient, body: Value, person: &str) -> String {
    let task = created_id(owner, "tasks", body).await;
    owner
        .post(
            &format!("/rest/tasks/{task}/targets"),
            json!({ "targetObject": "person", "targetId": person }),
        )
        .await
        .expect_status(201);
    task
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
    let task = task_about(
        &owner,
        json!({ "title": "Visit", "doorCode": SECRET }),
        &person,
    )
    .await;
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
    task_about(&owner, json!({ "title": "Call Initech" }), &person).await;
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
    let document = call("/rest/open-api/core".into()).await.expect_status(200);
    let paths: Vec<&String> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .collect();
    assert!(paths.iter().any(|p| p.as_str() == "/people"), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("compan") || p.contains("task")),
        "the token's OpenAPI document has only its objects: {paths:?}"
    );
}

/// A custom role everyone can use: everything allowed but what `objects` narrows.
fn permissions(objects: Value) -> Value {
    json!({
        "default": { "read": true, "write": true, "delete": true },
        "objects": objects,
        "sensitiveInClear": true,
    })
}

/// An owner's workspace with a member who holds a custom role of `objects`' permissions.
async fn member_with_role(
    app: &TestApp,
    objects: Value,
) -> (TestClient, TestClient, String, String) {
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let role = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/roles"),
            json!({ "name": "Sales", "permissions": permissions(objects) }),
        )
        .await
        .expect_status(201)["id"]
        .as_str()
        .expect("role id")
        .to_owned();
    let (member, member_id) = app.join(&owner, &ws, "sales@example.com", "member").await;
    let changed = owner
        .patch(
            &format!("/api/v1/workspaces/{ws}/members/{member_id}"),
            json!({ "roleId": role }),
        )
        .await
        .expect_status(200);
    assert_eq!(changed["customRole"]["name"], "Sales");
    (owner.in_workspace(&ws), member.in_workspace(&ws), ws, role)
}

async fn a_role_without_delete_on_opportunities_deletes_none_anywhere(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, member, ws, _) = member_with_role(
        &app,
        json!({ "opportunity": { "read": true, "write": true, "delete": false } }),
    )
    .await;
    let first = created_id(&owner, "opportunities", json!({ "name": "Renewal" })).await;
    let second = created_id(&owner, "opportunities", json!({ "name": "Renewal" })).await;

    member
        .delete(&format!("/rest/opportunities/{first}"))
        .await
        .expect_error(403, "forbidden");
    member
        .delete("/rest/opportunities?filter=name[eq]:%22Renewal%22")
        .await
        .expect_error(403, "forbidden");
    member
        .patch(
            "/rest/opportunities/merge",
            json!({ "keepId": first, "mergeIds": [second] }),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        app.count_stored(&ws, "opportunities", "deleted_at IS NULL")
            .await,
        2,
        "nothing went to the trash"
    );
    // What the role allows still works: changing one, and deleting other objects' records.
    member
        .patch(
            &format!("/rest/opportunities/{first}"),
            json!({ "name": "Kept" }),
        )
        .await
        .expect_status(200);
    let company = created_id(&member, "companies", json!({ "name": "Initech" })).await;
    member
        .delete(&format!("/rest/companies/{company}"))
        .await
        .expect_status(200);
}

async fn a_hidden_field_is_absent_from_every_read_and_refused_in_every_write(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, member, _, _) = member_with_role(
        &app,
        json!({ "person": { "read": true, "write": true, "delete": true, "hiddenFields": ["jobTitle"] } }),
    )
    .await;
    const TITLE: &str = "Chief Secret Officer";
    let company = created_id(&owner, "companies", json!({ "name": "Initech" })).await;
    let person = created_id(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "jobTitle": "Engineer", "companyId": company }),
    )
    .await;
    owner
        .patch(
            &format!("/rest/people/{person}"),
            json!({ "jobTitle": TITLE }),
        )
        .await
        .expect_status(200);
    created_id(
        &owner,
        "opportunities",
        json!({ "name": "Deal", "pointOfContactId": person }),
    )
    .await;
    let task = task_about(&owner, json!({ "title": "Call" }), &person).await;

    let reads = [
        member.get(&format!("/rest/people/{person}")).await,
        member.get("/rest/people").await,
        member.get(&format!("/rest/people/{person}?depth=1")).await,
        member.get("/rest/opportunities?depth=1").await,
        member
            .post(
                "/rest/people/duplicates",
                json!({ "data": [{ "name": { "firstName": "Ada", "lastName": "Lovelace" } }], "ids": [person] }),
            )
            .await,
        member.get(&format!("/rest/companies/{company}?depth=1")).await,
        member.get(&format!("/rest/tasks/{task}/targets")).await,
    ];
    for reply in reads {
        let body = without(reply, TITLE, "a read");
        let text = body.to_string();
        assert!(!text.contains("Engineer"), "the old value shows: {text}");
        assert!(
            !text.contains("\"jobTitle\":"),
            "the hidden key shows: {text}"
        );
    }
    // The timeline says that the field changed, never to or from what.
    let timeline = without(
        member.get(&format!("/rest/people/{person}/timeline")).await,
        TITLE,
        "the timeline",
    );
    assert!(!timeline.to_string().contains("Engineer"), "{timeline}");
    let changed = &timeline["data"]["timeline"][1]["changes"]["jobTitle"];
    assert_eq!(
        changed,
        &json!({ "hidden": true }),
        "the change is listed without values"
    );

    let refusals = [
        member
            .get("/rest/people?filter=jobTitle[eq]:%22CTO%22")
            .await,
        member.get("/rest/people?order_by=jobTitle").await,
        member.get("/rest/people/groupBy?field=jobTitle").await,
        member
            .post("/rest/people", json!({ "jobTitle": "CTO" }))
            .await,
        member
            .post(
                "/rest/batch/people",
                json!([{ "name": { "firstName": "B" } }, { "jobTitle": "CTO" }]),
            )
            .await,
        member
            .patch(
                &format!("/rest/people/{person}"),
                json!({ "jobTitle": "CTO" }),
            )
            .await,
        member
            .patch(
                "/rest/people?filter=city[is]:NULL",
                json!({ "jobTitle": "CTO" }),
            )
            .await,
        member
            .post(
                "/rest/people/duplicates",
                json!({ "data": [{ "jobTitle": TITLE }] }),
            )
            .await,
    ];
    for reply in refusals {
        let error = reply.expect_error(400, "validation_failed");
        let field = error["details"][0]["field"]
            .as_str()
            .expect("field")
            .to_owned();
        assert!(
            ["filter", "order_by", "field", "jobTitle", "[1].jobTitle"].contains(&field.as_str()),
            "unexpected field {field}: {error}"
        );
    }
    let document = member.get("/rest/open-api/core").await.expect_status(200);
    let person_schema = &document["components"]["schemas"]["Person"]["properties"];
    assert!(person_schema.get("city").is_some(), "{person_schema}");
    assert!(
        person_schema.get("jobTitle").is_none(),
        "the role's document hides the field"
    );

    let stored = owner
        .get(&format!("/rest/people/{person}"))
        .await
        .expect_status(200);
    assert_eq!(
        stored["data"]["person"]["jobTitle"], TITLE,
        "no write went through"
    );
    assert_eq!(
        member.get("/rest/people").await.expect_status(200)["data"]["people"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "the refused batch wrote nobody"
    );
}

async fn custom_roles_are_checked_named_and_kept_while_held(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, member, ws, role) = member_with_role(
        &app,
        json!({ "opportunity": { "read": true, "write": false, "delete": false } }),
    )
    .await;
    let roles = format!("/api/v1/workspaces/{ws}/roles");
    let wrong = owner
        .post(
            &roles,
            json!({ "name": "viewer", "permissions": permissions(json!({
                "unicorn": { "read": true, "write": true, "delete": true },
                "person": { "read": true, "write": true, "delete": true, "hiddenFields": ["shoeSize"] },
            })) }),
        )
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(
        wrong,
        [
            "name",
            "permissions.objects.person.hiddenFields",
            "permissions.objects.unicorn"
        ]
    );
    owner
        .post(
            &roles,
            json!({ "name": "Sales", "permissions": permissions(json!({})) }),
        )
        .await
        .expect_error(409, "conflict");
    let refused = member
        .post(
            &roles,
            json!({ "name": "Mine", "permissions": permissions(json!({})) }),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        refused["message"],
        "POST /api/v1/workspaces/{workspace_id}/roles needs the admin role or higher; you are member in this workspace",
        "the refusal names the route"
    );
    owner
        .delete(&format!("{roles}/{role}"))
        .await
        .expect_error(409, "conflict");

    // A token with the role acts with it; tokens list their creator and role.
    let tokens = format!("/api/v1/workspaces/{ws}/tokens");
    let token = owner
        .post(&tokens, json!({ "name": "sales bot", "scopes": ["records:read", "records:write"], "roleId": role }))
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let write = reqwest::Client::new()
        .request(Method::POST, app.url("/rest/opportunities"))
        .bearer_auth(&token)
        .json(&json!({ "name": "By the bot" }));
    kith_testkit::send(write)
        .await
        .expect_error(403, "forbidden");
    let listed = owner.get(&tokens).await.expect_status(200);
    let bot = &listed["data"][0];
    assert_eq!(bot["customRole"]["name"], "Sales");
    assert_eq!(bot["createdBy"]["name"], "Owner");
    assert_eq!(bot["role"], "member");

    // No token above its creator's role.
    let (admin, _) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let fields = admin
        .post(
            &tokens,
            json!({ "name": "too strong", "scopes": ["records:read"], "role": "owner" }),
        )
        .await
        .expect_error_fields(403, "forbidden");
    assert_eq!(fields, ["role"]);

    // The member's role is changed back, the token revoked: the role can go.
    let member_id = member.get("/api/v1/me").await.expect_status(200)["id"].clone();
    owner
        .patch(
            &format!(
                "/api/v1/workspaces/{ws}/members/{}",
                member_id.as_str().expect("id")
            ),
            json!({ "role": "member" }),
        )
        .await
        .expect_status(200);
    let bot_id = bot["id"].as_str().expect("id");
    owner
        .delete(&format!("{tokens}/{bot_id}"))
        .await
        .expect_status(204);
    owner
        .delete(&format!("{roles}/{role}"))
        .await
        .expect_status(204);
    let left: Vec<Value> = owner.get(&roles).await.expect_status(200)["data"]
        .as_array()
        .cloned()
        .expect("roles");
    assert_eq!(left.len(), 4, "only the built-in roles are left: {left:?}");
}

/// A record's timeline tells that something was linked to it, but not what, when the caller may
/// not read the linked record's object.
async fn a_timeline_shows_nothing_of_a_linked_record_the_role_may_not_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, member, _, _) = member_with_role(
        &app,
        json!({ "task": { "read": false, "write": false, "delete": false } }),
    )
    .await;
    const TITLE: &str = "Secret acquisition plan";
    let company = created_id(&owner, "companies", json!({ "name": "Initech" })).await;
    let task = created_id(&owner, "tasks", json!({ "title": TITLE })).await;
    owner
        .post(
            &format!("/rest/tasks/{task}/targets"),
            json!({ "targetObject": "company", "targetId": company }),
        )
        .await
        .expect_status(201);
    let path = format!("/rest/companies/{company}/timeline");
    let seen_by_owner = owner.get(&path).await.expect_status(200);
    assert_eq!(
        seen_by_owner["data"]["timeline"][0]["changes"]["task"]["label"],
        TITLE
    );
    let seen = without(member.get(&path).await, TITLE, "the timeline");
    let linked = &seen["data"]["timeline"][0];
    assert_eq!(linked["kind"], "linked");
    assert_eq!(linked["changes"]["task"], json!({ "hidden": true }));
}
