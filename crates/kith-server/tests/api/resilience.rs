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
