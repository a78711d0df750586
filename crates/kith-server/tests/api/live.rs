//! `GET /rest/live`: record changes reach open streams within a second, each reader seeing them
//! as the policy lets them (objects, hidden fields, masked values), resumable by
//! `Last-Event-ID` without repeats, and across instances on one PostgreSQL.

use crate::access::add_sensitive_field;
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    changes_reach_open_streams_as_each_reader_may_see_them,
    a_stream_resumes_after_the_last_event_and_repeats_nothing,
);

const SECRET: &str = "FR76 3000 6000 0112 3456 7890 189";

/// An open event stream, read frame by frame.
struct Live {
    response: reqwest::Response,
    buffer: String,
}

impl Live {
    /// Opens the stream and waits for its `ready` event.
    async fn open(request: reqwest::RequestBuilder) -> Live {
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200, "the stream answers 200");
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(kind.starts_with("text/event-stream"), "content type {kind}");
        let mut live = Live {
            response,
            buffer: String::new(),
        };
        let ready = live.next_frame(Duration::from_secs(5)).await;
        assert_eq!(ready.map(|(event, _, _)| event), Some("ready".to_owned()));
        live
    }

    /// The next event (`event`, `id`, `data`), skipping keep-alive comments; none when nothing
    /// comes within `within`.
    async fn next_frame(&mut self, within: Duration) -> Option<(String, String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    frame
                        .lines()
                        .filter_map(|l| l.strip_prefix(name))
                        .map(str::trim_start)
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                let event = field("event:");
                if event.is_empty() {
                    continue;
                }
                return Some((event, field("id:"), field("data:")));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream reads");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk?));
        }
    }

    /// The changes that arrive until none has come for `quiet`.
    async fn changes(&mut self, quiet: Duration) -> Vec<Value> {
        let mut changes = Vec::new();
        while let Some((event, id, data)) = self.next_frame(quiet).await {
            assert_eq!(event, "change");
            let change: Value = serde_json::from_str(&data).expect("JSON data");
            assert_eq!(change["id"], id.as_str(), "the SSE id is the event's");
            changes.push(change);
        }
        changes
    }
}

fn stream_of(client: &TestClient) -> reqwest::RequestBuilder {
    client.request(Method::GET, "/rest/live")
}

fn stream_of_token(app: &TestApp, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(app.url("/rest/live"))
        .bearer_auth(token)
}

fn kinds(changes: &[Value]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["object"]["nameSingular"].as_str().unwrap_or_default(),
                c["kind"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

const QUIET: Duration = Duration::from_millis(1500);

async fn changes_reach_open_streams_as_each_reader_may_see_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    add_sensitive_field(&owner, "people", "iban").await;
    let (viewer, _) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let viewer = viewer.in_workspace(&ws);
    let role = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/roles"),
            json!({ "name": "No headcount", "permissions": {
                "default": { "read": true, "write": true, "delete": true },
                "objects": { "company": { "read": true, "write": true, "delete": true, "hiddenFields": ["employees"] } },
                "sensitiveInClear": true,
            } }),
        )
        .await
        .expect_status(201)["id"]
        .clone();
    let (partial, partial_id) = app.join(&owner, &ws, "partial@example.com", "member").await;
    owner
        .patch(
            &format!("/api/v1/workspaces/{ws}/members/{partial_id}"),
            json!({ "roleId": role }),
        )
        .await
        .expect_status(200);
    let partial = partial.in_workspace(&ws);
    let token = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "people", "scopes": ["records:read"], "objects": ["people"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let mut as_viewer = Live::open(stream_of(&viewer)).await;
    let mut as_partial = Live::open(stream_of(&partial)).await;
    let mut as_token = Live::open(stream_of_token(&app, &token)).await;

    let company = owner
        .post(
            "/rest/companies",
            json!({ "name": "Initech", "employees": 50 }),
        )
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .clone();
    let first = as_viewer.next_frame(Duration::from_secs(5)).await;
    let first: Value = serde_json::from_str(&first.expect("a change").2).expect("JSON");
    assert_eq!(first["recordId"], company);
    assert_eq!(first["kind"], "created");
    assert_eq!(first["actor"]["name"], "Owner");
    assert_eq!(first["object"]["namePlural"], "companies");
    owner
        .patch(
            &format!("/rest/companies/{}", company.as_str().expect("id")),
            json!({ "employees": 60, "name": "Initech Ltd" }),
        )
        .await
        .expect_status(200);
    owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Ada" }, "iban": SECRET }),
        )
        .await
        .expect_status(201);

    let seen = as_viewer.changes(QUIET).await;
    assert_eq!(kinds(&seen), ["company updated", "person created"]);
    assert_eq!(seen[0]["changes"]["employees"]["before"], 50);
    assert_eq!(seen[0]["changes"]["employees"]["after"], 60);
    let text = Value::Array(seen.clone()).to_string();
    assert!(
        !text.contains(SECRET),
        "a viewer saw a sensitive value: {text}"
    );

    let seen = as_partial.changes(QUIET).await;
    assert_eq!(
        kinds(&seen),
        ["company created", "company updated", "person created"]
    );
    for change in &seen[..2] {
        assert!(
            change["changes"].get("employees").is_none(),
            "a hidden field shows: {change}"
        );
    }
    assert_eq!(seen[1]["changes"]["name"]["after"], "Initech Ltd");
    // Sensitive values are never written into history, so no stream carries them.
    assert!(!Value::Array(seen.clone()).to_string().contains(SECRET));

    let seen = as_token.changes(QUIET).await;
    assert_eq!(
        kinds(&seen),
        ["person created"],
        "a people token sees only people"
    );

    // Another workspace's member has no stream of this one; nobody has one without signing in.
    let stranger = app.signup("Stranger", "stranger@example.com").await;
    stranger.create_workspace("Other").await;
    let refused = kith_testkit::send(stream_of(&stranger.in_workspace(&ws))).await;
    assert_eq!(refused.status, 404);
    let anonymous = kith_testkit::send(app.client().request(Method::GET, "/rest/live")).await;
    assert_eq!(anonymous.status, 401);
}

async fn a_stream_resumes_after_the_last_event_and_repeats_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    // What happened before a stream opened is not sent on it.
    owner
        .post("/rest/companies", json!({ "name": "Before" }))
        .await
        .expect_status(201);
    let mut live = Live::open(stream_of(&owner)).await;
    assert!(live.changes(Duration::from_millis(800)).await.is_empty());
    for name in ["One", "Two", "Three"] {
        owner
            .post("/rest/companies", json!({ "name": name }))
            .await
            .expect_status(201);
    }
    let seen = live.changes(QUIET).await;
    let names: Vec<&str> = seen
        .iter()
        .map(|c| c["changes"]["name"]["after"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["One", "Two", "Three"], "each once, in order");

    let resumed = stream_of(&owner).header("last-event-id", seen[0]["id"].as_str().expect("id"));
    let mut again = Live::open(resumed).await;
    let ids: Vec<&Value> = seen[1..].iter().map(|c| &c["id"]).collect();
    let replayed = again.changes(QUIET).await;
    assert_eq!(replayed.iter().map(|c| &c["id"]).collect::<Vec<_>>(), ids);

    // An id too old to resume from starts from now.
    let stale = stream_of(&owner).header("last-event-id", "01000000-0000-7000-8000-000000000000");
    let mut fresh = Live::open(stale).await;
    assert!(fresh.changes(Duration::from_millis(800)).await.is_empty());
}

/// Two instances on one PostgreSQL: a stream on one sees what was written through the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_one_instance_sees_writes_through_another() {
    if !kith_testkit::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let settings = database.settings(&dir);
    let first = TestApp::start_with(Backend::Postgres, settings).await;
    let second = TestApp::start_with(Backend::Postgres, settings).await;
    let (owner, ws) = first.owner_with_workspace("owner@example.com").await;
    let on_first = owner.in_workspace(&ws);
    let on_second = second.login("owner@example.com").await.in_workspace(&ws);
    let mut live = Live::open(stream_of(&on_second)).await;
    on_first
        .post("/rest/companies", json!({ "name": "Across" }))
        .await
        .expect_status(201);
    let seen = live.changes(QUIET).await;
    assert_eq!(kinds(&seen), ["company created"]);
}
