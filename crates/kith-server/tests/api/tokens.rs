//! API tokens: created by admins, shown once, limited by scopes and objects, rate limited, and
//! bound to one workspace.

use kith_testkit::{Backend, Reply, TestApp, TestClient, on_both_backends, send};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    tokens_are_shown_once_and_work_as_bearer,
    scopes_and_objects_limit_what_a_token_may_do,
    revoked_and_expired_tokens_are_refused,
    only_admins_manage_tokens_and_bad_input_is_named,
    tokens_are_rate_limited_with_retry_after,
    signed_in_people_are_rate_limited_on_rest_too,
    a_token_only_ever_sees_its_own_workspace,
    instances_share_one_rate_limit,
    every_rest_route_refuses_a_token_without_its_scope,
    a_deleted_workspace_takes_its_tokens_along,
);

async fn create_token(admin: &TestClient, ws: &str, body: Value) -> (String, Value) {
    let created = admin
        .post(&format!("/api/v1/workspaces/{ws}/tokens"), body)
        .await
        .expect_status(201);
    (
        created["token"].as_str().expect("token").to_owned(),
        created,
    )
}

/// A request with the token and nothing else: no cookies, no CSRF header, no workspace header.
async fn with_token(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

async fn tokens_are_shown_once_and_work_as_bearer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (token, created) = create_token(
        &owner,
        &ws,
        json!({ "name": "Zapier", "scopes": ["records:read", "records:write"] }),
    )
    .await;
    assert!(token.starts_with("kith_") && token.len() > 40, "{token}");
    let listed = owner
        .get(&format!("/api/v1/workspaces/{ws}/tokens"))
        .await
        .expect_status(200);
    assert_eq!(listed["data"][0]["id"], created["id"]);
    assert!(
        listed["data"][0].get("token").is_none(),
        "the secret is never shown again"
    );
    assert!(!listed.to_string().contains(&token));

    let company = with_token(
        &app,
        &token,
        Method::POST,
        "/rest/companies",
        Some(json!({ "name": "Via API" })),
    )
    .await
    .expect_status(201);
    let company = &company["data"]["createCompany"];
    assert_eq!(
        (
            company["createdBy"]["source"].as_str(),
            company["createdBy"]["name"].as_str()
        ),
        (Some("API"), Some("Zapier"))
    );
    let listed = with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
    assert_eq!(listed["data"]["companies"][0]["name"], "Via API");
    let seen_by_owner = owner
        .in_workspace(&ws)
        .get("/rest/companies")
        .await
        .expect_status(200);
    assert_eq!(seen_by_owner["data"]["companies"][0]["id"], company["id"]);
    with_token(
        &app,
        "kith_not-a-real-token",
        Method::GET,
        "/rest/companies",
        None,
    )
    .await
    .expect_error(401, "unauthenticated");
    let basic = send(
        reqwest::Client::new()
            .get(app.url("/rest/companies"))
            .header("authorization", "Basic abc"),
    )
    .await;
    basic.expect_error(401, "unauthenticated");
}

async fn scopes_and_objects_limit_what_a_token_may_do(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (reader, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "Reader", "scopes": ["records:read"] }),
    )
    .await;
    with_token(&app, &reader, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
    with_token(&app, &reader, Method::GET, "/rest/metadata/objects", None)
        .await
        .expect_status(200);
    let denied = with_token(
        &app,
        &reader,
        Method::POST,
        "/rest/companies",
        Some(json!({ "name": "X" })),
    )
    .await;
    assert!(
        denied.expect_error(403, "forbidden")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("records:write")
    );
    with_token(
        &app,
        &reader,
        Method::POST,
        "/rest/batch/companies",
        Some(json!([{ "name": "X" }])),
    )
    .await
    .expect_error(403, "forbidden");

    let (writer, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "Writer", "scopes": ["records:write"] }),
    )
    .await;
    with_token(&app, &writer, Method::GET, "/rest/companies", None)
        .await
        .expect_error(403, "forbidden");

    let (people_only, _) =
        create_token(&owner, &ws, json!({ "name": "People", "scopes": ["records:read", "records:write"], "objects": ["people"] })).await;
    with_token(&app, &people_only, Method::GET, "/rest/people", None)
        .await
        .expect_status(200);
    with_token(
        &app,
        &people_only,
        Method::POST,
        "/rest/people",
        Some(json!({ "jobTitle": "CTO" })),
    )
    .await
    .expect_status(201);
    let other = with_token(&app, &people_only, Method::GET, "/rest/companies", None).await;
    assert!(
        other.expect_error(403, "forbidden")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limited to people")
    );
    with_token(
        &app,
        &people_only,
        Method::POST,
        "/rest/companies",
        Some(json!({ "name": "X" })),
    )
    .await
    .expect_error(403, "forbidden");
    let company_count = owner
        .in_workspace(&ws)
        .get("/rest/companies?count=true")
        .await
        .expect_status(200);
    assert_eq!(
        company_count["totalCount"], 0,
        "no refused request wrote anything"
    );
}

async fn revoked_and_expired_tokens_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (token, created) = create_token(
        &owner,
        &ws,
        json!({ "name": "Soon gone", "scopes": ["records:read"] }),
    )
    .await;
    with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
    owner
        .delete(&format!(
            "/api/v1/workspaces/{ws}/tokens/{}",
            created["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(204);
    with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_error(401, "unauthenticated");
    owner
        .delete(&format!(
            "/api/v1/workspaces/{ws}/tokens/{}",
            created["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_error(404, "not_found");

    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let (expiring, created) = create_token(
        &owner,
        &ws,
        json!({ "name": "Brief", "scopes": ["records:read"], "expiresAt": soon }),
    )
    .await;
    assert!(created["expiresAt"].is_string());
    with_token(&app, &expiring, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    with_token(&app, &expiring, Method::GET, "/rest/companies", None)
        .await
        .expect_error(401, "unauthenticated");
}

async fn only_admins_manage_tokens_and_bad_input_is_named(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let path = format!("/api/v1/workspaces/{ws}/tokens");
    member
        .post(&path, json!({ "name": "Mine", "scopes": ["records:read"] }))
        .await
        .expect_error(403, "forbidden");
    member.get(&path).await.expect_error(403, "forbidden");

    // 400 for a body of the wrong form; a well-formed one naming what the workspace does not
    // have is 404, one at odds with the clock 409.
    let cases = [
        (
            json!({ "name": "", "scopes": ["records:read"] }),
            "name",
            400,
        ),
        (json!({ "name": "T", "scopes": [] }), "scopes", 400),
        (
            json!({ "name": "T", "scopes": ["records:delete"] }),
            "scopes",
            400,
        ),
        (
            json!({ "name": "T", "scopes": ["records:read"], "objects": ["unicorns"] }),
            "objects",
            404,
        ),
        (
            json!({ "name": "T", "scopes": ["records:read"], "roleId": "01a23098-0000-7000-8000-000000000000" }),
            "roleId",
            404,
        ),
        (
            json!({ "name": "T", "scopes": ["records:read"], "expiresAt": "2001-01-01T00:00:00Z" }),
            "expiresAt",
            409,
        ),
        (
            json!({ "name": "T", "scopes": ["records:read"], "expiresAt": "next week" }),
            "expiresAt",
            400,
        ),
        (
            json!({ "name": "", "scopes": ["records:read"], "objects": ["unicorns"] }),
            "name",
            400,
        ),
    ];
    for (body, field, status) in cases {
        let code = match status {
            400 => "validation_failed",
            404 => "not_found",
            _ => "conflict",
        };
        let error = owner
            .post(&path, body.clone())
            .await
            .expect_error(status, code);
        assert_eq!(error["details"][0]["field"], field, "{body}");
    }
    assert!(
        owner.get(&path).await.expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing was created"
    );
}

async fn tokens_are_rate_limited_with_retry_after(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.token_rate_limit = Some(5)).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (token, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "Busy", "scopes": ["records:read"] }),
    )
    .await;
    let (other, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "Quiet", "scopes": ["records:read"] }),
    )
    .await;
    let replies = in_one_minute(6, || {
        with_token(&app, &token, Method::GET, "/rest/companies", None)
    })
    .await;
    assert_limited_after(&replies, 5);
    with_token(&app, &other, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
}

async fn a_token_only_ever_sees_its_own_workspace(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (alice, a) = app.owner_with_workspace("alice@example.com").await;
    let (bob, b) = app.owner_with_workspace("bob@example.com").await;
    bob.in_workspace(&b)
        .post("/rest/companies", json!({ "name": "Bob's secret" }))
        .await
        .expect_status(201);
    let (token, _) = create_token(
        &alice,
        &a,
        json!({ "name": "A", "scopes": ["records:read", "records:write"] }),
    )
    .await;
    let sneaky = reqwest::Client::new()
        .get(app.url("/rest/companies"))
        .bearer_auth(&token)
        .header("x-kith-workspace", &b);
    let listed = send(sneaky).await.expect_status(200);
    assert_eq!(
        listed["data"]["companies"],
        json!([]),
        "the header cannot move a token to another workspace"
    );
    let write = reqwest::Client::new()
        .post(app.url("/rest/companies"))
        .bearer_auth(&token)
        .header("x-kith-workspace", &b);
    send(write.json(&json!({ "name": "Planted" })))
        .await
        .expect_status(201);
    let bobs = bob
        .in_workspace(&b)
        .get("/rest/companies")
        .await
        .expect_status(200);
    let names: Vec<&str> = bobs["data"]["companies"]
        .as_array()
        .expect("companies")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Bob's secret"]);
    alice
        .get(&format!("/api/v1/workspaces/{b}/tokens"))
        .await
        .expect_error(404, "not_found");
}

async fn instances_share_one_rate_limit(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let on_database = database.settings(&dir);
    let settings = |s: &mut kith_server::Settings| {
        on_database(s);
        s.token_rate_limit = Some(10);
    };
    let first = TestApp::start_with(backend, settings).await;
    let second = TestApp::start_with(backend, settings).await;
    let (owner, ws) = first.owner_with_workspace("owner@example.com").await;
    let (token, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "Shared", "scopes": ["records:read"] }),
    )
    .await;
    // Stay inside one minute's window so the count cannot restart halfway.
    wait_for_a_minute_with_time_left().await;
    for _ in 0..6 {
        with_token(&first, &token, Method::GET, "/rest/companies", None)
            .await
            .expect_status(200);
    }
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for _ in 0..4 {
        with_token(&second, &token, Method::GET, "/rest/companies", None)
            .await
            .expect_status(200);
    }
    with_token(&second, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_error(429, "rate_limited");
}

async fn every_rest_route_refuses_a_token_without_its_scope(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let member = owner.in_workspace(&ws);
    let company = member
        .post("/rest/companies", json!({ "name": "Acme" }))
        .await
        .expect_status(201)["data"]["createCompany"]
        .clone();
    let note = member
        .post("/rest/notes", json!({ "title": "n" }))
        .await
        .expect_status(201)["data"]["createNote"]
        .clone();
    let field =
        member.get("/rest/metadata/fields").await.expect_status(200)["data"]["fields"][0]["id"]
            .clone();
    let object = member
        .get("/rest/metadata/objects")
        .await
        .expect_status(200)["data"]["objects"][0]["id"]
        .clone();
    let (c, n) = (
        company["id"].as_str().unwrap_or_default(),
        note["id"].as_str().unwrap_or_default(),
    );
    let (f, o) = (
        field.as_str().unwrap_or_default(),
        object.as_str().unwrap_or_default(),
    );
    let (read_only, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "r", "scopes": ["records:read"] }),
    )
    .await;
    let (write_only, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "w", "scopes": ["records:write"] }),
    )
    .await;

    let reads: Vec<String> = [
        "/rest/companies".to_owned(),
        format!("/rest/companies/{c}"),
        "/rest/companies/groupBy?field=name".to_owned(),
        format!("/rest/companies/{c}/timeline"),
        format!("/rest/companies/{c}/notes"),
        format!("/rest/notes/{n}/targets"),
        "/rest/search?q=acme".to_owned(),
        "/rest/metadata/objects".to_owned(),
        format!("/rest/metadata/objects/{o}"),
        "/rest/metadata/fields".to_owned(),
        format!("/rest/metadata/fields/{f}"),
        "/rest/open-api/core".to_owned(),
    ]
    .into();
    for path in &reads {
        let reply = with_token(&app, &write_only, Method::GET, path, None).await;
        assert_eq!(
            reply.status,
            403,
            "GET {path} with records:write only: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
        with_token(&app, &read_only, Method::GET, path, None)
            .await
            .expect_status(200);
    }
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/rest/companies".into(),
            json!({ "name": "X" }),
        ),
        (
            Method::POST,
            "/rest/companies?upsert=true".into(),
            json!({ "name": "X" }),
        ),
        (
            Method::POST,
            "/rest/batch/companies".into(),
            json!([{ "name": "X" }]),
        ),
        (
            Method::PATCH,
            format!("/rest/companies/{c}"),
            json!({ "name": "X" }),
        ),
        (
            Method::PATCH,
            "/rest/companies?filter=name[eq]:Acme".into(),
            json!({ "name": "X" }),
        ),
        (Method::DELETE, format!("/rest/companies/{c}"), Value::Null),
        (
            Method::DELETE,
            "/rest/companies?filter=name[eq]:Acme".into(),
            Value::Null,
        ),
        (
            Method::PATCH,
            format!("/rest/restore/companies/{c}"),
            json!({}),
        ),
        (
            Method::PATCH,
            "/rest/companies/merge".into(),
            json!({ "keepId": c, "mergeIds": [n] }),
        ),
        (
            Method::POST,
            format!("/rest/notes/{n}/targets"),
            json!({ "targetObject": "company", "targetId": c }),
        ),
        (
            Method::DELETE,
            format!("/rest/notes/{n}/targets/company/{c}"),
            Value::Null,
        ),
        (
            Method::POST,
            "/rest/metadata/objects".into(),
            json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "D", "labelPlural": "Ds" }),
        ),
        (
            Method::PATCH,
            format!("/rest/metadata/objects/{o}"),
            json!({ "labelPlural": "X" }),
        ),
        (
            Method::POST,
            "/rest/metadata/fields".into(),
            json!({ "objectMetadataId": o, "name": "x", "label": "X", "type": "TEXT" }),
        ),
        (
            Method::PATCH,
            format!("/rest/metadata/fields/{f}"),
            json!({ "label": "X" }),
        ),
        (
            Method::DELETE,
            format!("/rest/metadata/fields/{f}"),
            Value::Null,
        ),
    ];
    for (method, path, body) in writes {
        let body = (!body.is_null()).then_some(body);
        let reply = with_token(&app, &read_only, method.clone(), &path, body).await;
        assert_eq!(
            reply.status,
            403,
            "{method} {path} with records:read only: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
    }
    let unchanged = member
        .get(&format!("/rest/companies/{c}"))
        .await
        .expect_status(200);
    assert_eq!(
        unchanged["data"]["company"]["name"], "Acme",
        "nothing was changed by a refused token"
    );
}

async fn a_deleted_workspace_takes_its_tokens_along(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (token, _) = create_token(
        &owner,
        &ws,
        json!({ "name": "t", "scopes": ["records:read"] }),
    )
    .await;
    with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_status(200);
    owner
        .delete(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_status(204);
    with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_error(401, "unauthenticated");
    // Purged after its grace period: the token opens nothing still, and brings nothing back.
    app.db()
        .purge_deleted_workspaces(kith_store::now_millis() + 1)
        .await
        .expect("purge");
    with_token(&app, &token, Method::GET, "/rest/companies", None)
        .await
        .expect_error(401, "unauthenticated");
    let file = app.workspace_file(&ws);
    assert!(!file.exists(), "nothing brought the workspace's data back");
}

async fn signed_in_people_are_rate_limited_on_rest_too(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.user_rate_limit = Some(4)).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let member = member.in_workspace(&ws);
    let replies = in_one_minute(5, || owner.get("/rest/companies")).await;
    assert_limited_after(&replies, 4);
    member.get("/rest/companies").await.expect_status(200);
    owner.get("/api/v1/me").await.expect_status(200);
}

/// `count` requests inside one minute's rate-limit window. Close to the end of a minute it first
/// waits for the next one: requests that straddled two windows cannot simply be sent again, since
/// those already counted in the new window would use up part of its limit.
async fn in_one_minute<F: Future<Output = Reply>>(
    count: usize,
    request: impl Fn() -> F,
) -> Vec<Reply> {
    wait_for_a_minute_with_time_left().await;
    let started = kith_store::now_millis() / MINUTE_MS;
    let mut replies = Vec::with_capacity(count);
    for _ in 0..count {
        replies.push(request().await);
    }
    assert_eq!(
        kith_store::now_millis() / MINUTE_MS,
        started,
        "{count} requests took more than {} s",
        MARGIN_MS / 1000
    );
    replies
}

/// The server's rate-limit window: one minute.
const MINUTE_MS: kith_store::Millis = kith_server::http::rate_limit::WINDOW_MS;

/// How much of a rate-limit window a test needs left to run its requests in it.
const MARGIN_MS: kith_store::Millis = 15_000;

/// Returns at once if the current minute has [`MARGIN_MS`] left, else when the next begins.
async fn wait_for_a_minute_with_time_left() {
    let left = MINUTE_MS - kith_store::now_millis() % MINUTE_MS;
    if left < MARGIN_MS {
        let wait = u64::try_from(left + 50).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// The first `allowed` replies passed and the rest were refused with 429 and a `Retry-After`.
fn assert_limited_after(replies: &[Reply], allowed: usize) {
    let codes: Vec<u16> = replies.iter().map(|r| r.status).collect();
    let expected: Vec<u16> = (0..replies.len())
        .map(|i| if i < allowed { 200 } else { 429 })
        .collect();
    assert_eq!(codes, expected);
    for limited in &replies[allowed..] {
        let retry: u64 = limited
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=60).contains(&retry), "{retry}");
    }
}
