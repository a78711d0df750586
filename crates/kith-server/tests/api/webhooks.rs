//! Webhooks against a receiver on 127.0.0.1: what is sent (signed, shaped by the creator's
//! role), retries, disabling, isolation between workspaces, and once-only delivery with two
//! instances on one PostgreSQL.

use crate::access::add_sensitive_field;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kith_server::webhooks::signature::hmac_sha256;
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    webhooks_are_managed_by_admins_and_checked_field_by_field,
    a_delivery_is_signed_with_the_secret_shown_at_creation,
    a_failed_delivery_is_retried_and_both_attempts_are_logged,
    a_webhook_that_keeps_failing_is_disabled_and_the_admins_are_mailed,
    nothing_is_delivered_for_another_workspace,
    a_field_hidden_from_the_creators_role_is_never_sent,
    a_webhook_stops_when_its_creator_leaves,
);

/// How long a test waits for something the server does in the background.
const PATIENCE: Duration = Duration::from_secs(30);

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    received: Vec<Received>,
    /// The statuses to answer, in order; then `otherwise`.
    next: VecDeque<u16>,
    otherwise: u16,
}

/// A small HTTP server on 127.0.0.1:0 that keeps what it is sent.
#[derive(Clone)]
struct Receiver {
    url: String,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    async fn start(next: &[u16], otherwise: u16) -> Receiver {
        let script = Arc::new(Mutex::new(Script {
            received: Vec::new(),
            next: next.iter().copied().collect(),
            otherwise,
        }));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, script }
    }

    fn received(&self) -> Vec<Received> {
        self.script.lock().expect("script").received.clone()
    }

    /// Waits until at least `count` requests came in; answers them all.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver got {} requests, not {count}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut script = script.lock().expect("script");
    script.received.push(Received { headers, body });
    let status = script.next.pop_front().unwrap_or(script.otherwise);
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn webhooks_path(workspace: &str) -> String {
    format!("/api/v1/workspaces/{workspace}/webhooks")
}

/// Creates a webhook; answers its id and secret.
async fn create_webhook(
    client: &TestClient,
    workspace: &str,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let created = client
        .post(
            &webhooks_path(workspace),
            json!({ "url": url, "events": events }),
        )
        .await
        .expect_status(201);
    (
        created["id"].as_str().expect("id").to_owned(),
        created["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn create_person(client: &TestClient, body: Value) -> String {
    client.post("/rest/people", body).await.expect_status(201)["data"]["createPerson"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The delivery log, newest first.
async fn log(client: &TestClient, workspace: &str, webhook: &str) -> Vec<Value> {
    client
        .get(&format!(
            "{}/{webhook}/deliveries",
            webhooks_path(workspace)
        ))
        .await
        .expect_status(200)["data"]
        .as_array()
        .expect("deliveries")
        .clone()
}

/// Waits until the delivery log satisfies `done`; answers it.
async fn log_until(
    client: &TestClient,
    workspace: &str,
    webhook: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let deliveries = log(client, workspace, webhook).await;
        if done(&deliveries) {
            return deliveries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log never showed {what}: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn statuses(delivery: &Value) -> Vec<Value> {
    delivery["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["statusCode"].clone())
        .collect()
}

/// Waits for the mail saying a webhook was disabled (sent just after it is).
async fn mail_about_a_disabled_webhook(app: &TestApp, to: &str) -> kith_store::OutboxMail {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut mails = app.db().outbox(Some(to), 1).await.expect("outbox");
        if let Some(mail) = mails
            .pop()
            .filter(|m| m.subject.contains("webhook was disabled"))
        {
            return mail;
        }
        assert!(tokio::time::Instant::now() < deadline, "no mail to {to}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn webhooks_are_managed_by_admins_and_checked_field_by_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (admin, _) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let path = webhooks_path(&ws);
    let good = json!({ "url": "https://hooks.example.com/kith", "events": ["person.created", "*.deleted"] });

    member.get(&path).await.expect_error(403, "forbidden");
    member
        .post(&path, good.clone())
        .await
        .expect_error(403, "forbidden");

    let wrong = admin
        .post(
            &path,
            json!({ "url": "ftp://hooks.example.com", "events": ["person.exploded"] }),
        )
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(wrong, ["url", "events"]);
    let empty = admin
        .post(&path, json!({ "url": "not a url", "events": [] }))
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(empty, ["url", "events"]);
    let unknown = admin
        .post(
            &path,
            json!({ "url": "https://hooks.example.com", "events": ["unicorn.created"] }),
        )
        .await
        .expect_error_fields(404, "not_found");
    assert_eq!(unknown, ["events"]);
    admin
        .post(
            &path,
            json!({ "url": "https://hooks.example.com", "events": ["*"], "secret": "mine" }),
        )
        .await
        .expect_error(400, "validation_failed");

    let created = admin.post(&path, good).await.expect_status(201);
    let id = created["id"].as_str().expect("id").to_owned();
    let secret = created["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["enabled"], true);
    assert_eq!(created["events"], json!(["person.created", "*.deleted"]));

    let listed = owner.get(&path).await.expect_status(200);
    let listed = listed["data"].as_array().expect("data");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none(), "the secret shows once");
    assert!(!listed[0].to_string().contains(secret));
    let one = format!("{path}/{id}");
    let shown = admin.get(&one).await.expect_status(200);
    assert_eq!(shown["url"], "https://hooks.example.com/kith");
    assert!(shown.get("secret").is_none());

    let changed = admin
        .patch(
            &one,
            json!({ "events": ["opportunity.updated"], "enabled": false }),
        )
        .await
        .expect_status(200);
    assert_eq!(changed["events"], json!(["opportunity.updated"]));
    assert_eq!(changed["enabled"], false);
    let fields = admin
        .patch(
            &one,
            json!({ "url": "mailto:a@example.com", "events": ["*.removed"] }),
        )
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["url", "events"]);
    member
        .patch(&one, json!({ "enabled": true }))
        .await
        .expect_error(403, "forbidden");
    let enabled = admin
        .patch(&one, json!({ "enabled": true }))
        .await
        .expect_status(200);
    assert_eq!(enabled["enabled"], true);

    member.delete(&one).await.expect_error(403, "forbidden");
    admin.delete(&one).await.expect_status(204);
    admin.get(&one).await.expect_error(404, "not_found");
    admin
        .get(&format!("{path}/not-an-id"))
        .await
        .expect_error(404, "not_found");
}

async fn a_delivery_is_signed_with_the_secret_shown_at_creation(backend: Backend) {
    let app = TestApp::start(backend).await;
    let receiver = Receiver::start(&[], 200).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (webhook, secret) = create_webhook(&owner, &ws, &receiver.url, &["person.created"]).await;
    // Not subscribed to: only the person's creation is sent.
    owner
        .post("/rest/companies", json!({ "name": "Initech" }))
        .await
        .expect_status(201);
    let person = create_person(
        &owner,
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "jobTitle": "Engineer" }),
    )
    .await;

    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    let timestamp = delivery.header("x-kith-timestamp");
    let signed = format!("{timestamp}.{}", delivery.body);
    let expected = format!(
        "v1={}",
        hex(&hmac_sha256(secret.as_bytes(), signed.as_bytes()))
    );
    assert_eq!(delivery.header("x-kith-signature"), expected);
    let sent_at: i64 = timestamp.parse().expect("unix seconds");
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    let wrong = hmac_sha256(b"whsec_another", signed.as_bytes());
    assert_ne!(
        delivery.header("x-kith-signature"),
        format!("v1={}", hex(&wrong))
    );

    let body = delivery.json();
    assert_eq!(body["event"], "person.created");
    assert_eq!(delivery.header("x-kith-event"), "person.created");
    assert_eq!(delivery.header("x-kith-event-id"), body["id"]);
    assert_eq!(body["workspaceId"], ws.as_str());
    assert_eq!(body["webhookId"], webhook.as_str());
    assert_eq!(body["recordId"], person.as_str());
    assert_eq!(body["object"]["nameSingular"], "person");
    assert_eq!(body["record"]["jobTitle"], "Engineer");
    assert_eq!(body["changes"]["jobTitle"]["after"], "Engineer");
    assert_eq!(
        delivery.header("content-type"),
        "application/json",
        "{:?}",
        delivery.headers
    );

    // The test event goes the same way, signed with the same secret.
    let queued = owner
        .post(&format!("{}/{webhook}/test", webhooks_path(&ws)), json!({}))
        .await
        .expect_status(202);
    let got = receiver.wait_for(2).await;
    let test = &got[1];
    assert_eq!(test.json()["event"], "webhook.test");
    assert_eq!(test.header("x-kith-event-id"), queued["eventId"]);
    let signed = format!("{}.{}", test.header("x-kith-timestamp"), test.body);
    assert_eq!(
        test.header("x-kith-signature"),
        format!(
            "v1={}",
            hex(&hmac_sha256(secret.as_bytes(), signed.as_bytes()))
        )
    );
    let deliveries = log_until(&owner, &ws, &webhook, "two delivered", |d| {
        d.len() == 2 && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(deliveries[0]["event"], "webhook.test");
    assert_eq!(statuses(&deliveries[1]), [json!(200)]);
}

async fn a_failed_delivery_is_retried_and_both_attempts_are_logged(backend: Backend) {
    let app = TestApp::start(backend).await;
    let receiver = Receiver::start(&[500], 200).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (webhook, _) = create_webhook(&owner, &ws, &receiver.url, &["person.*"]).await;
    create_person(&owner, json!({ "name": { "firstName": "Ada" } })).await;

    receiver.wait_for(1).await;
    let first = log_until(&owner, &ws, &webhook, "the failed attempt", |d| {
        d.len() == 1 && statuses(&d[0]).len() == 1
    })
    .await;
    assert_eq!(first[0]["status"], "pending");
    assert_eq!(statuses(&first[0]), [json!(500)]);
    assert_eq!(
        first[0]["attempts"][0]["error"],
        "the receiver answered 500"
    );
    let next: chrono::DateTime<chrono::Utc> = first[0]["nextAttemptAt"]
        .as_str()
        .expect("next attempt")
        .parse()
        .expect("time");
    let wait = next - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(30) && wait <= chrono::Duration::seconds(61),
        "the first retry waits a minute: {wait}"
    );

    let webhook_id = uuid::Uuid::parse_str(&webhook).expect("uuid");
    app.db()
        .make_webhook_deliveries_due(webhook_id)
        .await
        .expect("due");
    let got = receiver.wait_for(2).await;
    assert_eq!(
        got[0].header("x-kith-event-id"),
        got[1].header("x-kith-event-id"),
        "a retry carries the same event id"
    );
    let done = log_until(&owner, &ws, &webhook, "the retry delivered", |d| {
        d[0]["status"] == "delivered"
    })
    .await;
    assert_eq!(statuses(&done[0]), [json!(500), json!(200)]);
    assert_eq!(done[0]["attempts"][1]["attempt"], 2);
    assert_eq!(done[0]["attempts"][1]["error"], Value::Null);
    assert_eq!(done[0]["nextAttemptAt"], Value::Null);
    assert_eq!(receiver.received().len(), 2);
}

async fn a_webhook_that_keeps_failing_is_disabled_and_the_admins_are_mailed(backend: Backend) {
    use kith_server::webhooks::{DISABLE_AFTER_FAILED_DELIVERIES, RETRY_SCHEDULE_MS};
    let app = TestApp::start(backend).await;
    let receiver = Receiver::start(&[], 500).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (admin, _) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    app.join(&owner, &ws, "member@example.com", "member").await;
    let admin = admin.in_workspace(&ws);
    let (webhook, _) = create_webhook(&admin, &ws, &receiver.url, &["*"]).await;
    let failing = usize::try_from(DISABLE_AFTER_FAILED_DELIVERIES).expect("count");
    for i in 0..failing {
        create_person(&admin, json!({ "name": { "firstName": format!("P{i}") } })).await;
    }
    let webhook_id = uuid::Uuid::parse_str(&webhook).expect("uuid");
    let one = format!("{}/{webhook}", webhooks_path(&ws));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let shown = admin.get(&one).await.expect_status(200);
        if shown["enabled"] == false {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never disabled: {shown}"
        );
        app.db()
            .make_webhook_deliveries_due(webhook_id)
            .await
            .expect("due");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let attempts = RETRY_SCHEDULE_MS.len() + 1;
    let deliveries = log(&admin, &ws, &webhook).await;
    assert_eq!(deliveries.len(), failing);
    for delivery in &deliveries {
        assert_eq!(delivery["status"], "failed", "{delivery}");
        assert_eq!(statuses(delivery), vec![json!(500); attempts]);
    }
    assert_eq!(receiver.received().len(), failing * attempts);
    let shown = admin.get(&one).await.expect_status(200);
    assert_eq!(
        shown["consecutiveFailures"],
        DISABLE_AFTER_FAILED_DELIVERIES
    );
    assert!(
        shown["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("failed every attempt")),
        "{shown}"
    );
    for to in ["owner@example.com", "admin@example.com"] {
        let mail = mail_about_a_disabled_webhook(&app, to).await;
        assert!(mail.body.contains(&receiver.url), "{}", mail.body);
    }
    let member_mail = app.last_mail_to("member@example.com").await;
    assert!(
        !member_mail.subject.contains("webhook"),
        "members are not mailed"
    );

    admin
        .post(&format!("{one}/test"), json!({}))
        .await
        .expect_error(409, "conflict");
}

async fn nothing_is_delivered_for_another_workspace(backend: Backend) {
    let app = TestApp::start(backend).await;
    let receiver_a = Receiver::start(&[], 200).await;
    let receiver_b = Receiver::start(&[], 200).await;
    let (alice, a) = app.owner_with_workspace("alice@example.com").await;
    let bob = app.signup("Bob", "bob@example.com").await;
    let b = bob.create_workspace("Other").await;
    let (alice, bob) = (alice.in_workspace(&a), bob.in_workspace(&b));
    let (webhook_a, _) = create_webhook(&alice, &a, &receiver_a.url, &["*"]).await;
    let (webhook_b, _) = create_webhook(&bob, &b, &receiver_b.url, &["*"]).await;

    create_person(&bob, json!({ "name": { "firstName": "Bob's contact" } })).await;
    create_person(
        &alice,
        json!({ "name": { "firstName": "Alice's contact" } }),
    )
    .await;

    let to_a = receiver_a.wait_for(1).await;
    let to_b = receiver_b.wait_for(1).await;
    // Each workspace's one write reaches its own receiver, and its log holds that one alone.
    for (client, workspace, webhook) in [(&alice, &a, &webhook_a), (&bob, &b, &webhook_b)] {
        let logged = log_until(client, workspace, webhook, "one delivery", |d| {
            !d.is_empty() && d[0]["status"] == "delivered"
        })
        .await;
        assert_eq!(logged.len(), 1, "{logged:#?}");
    }
    for (got, workspace, name) in [
        (&receiver_a, &a, "Alice's contact"),
        (&receiver_b, &b, "Bob's contact"),
    ] {
        let received = got.received();
        assert_eq!(received.len(), 1, "{received:?}");
        let body = received[0].json();
        assert_eq!(body["workspaceId"], workspace.as_str());
        assert_eq!(body["record"]["name"]["firstName"], name);
    }
    assert!(!to_b[0].body.contains("Alice"));
    assert!(!to_a[0].body.contains("Bob"));
}

async fn a_field_hidden_from_the_creators_role_is_never_sent(backend: Backend) {
    const TITLE: &str = "Chief Secret Officer";
    const IBAN: &str = "DE-SECRET-IBAN-0001";
    let app = TestApp::start(backend).await;
    let receiver = Receiver::start(&[], 200).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    add_sensitive_field(&owner, "people", "iban").await;
    let (admin, admin_id) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let (webhook, _) =
        create_webhook(&admin.in_workspace(&ws), &ws, &receiver.url, &["person.*"]).await;
    // The admin now holds a role that hides job titles and masks sensitive values: the
    // webhook they made carries what that role may read.
    let role = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/roles"),
            json!({ "name": "No titles", "permissions": {
                "default": { "read": true, "write": true, "delete": true },
                "objects": { "person": { "read": true, "write": true, "delete": true, "hiddenFields": ["jobTitle"] } },
                "sensitiveInClear": false,
            } }),
        )
        .await
        .expect_status(201)["id"]
        .clone();
    owner
        .patch(
            &format!("/api/v1/workspaces/{ws}/members/{admin_id}"),
            json!({ "roleId": role }),
        )
        .await
        .expect_status(200);

    let person = create_person(
        &owner,
        json!({ "name": { "firstName": "Ada" }, "jobTitle": TITLE, "city": "London", "iban": IBAN }),
    )
    .await;
    owner
        .patch(
            &format!("/rest/people/{person}"),
            json!({ "jobTitle": "Another Secret Title", "city": "Paris" }),
        )
        .await
        .expect_status(200);

    let got = receiver.wait_for(2).await;
    for delivery in &got {
        for secret in [TITLE, "Another Secret Title", IBAN, "jobTitle"] {
            assert!(
                !delivery.body.contains(secret),
                "{secret} was sent: {}",
                delivery.body
            );
        }
    }
    let by_event = |name: &str| {
        got.iter()
            .map(Received::json)
            .find(|body| body["event"] == name)
            .unwrap_or_else(|| panic!("no {name} delivery"))
    };
    let (created, updated) = (by_event("person.created"), by_event("person.updated"));
    assert!(created["record"]["city"].is_string(), "{created}");
    assert!(created["record"].get("jobTitle").is_none());
    assert_eq!(created["record"]["iban"], kith_core::access::MASK);
    assert_eq!(updated["event"], "person.updated");
    assert_eq!(
        updated["changes"],
        json!({ "city": { "before": "London", "after": "Paris" } })
    );
    log_until(&owner, &ws, &webhook, "both delivered", |d| {
        d.len() == 2 && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
}

async fn a_webhook_stops_when_its_creator_leaves(backend: Backend) {
    let app = TestApp::start(backend).await;
    let receiver = Receiver::start(&[], 200).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (admin, _) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let (webhook, _) = create_webhook(&admin, &ws, &receiver.url, &["*"]).await;
    create_person(&owner, json!({ "name": { "firstName": "Before" } })).await;
    receiver.wait_for(1).await;

    admin
        .post(&format!("/api/v1/workspaces/{ws}/leave"), json!({}))
        .await
        .expect_status(204);
    create_person(&owner, json!({ "name": { "firstName": "After" } })).await;
    let one = format!("{}/{webhook}", webhooks_path(&ws));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let shown = loop {
        let shown = owner.get(&one).await.expect_status(200);
        if shown["enabled"] == false {
            break shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never disabled: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        shown["disabledReason"]
            .as_str()
            .is_some_and(|r| r.contains("no longer a member")),
        "{shown}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(!received[0].body.contains("After"));
    mail_about_a_disabled_webhook(&app, "owner@example.com").await;
}

/// Two instances on one PostgreSQL, writes through both: every event reaches the receiver
/// once, though both dispatch and both send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_delivered_once_by_two_instances_on_one_postgres() {
    if !kith_testkit::postgres_available() {
        return;
    }
    const WRITES: usize = 20;
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let settings = database.settings(&dir);
    let first = TestApp::start_with(Backend::Postgres, settings).await;
    let second = TestApp::start_with(Backend::Postgres, settings).await;
    let receiver = Receiver::start(&[], 200).await;
    let (owner, ws) = first.owner_with_workspace("owner@example.com").await;
    let on_first = owner.in_workspace(&ws);
    let on_second = second.login("owner@example.com").await.in_workspace(&ws);
    let (webhook, _) = create_webhook(&on_first, &ws, &receiver.url, &["person.created"]).await;
    // Side by side, as concurrent clients would, half through each instance.
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..WRITES {
        let client = if i % 2 == 0 { &on_first } else { &on_second }.clone();
        writes.spawn(async move {
            create_person(&client, json!({ "name": { "firstName": format!("P{i}") } })).await
        });
    }
    let mut ids = HashSet::new();
    while let Some(id) = writes.join_next().await {
        ids.insert(id.expect("write"));
    }
    assert_eq!(ids.len(), WRITES);

    let deliveries = log_until(&on_first, &ws, &webhook, "every write delivered", |d| {
        d.len() == WRITES && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    for delivery in &deliveries {
        assert_eq!(statuses(delivery), [json!(200)], "sent once: {delivery}");
    }
    // A second send of any of them would have been claimed before they were all delivered;
    // give one in flight the time of a few sender passes to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = receiver.received();
    let events: HashSet<String> = received
        .iter()
        .map(|r| r.header("x-kith-event-id").to_owned())
        .collect();
    assert_eq!(received.len(), WRITES, "each event once");
    assert_eq!(events.len(), WRITES);
    let records: HashSet<String> = received
        .iter()
        .map(|r| r.json()["recordId"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(records, ids);
}
