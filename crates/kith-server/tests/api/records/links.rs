//! `/rest/tasks` and `/rest/notes` linked to records: the links, and the tasks and notes shown on
//! the linked records' timelines.

use super::{create, id_of, join_as, timeline_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(tasks_and_notes_link_to_records_and_show_on_their_timeline);

async fn tasks_and_notes_link_to_records_and_show_on_their_timeline(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let acme = create(&owner, "companies", json!({ "name": "Acme" })).await;
    let ada = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "L" } }),
    )
    .await;
    let task = create(&owner, "tasks", json!({ "title": "Call Acme" })).await;
    let note = create(
        &owner,
        "notes",
        json!({ "title": "Met at the fair", "body": "Keen" }),
    )
    .await;
    let link = |source: &str, source_id: &str, object: &str, target: &Value| {
        owner.post(
            &format!("/rest/{source}/{source_id}/targets"),
            json!({ "targetObject": object, "targetId": target["id"] }),
        )
    };
    link("tasks", &id_of(&task), "company", &acme)
        .await
        .expect_status(201);
    link("notes", &id_of(&note), "company", &acme)
        .await
        .expect_status(201);
    let both = link("notes", &id_of(&note), "person", &ada)
        .await
        .expect_status(201);
    assert_eq!(
        both["data"]["targets"],
        json!([{ "targetObject": "company", "targetId": acme["id"] }, { "targetObject": "person", "targetId": ada["id"] }])
    );
    link("notes", &id_of(&note), "person", &ada)
        .await
        .expect_status(201);

    let acme_path = format!("/rest/companies/{}", id_of(&acme));
    let tasks = owner
        .get(&format!("{acme_path}/tasks"))
        .await
        .expect_status(200);
    assert_eq!(tasks["data"]["tasks"][0]["title"], "Call Acme");
    let notes = owner
        .get(&format!("{acme_path}/notes"))
        .await
        .expect_status(200);
    assert_eq!(
        notes["data"]["notes"].as_array().map(Vec::len),
        Some(1),
        "linking twice links once"
    );
    let (events, _) = timeline_of(&owner, &acme_path).await;
    assert_eq!(events[0]["kind"], "linked");
    assert_eq!(events[0]["changes"]["note"]["label"], "Met at the fair");
    assert_eq!(events[1]["changes"]["task"]["label"], "Call Acme");

    owner
        .delete(&format!(
            "/rest/tasks/{}/targets/company/{}",
            id_of(&task),
            id_of(&acme)
        ))
        .await
        .expect_status(200);
    assert_eq!(
        owner
            .get(&format!("{acme_path}/tasks"))
            .await
            .expect_status(200)["data"]["tasks"],
        json!([])
    );
    assert_eq!(
        owner
            .get(&format!("{acme_path}/timeline"))
            .await
            .expect_status(200)["data"]["timeline"][0]["kind"],
        "unlinked"
    );
    owner
        .delete(&format!(
            "/rest/tasks/{}/targets/company/{}",
            id_of(&task),
            id_of(&acme)
        ))
        .await
        .expect_error(404, "not_found");

    link("companies", &id_of(&acme), "person", &ada)
        .await
        .expect_error(400, "bad_request");
    owner
        .post(
            &format!("/rest/tasks/{}/targets", id_of(&task)),
            json!({ "targetObject": "company", "targetId": uuid::Uuid::now_v7() }),
        )
        .await
        .expect_error(409, "conflict");
    owner
        .post(
            &format!("/rest/tasks/{}/targets", id_of(&task)),
            json!({ "targetObject": "unicorn", "targetId": acme["id"] }),
        )
        .await
        .expect_error(400, "validation_failed");
    owner
        .get(&format!("{acme_path}/people"))
        .await
        .expect_error(404, "not_found");
    let (viewer, _) = join_as(&app, &owner, &ws, "viewer@example.com", "viewer").await;
    viewer
        .get(&format!("{acme_path}/notes"))
        .await
        .expect_status(200);
    let refused = viewer.post(
        &format!("/rest/tasks/{}/targets", id_of(&task)),
        json!({ "targetObject": "company", "targetId": acme["id"] }),
    );
    refused.await.expect_error(403, "forbidden");

    owner
        .delete(&format!("{acme_path}?permanent=true"))
        .await
        .expect_status(200);
    let left = owner
        .get(&format!("/rest/notes/{}/targets", id_of(&note)))
        .await
        .expect_status(200);
    assert_eq!(
        left["data"]["targets"],
        json!([{ "targetObject": "person", "targetId": ada["id"] }]),
        "links to a deleted record go with it"
    );
}
