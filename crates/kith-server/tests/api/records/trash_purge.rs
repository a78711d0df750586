//! The job that purges the trash of records deleted long enough ago, and survives restarts.

use super::{create, id_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(the_trash_is_purged_by_a_job_that_survives_restarts);

async fn the_trash_is_purged_by_a_job_that_survives_restarts(backend: Backend) {
    use kith_server::jobs;
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let settings = database.settings(&dir);
    let app = TestApp::start_with(backend, settings).await;
    let (owner, ws) = workspace(&app).await;
    let old = create(&owner, "companies", json!({ "name": "Long gone" })).await;
    let recent = create(&owner, "companies", json!({ "name": "Just deleted" })).await;
    let kept = create(&owner, "companies", json!({ "name": "Kept" })).await;
    for record in [&old, &recent] {
        owner
            .delete(&format!("/rest/companies/{}", id_of(record)))
            .await
            .expect_status(200);
    }
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(&ws).expect("uuid"))
        .await
        .expect("data");
    let objects = data.objects().await.expect("objects");
    let companies = objects
        .iter()
        .find(|o| o.name_plural == "companies")
        .expect("companies");
    let month_ago = chrono::Utc::now() - chrono::Duration::days(31);
    data.set_deleted_at(
        companies,
        uuid::Uuid::parse_str(&id_of(&old)).expect("uuid"),
        month_ago,
    )
    .await
    .expect("backdate");

    let (due_at, _) = app
        .db()
        .job_schedule(jobs::PURGE_TRASH)
        .await
        .expect("schedule")
        .expect("scheduled at start");
    assert!(due_at > kith_store::now_millis(), "not due yet");
    assert_eq!(
        jobs::run_due(app.state(), app.jobs()).await.expect("run"),
        0,
        "a job runs only when due"
    );
    app.db().make_job_due(jobs::PURGE_TRASH).await.expect("due");
    assert_eq!(
        jobs::run_due(app.state(), app.jobs()).await.expect("run"),
        1
    );

    let trash = owner
        .get("/rest/companies?filter=deletedAt[is]:NOT_NULL")
        .await
        .expect_status(200);
    let names: Vec<&str> = trash["data"]["companies"]
        .as_array()
        .expect("trash")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Just deleted"],
        "only what passed the retention is purged"
    );
    owner
        .patch(
            &format!("/rest/restore/companies/{}", id_of(&old)),
            json!({}),
        )
        .await
        .expect_error(404, "not_found");
    owner
        .get(&format!("/rest/companies/{}/timeline", id_of(&old)))
        .await
        .expect_error(404, "not_found");
    owner
        .get(&format!("/rest/companies/{}", id_of(&kept)))
        .await
        .expect_status(200);
    let (next_run, error) = app
        .db()
        .job_schedule(jobs::PURGE_TRASH)
        .await
        .expect("schedule")
        .expect("scheduled");
    assert!(error.is_none());
    let in_an_hour = kith_store::now_millis() + 3_600_000;
    assert!(
        (in_an_hour - 5_000..=in_an_hour).contains(&next_run),
        "next run in an hour"
    );

    app.stop().await;
    let restarted = TestApp::start_with(backend, settings).await;
    let (after_restart, _) = restarted
        .db()
        .job_schedule(jobs::PURGE_TRASH)
        .await
        .expect("schedule")
        .expect("scheduled");
    assert_eq!(after_restart, next_run, "the schedule survives a restart");
}
