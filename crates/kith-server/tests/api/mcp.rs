//! The MCP server as agents meet it, through the SDK's own client: over Streamable HTTP at
//! `/mcp` (both protocol eras) and over stdio from `kith mcp`.

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends, send};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ProtocolVersion, Tool};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

on_both_backends!(
    an_agent_discovers_the_workspace_and_works_in_it,
    every_write_takes_a_dry_run_that_stores_nothing,
    tool_errors_are_results_that_name_the_argument,
    a_read_only_grant_sees_and_runs_no_write_tool,
    a_grant_of_one_workspace_reaches_nothing_of_another,
    the_current_protocol_and_the_http_checks,
    kith_mcp_serves_over_stdio,
    a_change_set_is_reverted_leaving_what_others_changed,
    the_audit_log_keeps_every_tool_call_and_token_write,
);

pub(crate) type Client = RunningService<RoleClient, ClientConfig>;

pub(crate) const READ_TOOLS: [&str; 6] = [
    "describe_workspace",
    "search_records",
    "list_records",
    "get_record",
    "get_timeline",
    "group_by",
];

async fn token(owner: &TestClient, ws: &str, scopes: &[&str]) -> String {
    let created = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "Agent", "scopes": scopes }),
        )
        .await
        .expect_status(201);
    created["token"].as_str().expect("token").to_owned()
}

/// A client of `/mcp` that sends `token`, speaking a revision that has `initialize`.
pub(crate) async fn connect(app: &TestApp, token: &str) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(token),
    );
    let info = ClientConfig::new(Default::default(), Default::default())
        .with_protocol_version(ProtocolVersion::V_2025_06_18);
    info.serve(transport).await.expect("initialize")
}

async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{name}: a protocol error instead of a result: {e}"))
}

/// A tool's answer, which must be a success.
async fn ok(client: &Client, name: &str, arguments: Value) -> Value {
    let result = call(client, name, arguments).await;
    let content = result.structured_content.clone().unwrap_or(Value::Null);
    assert_eq!(result.is_error, Some(false), "{name}: {content}");
    // Older clients read the text copy: the same JSON.
    let text = result.content[0]
        .as_text()
        .expect("a text copy")
        .text
        .clone();
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON text"),
        content
    );
    content
}

/// The id of the record `create_record` made with `arguments`.
async fn created_id(client: &Client, arguments: Value) -> String {
    ok(client, "create_record", arguments).await["record"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A tool's refusal: its error code and the fields it names.
async fn refused(client: &Client, name: &str, arguments: Value) -> (String, Vec<String>) {
    let result = call(client, name, arguments).await;
    let content = result.structured_content.clone().unwrap_or(Value::Null);
    assert_eq!(result.is_error, Some(true), "{name} should fail: {content}");
    let error = &content["error"];
    let fields = error["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (
        error["code"].as_str().unwrap_or_default().to_owned(),
        fields,
    )
}

pub(crate) fn names(tools: &[Tool]) -> Vec<String> {
    tools.iter().map(|t| t.name.to_string()).collect()
}

async fn object_id(owner: &TestClient, plural: &str) -> Value {
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["namePlural"] == plural)
        .map(|o| o["id"].clone())
        .expect("the object")
}

fn object<'a>(described: &'a Value, plural: &str) -> &'a Value {
    described["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["object"] == plural)
        .unwrap_or_else(|| panic!("{plural} is not described"))
}

fn field_names(object: &Value) -> Vec<String> {
    object["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn an_agent_discovers_the_workspace_and_works_in_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let token = token(&owner, &ws, &["records:read", "records:write"]).await;
    let agent = connect(&app, &token).await;
    let server = agent.peer_info().expect("server info");
    assert_eq!(
        server.server_info.as_ref().map(|i| i.name.as_str()),
        Some("kith")
    );
    assert_eq!(server.protocol_version, ProtocolVersion::V_2025_06_18);

    let tools = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(
        names(&tools),
        [
            "describe_workspace",
            "search_records",
            "list_records",
            "get_record",
            "create_record",
            "update_record",
            "delete_record",
            "restore_record",
            "upsert_records",
            "merge_records",
            "add_note",
            "create_task",
            "revert_change_set",
            "get_timeline",
            "group_by",
        ]
    );
    let again = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(
        serde_json::to_value(&tools).expect("json"),
        serde_json::to_value(&again).expect("json"),
        "tools/list is deterministic"
    );
    for tool in &tools {
        let notes = tool.annotations.as_ref().expect("annotations");
        let read_only = READ_TOOLS.contains(&tool.name.as_ref());
        assert_eq!(notes.read_only_hint, Some(read_only), "{}", tool.name);
        assert!(notes.destructive_hint.is_some() && notes.idempotent_hint.is_some());
        assert_eq!(notes.open_world_hint, Some(false), "{}", tool.name);
        assert!(tool.output_schema.is_some(), "{}", tool.name);
        assert_eq!(tool.input_schema["type"], "object");
    }

    // A custom field shows in the description as soon as it exists, and takes values.
    let described = ok(&agent, "describe_workspace", json!({})).await;
    assert!(!field_names(object(&described, "companies")).contains(&"tier".to_owned()));
    let companies = object_id(&owner, "companies").await;
    owner
        .post(
            "/rest/metadata/fields",
            json!({
                "objectMetadataId": companies, "name": "tier", "label": "Tier", "type": "SELECT",
                "options": [{ "value": "GOLD", "label": "Gold" }, { "value": "SILVER", "label": "Silver" }],
            }),
        )
        .await
        .expect_status(201);
    let described = ok(&agent, "describe_workspace", json!({})).await;
    let tier = object(&described, "companies")["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "tier")
        .expect("tier is described at once")
        .clone();
    assert_eq!(tier["type"], "SELECT");
    assert_eq!(tier["options"][0]["value"], "GOLD");
    assert_eq!(object(&described, "companies")["youMay"]["write"], true);

    let created = ok(
        &agent,
        "create_record",
        json!({ "object": "companies", "values": { "name": "Acme", "tier": "GOLD" } }),
    )
    .await;
    assert_eq!(created["dryRun"], false);
    assert_eq!(created["changes"][0]["action"], "created");
    let acme = created["record"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created["record"]["createdBy"],
        json!({ "source": "AGENT", "workspaceMemberId": null, "name": "Agent" })
    );
    // REST sees what the agent wrote.
    let shown = owner
        .get(&format!("/rest/companies/{acme}"))
        .await
        .expect_status(200);
    assert_eq!(shown["data"]["company"]["tier"], "GOLD");

    let updated = ok(
        &agent,
        "update_record",
        json!({ "object": "companies", "id": acme, "values": { "tier": "SILVER" } }),
    )
    .await;
    assert_eq!(
        updated["changes"][0]["fields"],
        json!({ "tier": { "before": "GOLD", "after": "SILVER" } })
    );

    let ada = created_id(
        &agent,
        json!({ "object": "people", "values": {
            "name": { "firstName": "Ada", "lastName": "Lovelace" },
            "emails": { "primaryEmail": "ada@acme.example" },
            "companyId": acme,
        } }),
    )
    .await;
    let got = ok(
        &agent,
        "get_record",
        json!({ "object": "people", "id": ada }),
    )
    .await;
    assert_eq!(got["record"]["company"]["name"], "Acme", "{got}");

    let listed = ok(
        &agent,
        "list_records",
        json!({ "object": "companies", "filter": "tier[eq]:SILVER", "fields": ["name"], "count": true }),
    )
    .await;
    assert_eq!(listed["records"], json!([{ "id": acme, "name": "Acme" }]));
    assert_eq!(listed["total_count"], 1);

    let hits = ok(&agent, "search_records", json!({ "query": "lovel" })).await;
    assert_eq!(hits["hits"][0]["object"], "people", "{hits}");
    assert_eq!(hits["hits"][0]["id"], ada.as_str());

    let note = ok(
        &agent,
        "add_note",
        json!({ "target": { "object": "companies", "id": acme }, "title": "Call", "body": "**Renewal** in May" }),
    )
    .await;
    assert_eq!(note["changes"][1]["action"], "linked");
    let task = ok(
        &agent,
        "create_task",
        json!({ "target": { "object": "people", "id": ada }, "title": "Send the offer", "due_at": "2027-01-15T09:00:00Z" }),
    )
    .await;
    assert_eq!(task["record"]["status"], "TODO");
    let related = ok(
        &agent,
        "get_record",
        json!({ "object": "companies", "id": acme, "related": true }),
    )
    .await;
    assert_eq!(related["notes"][0]["title"], "Call");
    let timeline = ok(
        &agent,
        "get_timeline",
        json!({ "object": "companies", "id": acme }),
    )
    .await;
    let kinds: Vec<&str> = timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["linked", "updated", "created"], "{timeline}");
    assert_eq!(timeline["events"][0]["actor"]["source"], "AGENT");

    for name in ["Globex", "Initech"] {
        ok(
            &agent,
            "create_record",
            json!({ "object": "opportunities", "values": { "name": name, "stage": "NEW", "amount": { "amountMicros": 2_000_000_000i64, "currencyCode": "EUR" } } }),
        )
        .await;
    }
    let groups = ok(
        &agent,
        "group_by",
        json!({ "object": "opportunities", "field": "stage", "aggregate": "count,sum:amount" }),
    )
    .await;
    let new = groups["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["key"] == "NEW")
        .expect("the NEW group")
        .clone();
    assert_eq!(new["count"], 2);
    assert_eq!(new["sum:amount"], 4_000_000_000i64);

    let upserted = ok(
        &agent,
        "upsert_records",
        json!({ "object": "people", "records": [
            { "emails": { "primaryEmail": "ada@acme.example" }, "jobTitle": "Engineer" },
            { "emails": { "primaryEmail": "grace@acme.example" }, "name": { "firstName": "Grace", "lastName": "Hopper" } },
        ] }),
    )
    .await;
    let actions: Vec<&str> = upserted["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert_eq!(actions, ["updated", "created"]);
    assert_eq!(upserted["records"][0]["id"], ada.as_str());
    assert_eq!(upserted["records"][0]["jobTitle"], "Engineer");

    let twin = created_id(
        &agent,
        json!({ "object": "companies", "values": { "name": "Acme Inc" } }),
    )
    .await;
    let merged = ok(
        &agent,
        "merge_records",
        json!({ "object": "companies", "keep_id": acme, "merge_ids": [twin] }),
    )
    .await;
    assert_eq!(
        merged["changes"][1],
        json!({ "action": "deleted", "object": "companies", "id": twin })
    );
    owner
        .get(&format!("/rest/companies/{twin}"))
        .await
        .expect_status(404);

    let deleted = ok(
        &agent,
        "delete_record",
        json!({ "object": "people", "id": ada }),
    )
    .await;
    assert!(deleted["record"]["deletedAt"].is_string());
    owner
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_status(404);
    ok(
        &agent,
        "restore_record",
        json!({ "object": "people", "id": ada }),
    )
    .await;
    owner
        .get(&format!("/rest/people/{ada}"))
        .await
        .expect_status(200);
    agent.cancel().await.expect("close");
}

async fn every_write_takes_a_dry_run_that_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let token = token(&owner, &ws, &["records:read", "records:write"]).await;
    let agent = connect(&app, &token).await;
    let acme = created_id(
        &agent,
        json!({ "object": "companies", "values": { "name": "Acme", "employees": 10 } }),
    )
    .await;
    let twin = created_id(
        &agent,
        json!({ "object": "companies", "values": { "name": "Acme" } }),
    )
    .await;
    let trashed = created_id(
        &agent,
        json!({ "object": "companies", "values": { "name": "Gone" } }),
    )
    .await;
    ok(
        &agent,
        "delete_record",
        json!({ "object": "companies", "id": trashed }),
    )
    .await;

    let state = || async {
        let companies = owner
            .get("/rest/companies?count=true&filter=deletedAt[is]:NULL")
            .await
            .expect_status(200);
        let all = owner
            .get("/rest/companies?filter=or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)")
            .await
            .expect_status(200);
        let people = owner
            .get("/rest/people?count=true")
            .await
            .expect_status(200);
        let notes = owner.get("/rest/notes?count=true").await.expect_status(200);
        let tasks = owner.get("/rest/tasks?count=true").await.expect_status(200);
        let timeline = owner
            .get(&format!("/rest/companies/{acme}/timeline"))
            .await
            .expect_status(200);
        json!([
            companies["data"],
            all["data"],
            people["totalCount"],
            notes["totalCount"],
            tasks["totalCount"],
            timeline["data"]
        ])
    };
    let before = state().await;
    let target = json!({ "object": "companies", "id": acme });
    let dry_runs = [
        (
            "create_record",
            json!({ "object": "people", "values": { "name": { "firstName": "Ada" } } }),
        ),
        (
            "update_record",
            json!({ "object": "companies", "id": acme, "values": { "employees": 99 } }),
        ),
        (
            "delete_record",
            json!({ "object": "companies", "id": acme }),
        ),
        (
            "restore_record",
            json!({ "object": "companies", "id": trashed }),
        ),
        (
            "upsert_records",
            json!({ "object": "people", "records": [{ "emails": { "primaryEmail": "x@y.example" } }] }),
        ),
        (
            "merge_records",
            json!({ "object": "companies", "keep_id": acme, "merge_ids": [twin] }),
        ),
        ("add_note", json!({ "target": target, "title": "Dry" })),
        ("create_task", json!({ "target": target, "title": "Dry" })),
    ];
    for (name, mut arguments) in dry_runs {
        arguments["dry_run"] = json!(true);
        let answer = ok(&agent, name, arguments).await;
        assert_eq!(answer["dryRun"], true, "{name}");
        assert!(
            !answer["changes"].as_array().expect("changes").is_empty(),
            "{name} says what it would change: {answer}"
        );
        assert_eq!(state().await, before, "{name} wrote something in a dry run");
    }
    // The dry run answers what the write would do, old and new.
    let would = ok(
        &agent,
        "update_record",
        json!({ "object": "companies", "id": acme, "values": { "employees": 99 }, "dry_run": true }),
    )
    .await;
    assert_eq!(
        would["changes"][0]["fields"]["employees"],
        json!({ "before": 10, "after": 99 })
    );
    // A dry run is checked like the write: a wrong value fails the same way.
    let (code, fields) = refused(
        &agent,
        "update_record",
        json!({ "object": "companies", "id": acme, "values": { "employees": "many" }, "dry_run": true }),
    )
    .await;
    assert_eq!(
        (code.as_str(), fields),
        ("validation_failed", vec!["values.employees".to_owned()])
    );
}

async fn tool_errors_are_results_that_name_the_argument(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let token = token(&owner, &ws, &["records:read", "records:write"]).await;
    let agent = connect(&app, &token).await;
    let missing = "01a2a000-0000-7000-8000-000000000000";
    let cases = [
        (
            "list_records",
            json!({ "object": "widgets" }),
            "not_found",
            "object",
        ),
        (
            "list_records",
            json!({ "object": "companies", "bogus": 1 }),
            "validation_failed",
            "bogus",
        ),
        (
            "list_records",
            json!({ "object": "companies", "filter": "name[equals]:1" }),
            "validation_failed",
            "filter",
        ),
        (
            "list_records",
            json!({ "object": "companies", "limit": 500 }),
            "validation_failed",
            "limit",
        ),
        (
            "list_records",
            json!({ "object": "companies", "cursor": missing }),
            "not_found",
            "cursor",
        ),
        (
            "get_record",
            json!({ "object": "companies" }),
            "validation_failed",
            "id",
        ),
        (
            "get_record",
            json!({ "object": "companies", "id": "nope" }),
            "validation_failed",
            "id",
        ),
        (
            "get_record",
            json!({ "object": "companies", "id": missing }),
            "not_found",
            "id",
        ),
        (
            "create_record",
            json!({ "object": "people", "values": { "emails": { "primaryEmail": "no at sign" } } }),
            "validation_failed",
            "values.emails.primaryEmail",
        ),
        (
            "create_record",
            json!({ "object": "people", "values": { "companyId": missing } }),
            "conflict",
            "values.companyId",
        ),
        (
            "update_record",
            json!({ "object": "companies", "id": missing, "values": { "name": "X" } }),
            "not_found",
            "id",
        ),
        (
            "upsert_records",
            json!({ "object": "people", "records": [{}, { "emails": { "primaryEmail": "bad" } }] }),
            "validation_failed",
            "records[1].emails.primaryEmail",
        ),
        (
            "add_note",
            json!({ "target": { "object": "companies", "id": missing }, "title": "T" }),
            "conflict",
            "target.id",
        ),
        (
            "search_records",
            json!({ "query": " " }),
            "validation_failed",
            "query",
        ),
        (
            "group_by",
            json!({ "object": "opportunities", "field": "stage", "aggregate": "median" }),
            "validation_failed",
            "aggregate",
        ),
    ];
    for (name, arguments, code, field) in cases {
        let (got_code, fields) = refused(&agent, name, arguments.clone()).await;
        assert_eq!(got_code, code, "{name} {arguments}");
        assert!(
            fields.iter().any(|f| f == field),
            "{name} {arguments}: {fields:?} should name {field}"
        );
    }
    let (code, _) = refused(&agent, "drop_everything", json!({})).await;
    assert_eq!(code, "not_found");
    // Nothing of the refused writes was stored.
    let people = owner
        .get("/rest/people?count=true")
        .await
        .expect_status(200);
    assert_eq!(people["totalCount"], 0);
    let notes = owner.get("/rest/notes?count=true").await.expect_status(200);
    assert_eq!(notes["totalCount"], 0);
}

async fn a_read_only_grant_sees_and_runs_no_write_tool(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let acme = owner
        .post("/rest/companies", json!({ "name": "Acme" }))
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let reader = token(&owner, &ws, &["records:read"]).await;
    let agent = connect(&app, &reader).await;
    let tools = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(
        names(&tools),
        [
            "describe_workspace",
            "search_records",
            "list_records",
            "get_record",
            "get_timeline",
            "group_by"
        ]
    );
    let target = json!({ "object": "companies", "id": acme });
    let writes = [
        (
            "create_record",
            json!({ "object": "companies", "values": { "name": "X" } }),
        ),
        (
            "update_record",
            json!({ "object": "companies", "id": acme, "values": { "name": "X" } }),
        ),
        (
            "delete_record",
            json!({ "object": "companies", "id": acme }),
        ),
        (
            "restore_record",
            json!({ "object": "companies", "id": acme }),
        ),
        (
            "upsert_records",
            json!({ "object": "companies", "records": [{ "name": "X" }] }),
        ),
        (
            "merge_records",
            json!({ "object": "companies", "keep_id": acme, "merge_ids": [acme] }),
        ),
        ("add_note", json!({ "target": target, "title": "X" })),
        ("create_task", json!({ "target": target, "title": "X" })),
        ("revert_change_set", json!({ "change_set": acme })),
    ];
    for (name, arguments) in &writes {
        let (code, _) = refused(&agent, name, arguments.clone()).await;
        assert_eq!(code, "forbidden", "{name}");
    }
    let described = ok(&agent, "describe_workspace", json!({})).await;
    assert_eq!(object(&described, "companies")["youMay"]["write"], false);

    // A token with the viewer role is read only too, whatever its scopes.
    let viewer_token = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "Viewer", "role": "viewer", "scopes": ["records:read", "records:write"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let viewing = connect(&app, &viewer_token).await;
    let tools = viewing.list_all_tools().await.expect("tools/list");
    assert!(
        names(&tools)
            .iter()
            .all(|n| READ_TOOLS.contains(&n.as_str()))
    );
    let (code, _) = refused(&viewing, "create_record", writes[0].1.clone()).await;
    assert_eq!(code, "forbidden");
    let companies = owner
        .get("/rest/companies?count=true")
        .await
        .expect_status(200);
    assert_eq!(companies["totalCount"], 1);
}

async fn a_grant_of_one_workspace_reaches_nothing_of_another(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws_a) = app.owner_with_workspace("owner@example.com").await;
    let ws_b = owner.create_workspace("Other").await;
    let in_b = owner.in_workspace(&ws_b);
    let secret = in_b
        .post("/rest/companies", json!({ "name": "Secretco" }))
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let token_a = token(
        &owner.in_workspace(&ws_a),
        &ws_a,
        &["records:read", "records:write"],
    )
    .await;
    let agent = connect(&app, &token_a).await;
    let described = ok(&agent, "describe_workspace", json!({})).await;
    assert_eq!(described["workspace"]["id"], ws_a.as_str());
    let (code, _) = refused(
        &agent,
        "get_record",
        json!({ "object": "companies", "id": secret }),
    )
    .await;
    assert_eq!(code, "not_found");
    let hits = ok(&agent, "search_records", json!({ "query": "secretco" })).await;
    assert_eq!(hits["hits"], json!([]));
    let listed = ok(&agent, "list_records", json!({ "object": "companies" })).await;
    assert_eq!(listed["records"], json!([]));
    for (name, arguments) in [
        (
            "update_record",
            json!({ "object": "companies", "id": secret, "values": { "name": "Mine" } }),
        ),
        (
            "delete_record",
            json!({ "object": "companies", "id": secret }),
        ),
        (
            "get_timeline",
            json!({ "object": "companies", "id": secret }),
        ),
        (
            "add_note",
            json!({ "target": { "object": "companies", "id": secret }, "title": "Mine" }),
        ),
    ] {
        let (code, _) = refused(&agent, name, arguments).await;
        assert!(code == "not_found" || code == "conflict", "{name}: {code}");
    }
    let still = in_b
        .get(&format!("/rest/companies/{secret}"))
        .await
        .expect_status(200);
    assert_eq!(still["data"]["company"]["name"], "Secretco");
    let notes = in_b.get("/rest/notes?count=true").await.expect_status(200);
    assert_eq!(notes["totalCount"], 0);
}

async fn the_current_protocol_and_the_http_checks(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let token = token(&owner.in_workspace(&ws), &ws, &["records:read"]).await;

    // 2026-07-28: no initialize, server/discover and self-contained requests.
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(token.clone()),
    );
    let modern = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    let tools = modern.list_all_tools().await.expect("tools/list");
    assert_eq!(names(&tools), READ_TOOLS);
    let result = modern
        .call_tool(CallToolRequestParams::new("describe_workspace").with_arguments(Map::new()))
        .await
        .expect("tools/call");
    assert_eq!(result.is_error, Some(false));

    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "curl", "version": "1" } },
    });
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut request = reqwest::Client::new()
            .post(app.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        send(request)
    };
    let answer = post(Some(&token), None).await;
    let header = answer.header("mcp-session-id").map(str::to_owned);
    let body = answer.expect_status(200);
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(
        header, None,
        "stateless: no session to keep on one instance"
    );

    for refused in [
        post(None, None).await,
        post(Some("kith_not_a_token"), None).await,
    ] {
        let challenge = refused.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with(&format!(
                "Bearer resource_metadata=\"{}\"",
                app.url("/.well-known/oauth-protected-resource/mcp")
            )),
            "{challenge}"
        );
        refused.expect_error(401, "unauthenticated");
    }
    post(Some(&token), Some("https://evil.example"))
        .await
        .expect_status(403);
    let own_origin = app.state().config.public_url.origin().ascii_serialization();
    post(Some(&token), Some(&own_origin))
        .await
        .expect_status(200);
}

async fn kith_mcp_serves_over_stdio(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let token = token(&owner, &ws, &["records:read", "records:write"]).await;
    let config = &app.state().config;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"));
    command
        .arg("mcp")
        .env_clear()
        .env("KITH_TOKEN", &token)
        .env("KITH_DATABASE_URL", &config.database_url)
        .env("KITH_DATA_DIR", app.data_dir())
        .env("KITH_LOG", "warn");
    let child = rmcp::transport::TokioChildProcess::new(command).expect("kith mcp starts");
    let agent = ().serve(child).await.expect("initialize over stdio");
    let tools = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), 15);
    let created = agent
        .call_tool(
            CallToolRequestParams::new("create_record").with_arguments(
                json!({ "object": "companies", "values": { "name": "Over stdio" } })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
        )
        .await
        .expect("tools/call");
    assert_eq!(
        created.is_error,
        Some(false),
        "{:?}",
        created.structured_content
    );
    // The server that runs beside it sees the record at once: the same database.
    let listed = owner
        .get("/rest/companies?filter=name[eq]:\"Over stdio\"&count=true")
        .await
        .expect_status(200);
    assert_eq!(listed["totalCount"], 1);
    agent.cancel().await.expect("close");

    // With --url it passes everything on to a remote Kith, opening no database of its own.
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"));
    command
        .args(["mcp", "--url", &app.url("/mcp")])
        .env_clear()
        .env("KITH_TOKEN", &token)
        .env("KITH_DATA_DIR", "/nonexistent/kith-data")
        .env("KITH_LOG", "warn");
    let child = rmcp::transport::TokioChildProcess::new(command).expect("kith mcp --url starts");
    let relayed = ().serve(child).await.expect("initialize over stdio");
    assert_eq!(
        relayed.list_all_tools().await.expect("tools/list").len(),
        15
    );
    let listed = relayed
        .call_tool(
            CallToolRequestParams::new("list_records").with_arguments(
                json!({ "object": "companies", "filter": "name[eq]:\"Over stdio\"" })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
        )
        .await
        .expect("tools/call");
    let records = &listed.structured_content.expect("content")["records"];
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records}");
    let refused = relayed
        .call_tool(
            CallToolRequestParams::new("get_record").with_arguments(
                json!({ "object": "widgets", "id": "nope" })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
        )
        .await
        .expect("a tool error is a result");
    assert_eq!(refused.is_error, Some(true));
    relayed.cancel().await.expect("close");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["mcp", "--url", &app.url("/mcp")])
        .env_clear()
        .env("KITH_TOKEN", "kith_not_a_token")
        .output()
        .await
        .expect("kith mcp runs");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot reach"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Without a token it says which variable to set, and stops.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"))
        .arg("mcp")
        .env_clear()
        .env("KITH_DATABASE_URL", &config.database_url)
        .env("KITH_DATA_DIR", app.data_dir())
        .output()
        .await
        .expect("kith mcp runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("KITH_TOKEN"));
}

async fn a_change_set_is_reverted_leaving_what_others_changed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let acme = owner
        .post(
            "/rest/companies",
            json!({ "name": "Acme", "employees": 10 }),
        )
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let old = owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Old", "lastName": "Contact" } }),
        )
        .await
        .expect_status(201)["data"]["createPerson"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let secret = token(&owner, &ws, &["records:read", "records:write"]).await;
    let agent = connect(&app, &secret).await;

    let renamed = ok(
        &agent,
        "update_record",
        json!({ "object": "companies", "id": acme, "values": { "name": "Acme Corp", "employees": 12 } }),
    )
    .await;
    let change_set = renamed["changeSet"]
        .as_str()
        .expect("a change set")
        .to_owned();
    let created = ok(
        &agent,
        "create_record",
        json!({ "object": "people", "values": { "name": { "firstName": "New", "lastName": "Lead" } } }),
    )
    .await;
    assert_eq!(
        created["changeSet"],
        change_set.as_str(),
        "the same open change set"
    );
    let lead = created["record"]["id"].as_str().expect("id").to_owned();
    ok(
        &agent,
        "delete_record",
        json!({ "object": "people", "id": old }),
    )
    .await;
    // A script with the same token names the change set over REST.
    reqwest::Client::new()
        .patch(app.url(&format!("/rest/companies/{acme}")))
        .bearer_auth(&secret)
        .header("kith-change-set", &change_set)
        .json(&json!({ "employees": 14 }))
        .send()
        .await
        .expect("patch")
        .error_for_status()
        .expect("200");
    // And a batch, planned before its change set is opened, lands in it too.
    let batch: Value = reqwest::Client::new()
        .post(app.url("/rest/batch/people"))
        .bearer_auth(&secret)
        .json(&json!([{ "name": { "firstName": "Batch", "lastName": "One" } }, { "name": { "firstName": "Batch", "lastName": "Two" } }]))
        .send()
        .await
        .expect("batch")
        .error_for_status()
        .expect("201")
        .json()
        .await
        .expect("json");
    let batched: Vec<String> = batch["data"]["createPeople"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(batched.len(), 2);
    // Meanwhile someone else changes one of the fields the agent changed.
    owner
        .patch(
            &format!("/rest/companies/{acme}"),
            json!({ "employees": 50 }),
        )
        .await
        .expect_status(200);

    let listed = owner
        .get(&format!("/api/v1/workspaces/{ws}/change-sets"))
        .await
        .expect_status(200);
    assert_eq!(listed["data"][0]["id"], change_set.as_str());
    assert_eq!(listed["data"][0]["label"], "Agent");
    let shown = owner
        .get(&format!("/api/v1/workspaces/{ws}/change-sets/{change_set}"))
        .await
        .expect_status(200);
    let kinds: Vec<&str> = shown["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "updated", "created", "deleted", "updated", "created", "created"
        ]
    );
    assert_eq!(
        listed["data"].as_array().map(Vec::len),
        Some(1),
        "one change set"
    );

    // A dry run of the revert puts nothing back.
    let rehearsed = ok(
        &agent,
        "revert_change_set",
        json!({ "change_set": change_set, "dry_run": true }),
    )
    .await;
    assert_eq!(rehearsed["dryRun"], true);
    owner
        .get(&format!("/rest/people/{lead}"))
        .await
        .expect_status(200);

    let reverted = ok(
        &agent,
        "revert_change_set",
        json!({ "change_set": change_set }),
    )
    .await;
    assert_eq!(
        reverted["conflicts"],
        json!([{ "object": "companies", "id": acme, "field": "employees", "changeSetValue": 14, "currentValue": 50 }])
    );
    let company = owner
        .get(&format!("/rest/companies/{acme}"))
        .await
        .expect_status(200);
    assert_eq!(
        company["data"]["company"]["name"], "Acme",
        "the agent's change undone"
    );
    assert_eq!(
        company["data"]["company"]["employees"], 50,
        "the other change kept"
    );
    owner
        .get(&format!("/rest/people/{lead}"))
        .await
        .expect_status(404);
    owner
        .get(&format!("/rest/people/{old}"))
        .await
        .expect_status(200);
    for id in &batched {
        owner
            .get(&format!("/rest/people/{id}"))
            .await
            .expect_status(404);
    }

    let (code, _) = refused(
        &agent,
        "revert_change_set",
        json!({ "change_set": change_set }),
    )
    .await;
    assert_eq!(code, "conflict", "reverted already");
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/change-sets/{change_set}/revert"),
            json!({}),
        )
        .await
        .expect_error(409, "conflict");
    // A merge is reported, not undone.
    let merge_set = "01a2b000-0000-7000-8000-0000000000aa";
    let twin = created_id(
        &agent,
        json!({ "object": "companies", "values": { "name": "Acme" }, "change_set": merge_set }),
    )
    .await;
    ok(
        &agent,
        "merge_records",
        json!({ "object": "companies", "keep_id": acme, "merge_ids": [twin], "change_set": merge_set }),
    )
    .await;
    let merge_reverted = ok(
        &agent,
        "revert_change_set",
        json!({ "change_set": merge_set }),
    )
    .await;
    let reasons: Vec<&str> = merge_reverted["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("a merge is not undone")),
        "{merge_reverted}"
    );
    // Another token cannot undo this agent's work.
    let other = token(&owner, &ws, &["records:read", "records:write"]).await;
    let other = connect(&app, &other).await;
    let (code, fields) = refused(
        &other,
        "revert_change_set",
        json!({ "change_set": change_set }),
    )
    .await;
    assert_eq!(
        (code.as_str(), fields),
        ("not_found", vec!["change_set".to_owned()])
    );
}

async fn the_audit_log_keeps_every_tool_call_and_token_write(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let secret = token(&owner, &ws, &["records:read", "records:write"]).await;
    let agent = connect(&app, &secret).await;
    let created = ok(
        &agent,
        "create_record",
        json!({ "object": "companies", "values": { "name": "Confidential Industries" } }),
    )
    .await;
    let acme = created["record"]["id"].as_str().expect("id").to_owned();
    ok(
        &agent,
        "update_record",
        json!({ "object": "companies", "id": acme, "values": { "employees": 7 }, "dry_run": true }),
    )
    .await;
    refused(
        &agent,
        "get_record",
        json!({ "object": "widgets", "id": acme }),
    )
    .await;
    ok(&agent, "list_records", json!({ "object": "companies" })).await;
    // A REST write by the same token, and a read (reads over REST are not audited).
    reqwest::Client::new()
        .patch(app.url(&format!("/rest/companies/{acme}?depth=0")))
        .bearer_auth(&secret)
        .header("user-agent", "nightly-sync/2.1")
        .json(&json!({ "employees": 8 }))
        .send()
        .await
        .expect("patch")
        .error_for_status()
        .expect("200");
    reqwest::Client::new()
        .get(app.url("/rest/companies"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("get");

    let log = owner
        .get(&format!("/api/v1/workspaces/{ws}/audit"))
        .await
        .expect_status(200);
    let entries = log["data"].as_array().expect("entries").clone();
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "PATCH /rest/{plural}/{id}",
            "mcp:list_records",
            "mcp:get_record",
            "mcp:update_record",
            "mcp:create_record",
        ],
        "newest first"
    );
    let outcomes: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["ok", "ok", "not_found", "ok", "ok"]);
    let create = &entries[4];
    assert_eq!(create["principal"]["name"], "Agent");
    assert_eq!(
        create["records"],
        json!([{ "object": "companies", "id": acme }])
    );
    assert_eq!(create["arguments"]["values"], json!({ "fields": ["name"] }));
    assert_eq!(entries[3]["arguments"]["dry_run"], true);
    assert_eq!(entries[0]["client"], "nightly-sync/2.1");
    assert_eq!(entries[0]["arguments"]["parameters"], json!(["depth"]));
    assert!(entries[0]["durationMs"].is_i64());
    assert!(
        !log.to_string().contains("Confidential"),
        "the log holds no field values: {log}"
    );

    // Filtered by tool prefix, by principal and by time, and paged.
    let principal = create["principal"]["id"]
        .as_str()
        .expect("principal")
        .to_owned();
    let tools = owner
        .get(&format!(
            "/api/v1/workspaces/{ws}/audit?action=mcp:*&principal={principal}&limit=2"
        ))
        .await
        .expect_status(200);
    assert_eq!(tools["data"].as_array().map(Vec::len), Some(2));
    let cursor = tools["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = owner
        .get(&format!(
            "/api/v1/workspaces/{ws}/audit?action=mcp:*&cursor={cursor}"
        ))
        .await
        .expect_status(200);
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest["nextCursor"], Value::Null);
    let later = owner
        .get(&format!(
            "/api/v1/workspaces/{ws}/audit?since=2999-01-01T00:00:00Z"
        ))
        .await
        .expect_status(200);
    assert_eq!(later["data"], json!([]));
    owner
        .get(&format!("/api/v1/workspaces/{ws}/audit?since=yesterday"))
        .await
        .expect_error(400, "validation_failed");
    owner
        .get(&format!("/api/v1/workspaces/{ws}/audit?until="))
        .await
        .expect_error(400, "validation_failed");

    // Entries past the retention period are purged.
    let data = app
        .jobs()
        .data(ws.parse().expect("workspace id"))
        .await
        .expect("workspace data");
    let purged = data
        .purge_audit(chrono::Utc::now() + chrono::Duration::minutes(1))
        .await
        .expect("purge");
    assert_eq!(purged, 5);
    let after = owner
        .get(&format!("/api/v1/workspaces/{ws}/audit"))
        .await
        .expect_status(200);
    assert_eq!(after["data"], json!([]));
}
