//! `/rest/{plural}/{id}/timeline`: what changed, newest first.

use super::{create, id_of, timeline_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(the_timeline_tells_what_changed_newest_first);

async fn the_timeline_tells_what_changed_newest_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let company = create(
        &owner,
        "companies",
        json!({ "name": "Acme", "employees": 5 }),
    )
    .await;
    let path = format!("/rest/companies/{}", id_of(&company));
    owner
        .patch(&path, json!({ "employees": 8 }))
        .await
        .expect_status(200);
    owner
        .patch(&path, json!({ "employees": 8 }))
        .await
        .expect_status(200);
    owner
        .patch(
            &path,
            json!({ "name": "Acme Corp", "domainName": { "primaryLinkUrl": "acme.com" } }),
        )
        .await
        .expect_status(200);
    owner.delete(&path).await.expect_status(200);
    owner
        .patch(
            &format!("/rest/restore/companies/{}", id_of(&company)),
            json!({}),
        )
        .await
        .expect_status(200);

    let (events, kinds) = timeline_of(&owner, &path).await;
    assert_eq!(
        kinds,
        ["restored", "deleted", "updated", "updated", "created"],
        "an update that changes nothing leaves no event"
    );
    assert_eq!(
        events[2]["changes"]["name"],
        json!({ "before": "Acme", "after": "Acme Corp" })
    );
    assert_eq!(
        events[2]["changes"]["domainName"]["after"]["primaryLinkUrl"],
        "acme.com"
    );
    assert_eq!(
        events[3]["changes"],
        json!({ "employees": { "before": 5, "after": 8 } })
    );
    assert_eq!(events[4]["changes"]["name"]["after"], "Acme");
    assert!(
        events
            .iter()
            .all(|e| e["actor"]["source"] == "MANUAL" && e["happenedAt"].is_string())
    );

    let first = owner
        .get(&format!("{path}/timeline?limit=2"))
        .await
        .expect_status(200);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let cursor = first["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let second = owner
        .get(&format!("{path}/timeline?limit=2&starting_after={cursor}"))
        .await
        .expect_status(200);
    let kinds: Vec<&str> = second["data"]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["updated", "updated"]);
    owner
        .get(&format!(
            "/rest/companies/{}/timeline",
            uuid::Uuid::now_v7()
        ))
        .await
        .expect_error(404, "not_found");
    let other = create(&owner, "companies", json!({ "name": "Other" })).await;
    let other_timeline = owner
        .get(&format!("/rest/companies/{}/timeline", id_of(&other)))
        .await
        .expect_status(200);
    assert_eq!(
        other_timeline["data"]["timeline"].as_array().map(Vec::len),
        Some(1)
    );
}
