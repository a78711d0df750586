//! `/rest/{plural}/duplicates` and `/rest/{plural}/merge`: duplicates found, and merged with their
//! relations.

use super::{create, id_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    duplicates_are_found_and_merged_with_their_relations,
    twentys_merge_form_and_a_dry_run_that_writes_nothing,
);

async fn duplicates_are_found_and_merged_with_their_relations(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let acme = create(
        &owner,
        "companies",
        json!({ "name": "Acme", "domainName": { "primaryLinkUrl": "https://www.acme.com" } }),
    )
    .await;
    let acme_inc = create(
        &owner,
        "companies",
        json!({ "name": "ACME", "employees": 40 }),
    )
    .await;
    let acme_web = create(&owner, "companies", json!({ "name": "Acme Corporation", "domainName": { "primaryLinkUrl": "acme.com/about" }, "idealCustomerProfile": true })).await;
    create(
        &owner,
        "companies",
        json!({ "name": "Globex", "domainName": { "primaryLinkUrl": "globex.com" } }),
    )
    .await;

    let found = owner.post("/rest/companies/duplicates", json!({ "data": [{ "name": "acme" }, { "domainName": { "primaryLinkUrl": "http://acme.com" } }], "ids": [acme["id"]] })).await;
    let found = found.expect_status(200);
    let names = |i: usize| -> Vec<String> {
        found["data"][i]["duplicates"]
            .as_array()
            .expect("duplicates")
            .iter()
            .filter_map(|c| c["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(names(0), ["Acme", "ACME"], "by name, whatever the case");
    assert_eq!(names(1), ["Acme", "Acme Corporation"], "by domain");
    assert_eq!(
        names(2),
        ["ACME", "Acme Corporation"],
        "an existing record's duplicates, itself left out"
    );

    let ada = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "L" }, "companyId": acme_inc["id"] }),
    )
    .await;
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Grace", "lastName": "Hopper" }, "emails": { "primaryEmail": "grace@navy.mil" } }),
    )
    .await;
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" } }),
    )
    .await;
    let people = owner
        .post(
            "/rest/people/duplicates",
            json!({ "data": [
                { "name": { "firstName": "ADA", "lastName": "l" } },
                { "name": { "firstName": "Amazing", "lastName": "Grace" }, "emails": { "primaryEmail": "Grace@Navy.mil" } },
                { "name": { "firstName": "Nobody", "lastName": "Here" }, "emails": { "primaryEmail": "nobody@here.org" } },
            ] }),
        )
        .await
        .expect_status(200);
    let people_names = |i: usize| -> Vec<String> {
        people["data"][i]["duplicates"]
            .as_array()
            .expect("duplicates")
            .iter()
            .filter_map(|p| p["name"]["firstName"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        people_names(0),
        ["Ada"],
        "first and last name, whatever the case; not Ada Lovelace"
    );
    assert_eq!(
        people_names(1),
        ["Grace"],
        "by primary email, whatever the case"
    );
    assert!(people_names(2).is_empty());
    let deal = create(
        &owner,
        "opportunities",
        json!({ "name": "Big", "companyId": acme_web["id"] }),
    )
    .await;
    let note = create(&owner, "notes", json!({ "title": "About ACME" })).await;
    owner
        .post(
            &format!("/rest/notes/{}/targets", id_of(&note)),
            json!({ "targetObject": "company", "targetId": acme_inc["id"] }),
        )
        .await
        .expect_status(201);

    let merged = owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": acme["id"], "mergeIds": [acme_inc["id"], acme_web["id"]] }),
        )
        .await;
    let merged = merged.expect_status(200)["data"]["mergeCompanies"].clone();
    assert_eq!(
        merged["name"], "Acme",
        "the kept record keeps its own values"
    );
    assert_eq!(
        (
            merged["employees"].as_i64(),
            merged["idealCustomerProfile"].as_bool()
        ),
        (Some(40), Some(true)),
        "and takes the others' where it had none"
    );
    let person = owner
        .get(&format!("/rest/people/{}", id_of(&ada)))
        .await
        .expect_status(200);
    assert_eq!(person["data"]["person"]["companyId"], acme["id"]);
    let opportunity = owner
        .get(&format!("/rest/opportunities/{}", id_of(&deal)))
        .await
        .expect_status(200);
    assert_eq!(opportunity["data"]["opportunity"]["companyId"], acme["id"]);
    let notes = owner
        .get(&format!("/rest/companies/{}/notes", id_of(&acme)))
        .await
        .expect_status(200);
    assert_eq!(notes["data"]["notes"][0]["id"], note["id"]);
    owner
        .get(&format!("/rest/companies/{}", id_of(&acme_inc)))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        2
    );
    let timeline = owner
        .get(&format!("/rest/companies/{}/timeline", id_of(&acme)))
        .await
        .expect_status(200);
    assert_eq!(timeline["data"]["timeline"][0]["kind"], "merged");

    // Merging a record into itself leaves it as it is.
    let alone = owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": acme["id"], "mergeIds": [acme["id"]] }),
        )
        .await
        .expect_status(200);
    assert_eq!(alone["data"]["mergeCompanies"]["id"], acme["id"]);
    let timeline_after = owner
        .get(&format!("/rest/companies/{}/timeline", id_of(&acme)))
        .await
        .expect_status(200);
    assert_eq!(
        timeline_after["data"]["timeline"], timeline["data"]["timeline"],
        "nothing happened"
    );
    let many: Vec<String> = (0..20).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": acme["id"], "mergeIds": many }),
        )
        .await
        .expect_error(400, "validation_failed");
    owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": acme["id"], "mergeIds": [acme_inc["id"]] }),
        )
        .await
        .expect_error(404, "not_found");
}

/// Twenty's client sends `{"ids":[…],"conflictPriorityIndex":i}`: the record at that index is
/// kept and wins conflicts. `"dryRun": true` answers the record the merge would keep and changes
/// nothing: both records stay live, relations and timelines as they were.
async fn twentys_merge_form_and_a_dry_run_that_writes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let first = create(
        &owner,
        "companies",
        json!({ "name": "Acme", "employees": 40 }),
    )
    .await;
    let second = create(
        &owner,
        "companies",
        json!({ "name": "ACME Inc", "idealCustomerProfile": true }),
    )
    .await;
    let person = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada" }, "companyId": second["id"] }),
    )
    .await;
    let events_before = app.count_stored(&ws, "_kith_events", "1 = 1").await;

    let preview = owner
        .patch(
            "/rest/companies/merge",
            json!({ "ids": [first["id"], second["id"]], "conflictPriorityIndex": 1, "dryRun": true }),
        )
        .await
        .expect_status(200)["data"]["mergeCompanies"]
        .clone();
    assert_eq!(
        preview["id"], second["id"],
        "the record at conflictPriorityIndex is kept"
    );
    assert_eq!(preview["name"], "ACME Inc", "and its values win");
    assert_eq!(
        preview["employees"], 40,
        "its empty fields are filled from the other"
    );
    assert_eq!(
        app.count_stored(&ws, "companies", "deleted_at IS NULL")
            .await,
        2
    );
    assert_eq!(
        app.count_stored(&ws, "_kith_events", "1 = 1").await,
        events_before
    );
    let unchanged = owner
        .get(&format!("/rest/companies/{}", id_of(&second)))
        .await
        .expect_status(200);
    assert_eq!(unchanged["data"]["company"]["employees"], json!(null));

    let merged = owner
        .patch(
            "/rest/companies/merge",
            json!({ "ids": [first["id"], second["id"]], "conflictPriorityIndex": 1 }),
        )
        .await
        .expect_status(200)["data"]["mergeCompanies"]
        .clone();
    let without_time = |mut record: Value| {
        if let Some(map) = record.as_object_mut() {
            map.remove("updatedAt");
        }
        record
    };
    assert_eq!(
        without_time(merged),
        without_time(preview),
        "the merge keeps what the dry run showed"
    );
    owner
        .get(&format!("/rest/companies/{}", id_of(&first)))
        .await
        .expect_error(404, "not_found");
    let ada = owner
        .get(&format!("/rest/people/{}", id_of(&person)))
        .await
        .expect_status(200);
    assert_eq!(ada["data"]["person"]["companyId"], second["id"]);
    for (body, field) in [
        (
            json!({ "ids": [first["id"]], "conflictPriorityIndex": 3 }),
            "conflictPriorityIndex",
        ),
        (json!({ "ids": ["nope"] }), "ids"),
        (json!({ "conflictPriorityIndex": 0 }), "keepId"),
        // The two forms do not mix, and an index written as 1.5 is none.
        (
            json!({ "keepId": second["id"], "conflictPriorityIndex": 0 }),
            "keepId",
        ),
        (
            json!({ "ids": [second["id"]], "mergeIds": [first["id"]] }),
            "keepId",
        ),
        (
            json!({ "ids": [second["id"]], "conflictPriorityIndex": 1.5 }),
            "conflictPriorityIndex",
        ),
    ] {
        let fields = owner
            .patch("/rest/companies/merge", body)
            .await
            .expect_error_fields(400, "validation_failed");
        assert_eq!(fields, [field]);
    }
    // Each list asks about at most 100 records; an unknown key is refused, not ignored.
    let many: Vec<String> = (0..101).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let candidates = vec![json!({}); 101];
    for (body, field) in [
        (json!({ "ids": many }), Some("ids")),
        (json!({ "data": candidates }), Some("data")),
        (json!({ "records": [] }), None),
    ] {
        let error = owner.post("/rest/companies/duplicates", body.clone()).await;
        match field {
            Some(field) => {
                let fields = error.expect_error_fields(400, "validation_failed");
                assert_eq!(fields, [field], "{body}");
            }
            None => {
                let refused = error.expect_error(400, "validation_failed");
                assert!(
                    refused["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("records"),
                    "{refused}"
                );
            }
        }
    }
}
