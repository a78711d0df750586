//! `/rest/{plural}/duplicates` and `/rest/{plural}/merge`: duplicates found, and merged with their
//! relations.

use super::{create, id_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(duplicates_are_found_and_merged_with_their_relations);

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

    owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": acme["id"], "mergeIds": [acme["id"]] }),
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
