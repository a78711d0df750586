//! How the API answers when what it stands on fails or is under pressure: a database that goes
//! away mid-request, and an instance serving many workspaces.

use kith_testkit::{Backend, TestApp};
use serde_json::json;
use sqlx::Connection as _;

/// PostgreSQL ending the connection under a request (a restart, or an administrator's
/// `pg_terminate_backend`: "terminating connection due to administrator command") is an outage:
/// 503 with `Retry-After`, like a database that cannot be reached, and the next request works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_postgres_ends_mid_request_is_a_503_with_retry_after() {
    if !kith_testkit::postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let created = owner
        .post("/rest/companies", json!({ "name": "Acme" }))
        .await
        .expect_status(201);
    let id = created["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Another session holds the row, so the request's UPDATE waits where it can be ended.
    let admin = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
    let mut holder = sqlx::PgConnection::connect(&admin).await.expect("connect");
    let schema = kith_testkit::workspace_schema(&ws);
    sqlx::query("BEGIN")
        .execute(&mut holder)
        .await
        .expect("begin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM \"{schema}\".companies WHERE id = $1 FOR UPDATE"
    )))
    .bind(uuid::Uuid::parse_str(&id).expect("uuid"))
    .execute(&mut holder)
    .await
    .expect("lock the row");
    let path = format!("/rest/companies/{id}");
    let update = tokio::spawn(owner.patch(&path, json!({ "name": "Renamed" })));
    let pid = kith_testkit::postgres_backend_waiting_on_lock(&format!("%\"{schema}\".%")).await;
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&mut holder)
        .await
        .expect("terminate");
    assert!(ended, "the waiting backend was not ended");
    sqlx::query("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("rollback");
    holder.close().await.expect("close");

    let reply = update.await.expect("request task");
    assert_eq!(
        reply.header("retry-after"),
        Some("5"),
        "a 503 says when to come back"
    );
    reply.expect_error(503, "unavailable");
    let renamed = owner
        .patch(&path, json!({ "name": "Renamed" }))
        .await
        .expect_status(200);
    assert_eq!(renamed["data"]["updateCompany"]["name"], "Renamed");
}

/// An instance serving many small teams keeps open only the workspace files in use and a few
/// recently used ones (`KITH_OPEN_WORKSPACE_FILES`); the others are closed and reopened on their
/// next request, with their data, while requests to many workspaces run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_workspace_files_are_closed_and_reopened_on_demand() {
    const KEEP: usize = 2;
    let app = TestApp::start_with(Backend::Sqlite, |s| {
        s.open_workspace_files = Some(KEEP as u32)
    })
    .await;
    let owner = app.signup("Owner", "owner@example.com").await;
    let mut workspaces = Vec::new();
    for i in 0..6 {
        let ws = owner.create_workspace(&format!("Team {i}")).await;
        owner
            .in_workspace(&ws)
            .post("/rest/companies", json!({ "name": format!("Company {i}") }))
            .await
            .expect_status(201);
        assert!(
            app.db().open_workspace_files() <= KEEP + 1,
            "{} files open after {} workspaces",
            app.db().open_workspace_files(),
            i + 1
        );
        workspaces.push(ws);
    }

    // The first workspace's file was closed; its data is there when it is reopened.
    let first = owner.in_workspace(&workspaces[0]);
    let listed = first.get("/rest/companies").await.expect_status(200);
    assert_eq!(listed["data"]["companies"][0]["name"], "Company 0");
    first
        .post("/rest/companies", json!({ "name": "After reopening" }))
        .await
        .expect_status(201);
    assert_eq!(
        app.count_stored(&workspaces[0], "companies", "1 = 1").await,
        2
    );

    // Files close and reopen under concurrent requests without failing any of them.
    let requests = (0..36).map(|i| {
        let client = owner.in_workspace(&workspaces[i % workspaces.len()]);
        tokio::spawn(async move {
            if i % 3 == 0 {
                client
                    .post(
                        "/rest/people",
                        json!({ "name": { "firstName": format!("P{i}") } }),
                    )
                    .await
                    .status
            } else {
                client.get("/rest/companies").await.status
            }
        })
    });
    for request in requests.collect::<Vec<_>>() {
        let status = request.await.expect("request task");
        assert!(
            status == 200 || status == 201,
            "a request answered {status}"
        );
    }
    let mut people = 0;
    for ws in &workspaces {
        people += app.count_stored(ws, "people", "1 = 1").await;
    }
    assert_eq!(people, 12, "every person created was stored");
}
