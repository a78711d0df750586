//! Workspaces, members, roles and invitations.

use kith_server::auth::tokens::token_hash;
use kith_store::now_millis;
use kith_testkit::{Backend, PASSWORD, TestApp, code_in, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    create_list_show_rename_delete,
    invitation_accepted_by_an_existing_account,
    invitations_can_be_revoked_and_expire,
    roles_limit_what_members_may_do,
    the_last_owner_cannot_leave_but_can_hand_over,
    removed_members_lose_access,
);

fn roles(members: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = members["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap_or_default().to_owned(),
                m["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

async fn create_list_show_rename_delete(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let created = ada
        .post("/api/v1/workspaces", json!({ "name": "  Acme  " }))
        .await
        .expect_status(201);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (created["name"].as_str(), created["role"].as_str()),
        (Some("Acme"), Some("owner"))
    );
    ada.post("/api/v1/workspaces", json!({ "name": "Globex" }))
        .await
        .expect_status(201);
    ada.post("/api/v1/workspaces", json!({ "name": "" }))
        .await
        .expect_error(400, "validation_failed");

    let listed = ada.get("/api/v1/workspaces").await.expect_status(200);
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert_eq!(names, ["Acme", "Globex"]);

    let path = format!("/api/v1/workspaces/{id}");
    assert_eq!(ada.get(&path).await.expect_status(200)["name"], "Acme");
    assert_eq!(
        ada.patch(&path, json!({ "name": "Acme Corp" }))
            .await
            .expect_status(200)["name"],
        "Acme Corp"
    );
    assert_eq!(ada.get(&path).await.expect_status(200)["name"], "Acme Corp");
    let members = ada.get(&format!("{path}/members")).await.expect_status(200);
    assert_eq!(
        roles(&members),
        [("ada@example.com".to_owned(), "owner".to_owned())]
    );

    ada.delete(&path).await.expect_status(204);
    ada.get(&path).await.expect_error(404, "not_found");
    assert_eq!(
        ada.get("/api/v1/workspaces").await.expect_status(200)["data"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    app.client()
        .get("/api/v1/workspaces")
        .await
        .expect_error(401, "unauthenticated");
}

async fn invitation_accepted_by_an_existing_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let bob = app.signup("Bob", "bob@example.com").await;
    let eve = app.signup("Eve", "eve@example.com").await;
    let invited = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "Bob@Example.com", "role": "admin" }),
        )
        .await;
    let invitation = invited.expect_status(201);
    assert_eq!(
        (invitation["email"].as_str(), invitation["role"].as_str()),
        (Some("bob@example.com"), Some("admin"))
    );
    let listed = owner
        .get(&format!("/api/v1/workspaces/{ws}/invitations"))
        .await
        .expect_status(200);
    assert_eq!(listed["data"][0]["id"], invitation["id"]);

    let mail = app.last_mail_to("bob@example.com").await;
    assert!(mail.subject.contains("Acme"), "{}", mail.subject);
    let token = code_in(&mail);
    let preview = app
        .client()
        .get(&format!("/api/v1/invitations/{token}"))
        .await
        .expect_status(200);
    assert_eq!(
        (
            preview["workspaceName"].as_str(),
            preview["inviterName"].as_str()
        ),
        (Some("Acme"), Some("Owner"))
    );

    eve.post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_error(403, "forbidden");
    let joined = bob
        .post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_status(200);
    assert_eq!(
        (joined["id"].as_str(), joined["role"].as_str()),
        (Some(ws.as_str()), Some("admin"))
    );
    bob.post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_error(404, "invalid_token");
    assert_eq!(
        bob.get(&format!("/api/v1/workspaces/{ws}"))
            .await
            .expect_status(200)["role"],
        "admin"
    );
    assert!(
        owner
            .get(&format!("/api/v1/workspaces/{ws}/invitations"))
            .await
            .expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let again = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "bob@example.com" }),
        )
        .await;
    again.expect_error(409, "conflict");
    let owner_role = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "x@example.com", "role": "owner" }),
        )
        .await;
    owner_role.expect_error(400, "validation_failed");
    let bad_role = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "x@example.com", "role": "king" }),
        )
        .await;
    bad_role.expect_error(400, "validation_failed");
}

async fn invitations_can_be_revoked_and_expire(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let carol = app.signup("Carol", "carol@example.com").await;
    let revoked = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "carol@example.com" }),
        )
        .await
        .expect_status(201);
    let token = code_in(&app.last_mail_to("carol@example.com").await);
    owner
        .delete(&format!(
            "/api/v1/workspaces/{ws}/invitations/{}",
            revoked["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(204);
    carol
        .post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_error(404, "invalid_token");
    app.client()
        .get(&format!("/api/v1/invitations/{token}"))
        .await
        .expect_error(404, "invalid_token");

    let expiring = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": "carol@example.com" }),
        )
        .await
        .expect_status(201);
    let token = code_in(&app.last_mail_to("carol@example.com").await);
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(expiring["expiresAt"].as_str().expect("expiresAt"))
            .expect("RFC 3339");
    let days = (expires_at.timestamp_millis() - now_millis()) as f64 / 86_400_000.0;
    assert!(
        (6.99..=7.0).contains(&days),
        "an invitation lasts 7 days, not {days}"
    );
    let id = uuid::Uuid::parse_str(expiring["id"].as_str().unwrap_or_default()).expect("uuid");
    app.db()
        .set_invitation_expiry(id, now_millis() - 1)
        .await
        .expect("expire");
    carol
        .post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_error(404, "invalid_token");
    carol
        .get(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_error(404, "not_found");
    assert!(
        app.db()
            .pending_invitation(&token_hash(&token))
            .await
            .expect("lookup")
            .is_none()
    );
}

async fn roles_limit_what_members_may_do(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (admin, admin_id) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let (member, member_id) = app.join(&admin, &ws, "member@example.com", "member").await;
    let (viewer, viewer_id) = app.join(&admin, &ws, "viewer@example.com", "viewer").await;
    let owner_id = owner.get("/api/v1/me").await.expect_status(200)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let base = format!("/api/v1/workspaces/{ws}");

    for (client, who) in [(&viewer, "viewer"), (&member, "member")] {
        let rename = client
            .patch(&base, json!({ "name": "Mine now" }))
            .await
            .expect_error(403, "forbidden");
        assert!(
            rename["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("you are {who}")),
            "{rename}"
        );
        client
            .post(
                &format!("{base}/invitations"),
                json!({ "email": "x@example.com" }),
            )
            .await
            .expect_error(403, "forbidden");
        client
            .get(&format!("{base}/invitations"))
            .await
            .expect_error(403, "forbidden");
        client
            .patch(
                &format!("{base}/members/{viewer_id}"),
                json!({ "role": "admin" }),
            )
            .await
            .expect_error(403, "forbidden");
        client
            .delete(&format!("{base}/members/{admin_id}"))
            .await
            .expect_error(403, "forbidden");
        client.delete(&base).await.expect_error(403, "forbidden");
        client
            .get(&format!("{base}/members"))
            .await
            .expect_status(200);
    }
    admin.delete(&base).await.expect_error(403, "forbidden");
    admin
        .patch(
            &format!("{base}/members/{member_id}"),
            json!({ "role": "owner" }),
        )
        .await
        .expect_error(403, "forbidden");
    admin
        .patch(
            &format!("{base}/members/{owner_id}"),
            json!({ "role": "viewer" }),
        )
        .await
        .expect_error(403, "forbidden");
    admin
        .delete(&format!("{base}/members/{owner_id}"))
        .await
        .expect_error(403, "forbidden");
    admin
        .post(
            &format!("{base}/transfer-ownership"),
            json!({ "userId": member_id }),
        )
        .await
        .expect_error(403, "forbidden");
    admin
        .patch(
            &format!("{base}/members/{viewer_id}"),
            json!({ "role": "superuser" }),
        )
        .await
        .expect_error(400, "validation_failed");

    let promoted = admin
        .patch(
            &format!("{base}/members/{viewer_id}"),
            json!({ "role": "member" }),
        )
        .await
        .expect_status(200);
    assert_eq!(promoted["role"], "member");
    assert_eq!(
        admin
            .patch(&base, json!({ "name": "Acme 2" }))
            .await
            .expect_status(200)["name"],
        "Acme 2"
    );
    let members = owner
        .get(&format!("{base}/members"))
        .await
        .expect_status(200);
    let expected = [
        ("admin", "admin"),
        ("member", "member"),
        ("owner", "owner"),
        ("viewer", "member"),
    ]
    .map(|(who, role)| (format!("{who}@example.com"), role.to_owned()));
    assert_eq!(roles(&members), expected);
}

async fn the_last_owner_cannot_leave_but_can_hand_over(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (member, member_id) = app.join(&owner, &ws, "member@example.com", "member").await;
    let owner_id = owner.get("/api/v1/me").await.expect_status(200)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let base = format!("/api/v1/workspaces/{ws}");

    owner
        .post(&format!("{base}/leave"), json!({}))
        .await
        .expect_error(409, "conflict");
    owner
        .delete(&format!("{base}/members/{owner_id}"))
        .await
        .expect_error(409, "conflict");
    owner
        .patch(
            &format!("{base}/members/{owner_id}"),
            json!({ "role": "admin" }),
        )
        .await
        .expect_error(409, "conflict");
    owner
        .post(
            &format!("{base}/transfer-ownership"),
            json!({ "userId": owner_id }),
        )
        .await
        .expect_error(409, "conflict");
    owner
        .post(
            &format!("{base}/transfer-ownership"),
            json!({ "userId": uuid::Uuid::now_v7() }),
        )
        .await
        .expect_error(404, "not_found");

    let after = owner
        .post(
            &format!("{base}/transfer-ownership"),
            json!({ "userId": member_id }),
        )
        .await
        .expect_status(200);
    assert_eq!(
        roles(&after),
        [
            ("member@example.com".to_owned(), "owner".to_owned()),
            ("owner@example.com".to_owned(), "admin".to_owned())
        ]
    );
    owner.delete(&base).await.expect_error(403, "forbidden");
    owner
        .post(&format!("{base}/leave"), json!({}))
        .await
        .expect_status(204);
    owner.get(&base).await.expect_error(404, "not_found");
    member
        .post(&format!("{base}/leave"), json!({}))
        .await
        .expect_error(409, "conflict");
    member.delete(&base).await.expect_status(204);
}

async fn removed_members_lose_access(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (member, member_id) = app.join(&owner, &ws, "member@example.com", "member").await;
    let base = format!("/api/v1/workspaces/{ws}");
    member.get(&base).await.expect_status(200);
    owner
        .delete(&format!("{base}/members/{member_id}"))
        .await
        .expect_status(204);
    member.get(&base).await.expect_error(404, "not_found");
    assert!(
        member.get("/api/v1/workspaces").await.expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    owner
        .delete(&format!("{base}/members/{member_id}"))
        .await
        .expect_error(404, "not_found");
    let login = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "member@example.com", "password": PASSWORD }),
        )
        .await;
    login.expect_status(200);
}

/// A test's PostgreSQL schemas, its control plane's and its workspaces', go with its app: test
/// and benchmark runs used to leave thousands of them, gigabytes on the database's disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_apps_postgres_schemas_are_dropped_with_it() {
    if !kith_testkit::postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let names = [
        app.own_schema().expect("a schema of its own").to_owned(),
        provisioned_workspace_schema(&app).await,
    ];
    assert_eq!(
        existing_schemas(&names).await,
        2,
        "{names:?} exist while the app runs"
    );
    drop(app);
    assert_eq!(
        existing_schemas(&names).await,
        0,
        "{names:?} are dropped with the app"
    );
}

/// A database that several apps share in turn is dropped with its workspaces after the last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_test_databases_schemas_are_dropped_with_it() {
    if !kith_testkit::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let app = TestApp::start_with(Backend::Postgres, database.settings(&dir)).await;
    assert_eq!(
        app.own_schema(),
        None,
        "the app does not own a database it was given"
    );
    let names = [
        database.schema().expect("a schema").to_owned(),
        provisioned_workspace_schema(&app).await,
    ];
    drop(app);
    assert_eq!(
        existing_schemas(&names).await,
        2,
        "{names:?} outlive the app"
    );
    drop(database);
    assert_eq!(
        existing_schemas(&names).await,
        0,
        "{names:?} are dropped with the database"
    );
}

/// The schema of a new workspace of `app`, made by a first request to its records.
async fn provisioned_workspace_schema(app: &TestApp) -> String {
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    owner
        .in_workspace(&ws)
        .get("/rest/people")
        .await
        .expect_status(200);
    kith_testkit::workspace_schema(&ws)
}

/// How many of `names` are schemas of the test database.
async fn existing_schemas(names: &[String]) -> i64 {
    use sqlx::Connection;
    let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)")
        .bind(names)
        .fetch_one(&mut conn)
        .await
        .expect("count")
}
