//! `Idempotency-Key` on record writes: a repeated request gets the first answer again. A key
//! belongs to one workspace and one principal, is claimed only by a caller who is let in, and is
//! given back by a request that does not finish.

use super::workspace;
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    idempotency_keys_replay_the_first_answer,
    a_key_belongs_to_one_workspace_and_one_principal,
    keys_are_claimed_only_after_authentication,
    a_cancelled_request_gives_its_key_back,
);

async fn idempotency_keys_replay_the_first_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let post = post_with_key;
    let first = post(&owner, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(first.header("idempotent-replayed"), None);
    let first = first.expect_status(201);
    let again = post(&owner, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.expect_status(201),
        first,
        "the first answer, byte for byte"
    );
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        1,
        "the work was done once"
    );

    post(&owner, "order-1", json!({ "name": "Twice" }))
        .await
        .expect_error(409, "conflict");
    post(&owner, "order-2", json!({ "name": "Twice" }))
        .await
        .expect_status(201);
    let refused = post(&owner, "order-3", json!({ "employees": "many" }))
        .await
        .expect_error(400, "validation_failed");
    assert_eq!(
        post(&owner, "order-3", json!({ "employees": "many" }))
            .await
            .expect_error(400, "validation_failed"),
        refused
    );
    post(&owner, &"k".repeat(300), json!({ "name": "Long key" }))
        .await
        .expect_error(400, "validation_failed");

    let (other, other_workspace) = app.owner_with_workspace("other@example.com").await;
    let other = other.in_workspace(&other_workspace);
    let theirs = post(&other, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(
        theirs.header("idempotent-replayed"),
        None,
        "keys belong to their caller"
    );
    assert_ne!(
        theirs.expect_status(201)["data"]["createCompany"]["id"],
        first["data"]["createCompany"]["id"]
    );
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        2
    );
}

async fn post_with_key(client: &TestClient, key: &str, body: Value) -> kith_testkit::Reply {
    kith_testkit::send(
        client
            .with_csrf(Method::POST, "/rest/companies")
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

async fn a_key_belongs_to_one_workspace_and_one_principal(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, first) = app.owner_with_workspace("owner@example.com").await;
    let second = owner.create_workspace("Other").await;
    let body = json!({ "name": "Acme" });

    let in_first = post_with_key(&owner.in_workspace(&first), "k-1", body.clone()).await;
    assert_eq!(in_first.status, 201);
    let again = post_with_key(&owner.in_workspace(&first), "k-1", body.clone()).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, in_first.json, "a replay is the first answer");

    // The same person, key and body in another workspace: a request of its own.
    let in_second = post_with_key(&owner.in_workspace(&second), "k-1", body.clone()).await;
    assert_eq!(in_second.header("idempotent-replayed"), None);
    assert_ne!(
        in_second.json["data"]["createCompany"]["id"],
        in_first.json["data"]["createCompany"]["id"]
    );
    in_second.expect_status(201);
    assert_eq!(app.count_stored(&second, "companies", "1 = 1").await, 1);

    // Another principal (a token of the first workspace) with the same key: its own too.
    let token = owner
        .post(
            &format!("/api/v1/workspaces/{first}/tokens"),
            json!({ "name": "script", "scopes": ["records:read", "records:write"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let script = kith_testkit::send(
        app.client()
            .request(Method::POST, "/rest/companies")
            .bearer_auth(&token)
            .header("Idempotency-Key", "k-1")
            .json(&body),
    )
    .await;
    assert_eq!(script.header("idempotent-replayed"), None);
    script.expect_status(201);
    assert_eq!(app.count_stored(&first, "companies", "1 = 1").await, 2);
}

async fn keys_are_claimed_only_after_authentication(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let body = json!({ "name": "Acme" });
    let anonymous = kith_testkit::send(
        app.client()
            .request(Method::POST, "/rest/companies")
            .header("Idempotency-Key", "spam-1")
            .json(&body),
    )
    .await;
    anonymous.expect_error(401, "unauthenticated");
    let forged = kith_testkit::send(
        app.client()
            .request(Method::POST, "/rest/companies")
            .bearer_auth("kith_not-a-real-token")
            .header("Idempotency-Key", "spam-2")
            .json(&body),
    )
    .await;
    forged.expect_error(401, "unauthenticated");
    // Signed in, but naming a workspace that is not theirs.
    let stranger = app.signup("Stranger", "stranger@example.com").await;
    post_with_key(&stranger.in_workspace(&ws), "spam-3", body.clone())
        .await
        .expect_error(404, "not_found");
    assert_eq!(app.count_control_plane("idempotency_keys").await, 0);

    post_with_key(&owner.in_workspace(&ws), "real", body)
        .await
        .expect_status(201);
    assert_eq!(app.count_control_plane("idempotency_keys").await, 1);
}

async fn a_cancelled_request_gives_its_key_back(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.request_timeout_secs = Some(1)).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let body = json!({ "name": "Acme" });

    let lock = app.hold_writes(&ws, "companies").await;
    post_with_key(&owner, "retry-me", body.clone())
        .await
        .expect_error(408, "timeout");
    lock.release().await;

    // The key is given back by a task of its own once the request is dropped: allow it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let retried = loop {
        let reply = post_with_key(&owner, "retry-me", body.clone()).await;
        if reply.status != 409 || std::time::Instant::now() > deadline {
            break reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(retried.header("idempotent-replayed"), None);
    retried.expect_status(201);
    assert_eq!(app.count_stored(&ws, "companies", "1 = 1").await, 1);
}
