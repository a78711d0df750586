//! `/rest/batch/{plural}`: each record's event, search entry and relation written, all or nothing
//! with errors per index, and (on PostgreSQL) a company erased while a batch is written.

use super::{create, id_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    batches_are_all_or_nothing_with_errors_per_index,
    a_batch_writes_each_records_event_search_entry_and_relation,
);

async fn a_batch_writes_each_records_event_search_entry_and_relation(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let companies = owner
        .post(
            "/rest/batch/companies",
            json!([{ "name": "Initech" }, { "name": "Trashed Inc" }]),
        )
        .await
        .expect_status(201)["data"]["createCompanies"]
        .clone();
    let (initech, trashed) = (id_of(&companies[0]), id_of(&companies[1]));
    owner
        .delete(&format!("/rest/companies/{trashed}"))
        .await
        .expect_status(200);

    // Relations are checked before the write: a company in the trash or never made is refused,
    // by index, and nothing is written.
    let missing = "0190f0e0-0000-7000-8000-000000000000";
    let fields = owner
        .post(
            "/rest/batch/people",
            json!([
                { "name": { "firstName": "Ok" }, "companyId": initech },
                { "name": { "firstName": "Late" }, "companyId": trashed },
                { "name": { "firstName": "Ghost" }, "companyId": missing },
            ]),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["[1].companyId", "[2].companyId"]);
    assert_eq!(
        owner
            .get("/rest/people?count=true")
            .await
            .expect_status(200)["totalCount"],
        0
    );

    let names = ["Zorbus", "Quillon", "Marwick"];
    let batch: Vec<Value> = names
        .iter()
        .map(|first| json!({ "name": { "firstName": first, "lastName": "Batch" }, "companyId": initech }))
        .collect();
    let people = owner
        .post("/rest/batch/people", Value::Array(batch))
        .await
        .expect_status(201)["data"]["createPeople"]
        .clone();
    for (person, first) in people.as_array().expect("people").iter().zip(names) {
        // What the batch's rows share (instant, actor) is stored for each of them as answered.
        let stored = owner
            .get(&format!("/rest/people/{}", id_of(person)))
            .await
            .expect_status(200)["data"]["person"]
            .clone();
        assert_eq!(&stored, person, "{first}");
        assert_eq!(stored["updatedAt"], people[0]["createdAt"], "{first}");
        assert_eq!(stored["updatedBy"], stored["createdBy"], "{first}");
        assert_eq!(stored["createdBy"]["source"], "MANUAL", "{first}");
        assert!(
            stored["createdBy"]["workspaceMemberId"].is_string(),
            "{first}"
        );
        let timeline = owner
            .get(&format!("/rest/people/{}/timeline", id_of(person)))
            .await
            .expect_status(200);
        let events = timeline["data"]["timeline"].as_array().expect("timeline");
        assert_eq!(events.len(), 1, "{first}: {timeline}");
        assert_eq!(events[0]["kind"], "created");
        assert_eq!(events[0]["actor"], stored["createdBy"]);
        assert_eq!(events[0]["happenedAt"], stored["createdAt"]);
        assert_eq!(
            events[0]["changes"]["name"],
            json!({ "before": null, "after": { "firstName": first, "lastName": "Batch" } })
        );
        assert_eq!(
            events[0]["changes"]["companyId"],
            json!({ "before": null, "after": initech })
        );
        let found = owner
            .get(&format!("/rest/search?q={}", first.to_lowercase()))
            .await
            .expect_status(200);
        assert_eq!(
            found["data"]["search"][0]["recordId"], person["id"],
            "{first}: {found}"
        );
    }
    // Each entry is mapped to its own record: changing the middle one replaces only its entry.
    owner
        .patch(
            &format!("/rest/people/{}", id_of(&people[1])),
            json!({ "name": { "firstName": "Renamed", "lastName": "Batch" } }),
        )
        .await
        .expect_status(200);
    let hits = |q: &'static str| {
        let owner = owner.clone();
        async move {
            owner
                .get(&format!("/rest/search?q={q}"))
                .await
                .expect_status(200)["data"]["search"]
                .as_array()
                .map_or(0, Vec::len)
        }
    };
    assert_eq!(hits("quillon").await, 0);
    assert_eq!(hits("renamed").await, 1);
    assert_eq!(hits("zorbus").await, 1);
    assert_eq!(hits("marwick").await, 1);
    assert_eq!(hits("batch").await, 3);

    // A batch's search entries hold every searchable part of its records.
    let full = json!([{
        "name": { "firstName": "Ottoline", "lastName": "Vasquez" },
        "emails": { "primaryEmail": "otto@primarymail.org", "additionalEmails": ["ov@sidemail.net"] },
        "phones": { "primaryPhoneNumber": "5550199", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1", "additionalPhones": [] },
        "linkedinLink": { "primaryLinkUrl": "https://www.linkedin.com/in/ottoline", "primaryLinkLabel": "", "secondaryLinks": [] },
        "jobTitle": "Cartographer",
        "city": "Valparaiso",
    }]);
    let made = owner
        .post("/rest/batch/people", full)
        .await
        .expect_status(201)["data"]["createPeople"][0]["id"]
        .clone();
    for q in [
        "ottoline",
        "vasquez",
        "primarymail",
        "sidemail",
        "5550199",
        "linkedin",
        "cartographer",
        "valparaiso",
    ] {
        let found = owner
            .get(&format!("/rest/search?q={q}"))
            .await
            .expect_status(200);
        assert_eq!(found["data"]["search"][0]["recordId"], made, "{q}: {found}");
        assert_eq!(
            found["data"]["search"][0]["label"], "Ottoline Vasquez",
            "{q}"
        );
    }
}

async fn batches_are_all_or_nothing_with_errors_per_index(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let batch = json!([{ "name": "One" }, { "name": "Two", "employees": "many" }, { "name": "Three" }, { "shoe": 1 }]);
    let fields = owner
        .post("/rest/batch/companies", batch)
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["[1].employees", "[3].shoe"]);
    let duplicate_emails = json!([{ "emails": { "primaryEmail": "x@example.com" } }, { "emails": { "primaryEmail": "x@example.com" } }]);
    let conflict = owner
        .post("/rest/batch/people", duplicate_emails)
        .await
        .expect_error(409, "conflict");
    assert_eq!(conflict["details"][0]["field"], "[1].emails.primaryEmail");
    for plural in ["companies", "people"] {
        assert_eq!(
            owner
                .get(&format!("/rest/{plural}?count=true"))
                .await
                .expect_status(200)["totalCount"],
            0,
            "{plural}"
        );
    }
    let too_many = Value::Array(
        (0..1001)
            .map(|i| json!({ "name": format!("C{i}") }))
            .collect(),
    );
    owner
        .post("/rest/batch/companies", too_many)
        .await
        .expect_error(400, "validation_failed");
    let ok = owner
        .post(
            "/rest/batch/companies",
            json!([{ "name": "A" }, { "name": "B" }]),
        )
        .await
        .expect_status(201);
    assert_eq!(
        ok["data"]["createCompanies"].as_array().map(Vec::len),
        Some(2)
    );
}

/// A company erased after a batch's relation check but before its write fails the batch's
/// foreign key (here the erasing transaction holds the row until the `COPY` waits on it): the
/// batch is redone record by record, which names the record, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_erased_while_a_batch_is_written_is_named() {
    use sqlx::Connection as _;
    if !kith_testkit::postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let (owner, ws) = workspace(&app).await;
    let kept = create(&owner, "companies", json!({ "name": "Kept" })).await;
    let doomed = create(&owner, "companies", json!({ "name": "Doomed" })).await;
    let admin = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
    let mut eraser = sqlx::PgConnection::connect(&admin).await.expect("connect");
    let schema = kith_testkit::workspace_schema(&ws);
    sqlx::query("BEGIN")
        .execute(&mut eraser)
        .await
        .expect("begin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM \"{schema}\".companies WHERE id = $1"
    )))
    .bind(uuid::Uuid::parse_str(&id_of(&doomed)).expect("uuid"))
    .execute(&mut eraser)
    .await
    .expect("erase, not yet committed");

    let batch = tokio::spawn(owner.post(
        "/rest/batch/people",
        json!([
            { "name": { "firstName": "Ada" }, "companyId": id_of(&kept) },
            { "name": { "firstName": "Alan" }, "companyId": id_of(&doomed) },
        ]),
    ));
    kith_testkit::postgres_backend_waiting_on_lock(&format!("COPY \"{schema}\".%")).await;
    sqlx::query("COMMIT")
        .execute(&mut eraser)
        .await
        .expect("commit the erasure");
    eraser.close().await.expect("close");

    let fields = batch
        .await
        .expect("batch task")
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["[1].companyId"]);
    assert_eq!(app.count_stored(&ws, "people", "1 = 1").await, 0);
}
