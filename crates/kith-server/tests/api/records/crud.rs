//! `/rest/{plural}` and `/rest/{plural}/{id}`, one record at a time or many by filter: every
//! standard field type round trip, wrong values, trash, restore and permanent delete, unique
//! primary emails, roles (viewers read, strangers get 404), deleting a workspace, upsert and bulk
//! changes by filter.

use super::{create, id_of, join_as, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    standard_objects_round_trip_every_field,
    wrong_values_name_the_field_and_store_nothing,
    trash_restore_and_permanent_delete,
    primary_emails_are_unique_among_live_people,
    viewers_read_only_and_strangers_get_404,
    deleting_a_workspace_deletes_its_data,
    upsert_and_bulk_changes_by_filter,
    an_id_already_taken_is_a_409_naming_it,
);

async fn standard_objects_round_trip_every_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let owner_id = owner.get("/api/v1/me").await.expect_status(200)["id"].clone();
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let plurals: Vec<&str> = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["namePlural"].as_str())
        .collect();
    assert_eq!(
        plurals,
        ["companies", "people", "opportunities", "tasks", "notes"]
    );

    let company_input = json!({
        "name": "Globex",
        "domainName": { "primaryLinkUrl": "https://globex.com", "primaryLinkLabel": "Site", "secondaryLinks": [{ "url": "globex.org", "label": "Org" }] },
        "employees": 120,
        "annualRecurringRevenue": { "amountMicros": 5_000_000_000_i64, "currencyCode": "EUR" },
        "address": { "addressStreet1": "1 Main St", "addressStreet2": "", "addressCity": "Springfield", "addressState": "OR",
                     "addressPostcode": "97477", "addressCountry": "United States", "addressLat": 44.05, "addressLng": -123.02 },
        "linkedinLink": { "primaryLinkUrl": "linkedin.com/company/globex", "primaryLinkLabel": "", "secondaryLinks": [] },
        "idealCustomerProfile": true,
        "accountOwnerId": owner_id,
    });
    let company = create(&owner, "companies", company_input.clone()).await;
    for (key, value) in company_input.as_object().expect("object") {
        assert_eq!(&company[key], value, "company.{key}");
    }
    assert_eq!(company["createdBy"]["source"], "MANUAL");
    assert_eq!(company["createdBy"]["workspaceMemberId"], owner_id);
    assert!(company["deletedAt"].is_null());

    let person_input = json!({
        "name": { "firstName": "Ada", "lastName": "Lovelace" },
        "emails": { "primaryEmail": "ada@globex.com", "additionalEmails": ["ada@home.org"] },
        "phones": { "primaryPhoneNumber": "555 0100", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1", "additionalPhones": [] },
        "jobTitle": "Engineer",
        "city": "London",
        "companyId": company["id"],
    });
    let person = create(&owner, "people", person_input.clone()).await;
    for (key, value) in person_input.as_object().expect("object") {
        assert_eq!(&person[key], value, "person.{key}");
    }
    let opportunity = create(&owner, "opportunities", json!({
        "name": "Globex renewal", "amount": { "amountMicros": 12_500_000_000_i64, "currencyCode": "USD" },
        "closeDate": "2025-03-31", "probability": 60, "pointOfContactId": person["id"], "companyId": company["id"], "ownerId": owner_id,
    }))
    .await;
    assert_eq!(opportunity["stage"], "NEW", "the stage's default applies");
    assert_eq!(opportunity["closeDate"], "2025-03-31");
    let task = create(&owner, "tasks", json!({ "title": "Call Ada", "body": "**Agenda**\n- renewal", "dueAt": "2025-01-15T09:30:00+01:00", "assigneeId": owner_id })).await;
    assert_eq!(
        (task["status"].as_str(), task["dueAt"].as_str()),
        (Some("TODO"), Some("2025-01-15T08:30:00.000Z"))
    );
    create(
        &owner,
        "notes",
        json!({ "title": "Met at the fair", "body": "Interested in the **pro** plan" }),
    )
    .await;

    let fetched = owner
        .get(&format!("/rest/people/{}", id_of(&person)))
        .await
        .expect_status(200);
    assert_eq!(fetched["data"]["person"], person);

    let updated = owner
        .patch(
            &format!("/rest/people/{}", id_of(&person)),
            json!({ "name": { "lastName": "King" }, "jobTitle": null }),
        )
        .await;
    let updated = updated.expect_status(200)["data"]["updatePerson"].clone();
    assert_eq!(
        updated["name"],
        json!({ "firstName": "Ada", "lastName": "King" }),
        "a part alone leaves the other part"
    );
    assert!(updated["jobTitle"].is_null());
    assert_eq!(updated["emails"], person["emails"]);
    assert_ne!(updated["updatedAt"], person["updatedAt"]);
}

async fn wrong_values_name_the_field_and_store_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let cases = [
        (
            json!({ "emails": { "primaryEmail": "not-an-email" } }),
            "emails.primaryEmail",
        ),
        (json!({ "name": { "firstName": 7 } }), "name.firstName"),
        (json!({ "shoeSize": 44 }), "shoeSize"),
        (json!({ "company": "Globex" }), "company"),
        (json!({ "companyId": "42" }), "companyId"),
        (json!({ "createdAt": "2020-01-01T00:00:00Z" }), "createdAt"),
        (
            json!({ "phones": { "primaryPhoneCountryCode": "France" } }),
            "phones.primaryPhoneCountryCode",
        ),
    ];
    for (body, field) in cases {
        let error = owner
            .post("/rest/people", body.clone())
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{body}: {error}");
    }
    let many = owner
        .post(
            "/rest/opportunities",
            json!({ "amount": { "currencyCode": "EURO" }, "stage": "WON", "closeDate": "soon" }),
        )
        .await;
    let mut fields = many.expect_error_fields(400, "validation_failed");
    fields.sort_unstable();
    assert_eq!(fields, ["amount.currencyCode", "closeDate", "stage"]);
    let stranger = app.signup("Stranger", "stranger@example.com").await;
    let stranger_id = stranger.get("/api/v1/me").await.expect_status(200)["id"].clone();
    let not_member = owner
        .post(
            "/rest/companies",
            json!({ "name": "X", "accountOwnerId": stranger_id }),
        )
        .await;
    // A well-formed id naming nothing stored conflicts with what is stored: 409, naming it.
    assert_eq!(
        not_member.expect_error(409, "conflict")["details"][0]["field"],
        "accountOwnerId"
    );
    let no_company = owner
        .post("/rest/people", json!({ "companyId": uuid::Uuid::now_v7() }))
        .await;
    assert_eq!(
        no_company.expect_error(409, "conflict")["details"][0]["field"],
        "companyId"
    );
    for plural in ["people", "opportunities", "companies"] {
        let listed = owner
            .get(&format!("/rest/{plural}?count=true"))
            .await
            .expect_status(200);
        assert_eq!(listed["totalCount"], 0, "{plural}: nothing was written");
    }
    owner
        .post("/rest/people", json!([1, 2]))
        .await
        .expect_error(400, "bad_request");
    owner
        .get("/rest/unicorns")
        .await
        .expect_error(404, "not_found");
    owner
        .get("/rest/people/not-a-uuid")
        .await
        .expect_error(400, "validation_failed");
    owner
        .get(&format!("/rest/people/{}", uuid::Uuid::now_v7()))
        .await
        .expect_error(404, "not_found");
}

async fn trash_restore_and_permanent_delete(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let company = create(&owner, "companies", json!({ "name": "Doomed" })).await;
    let person = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Pat" }, "companyId": company["id"] }),
    )
    .await;
    let path = format!("/rest/companies/{}", id_of(&company));
    let deleted = owner.delete(&path).await.expect_status(200);
    assert!(deleted["data"]["deleteCompany"]["deletedAt"].is_string());
    owner.get(&path).await.expect_error(404, "not_found");
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        0
    );
    let trash = owner
        .get("/rest/companies?filter=deletedAt[is]:NOT_NULL")
        .await
        .expect_status(200);
    assert_eq!(trash["data"]["companies"][0]["id"], company["id"]);
    owner.delete(&path).await.expect_error(404, "not_found");
    owner
        .patch(
            &format!("/rest/people/{}", id_of(&person)),
            json!({ "companyId": company["id"] }),
        )
        .await
        .expect_error(409, "conflict");

    let restored = owner
        .patch(
            &format!("/rest/restore/companies/{}", id_of(&company)),
            json!({}),
        )
        .await
        .expect_status(200);
    assert!(restored["data"]["restoreCompany"]["deletedAt"].is_null());
    owner.get(&path).await.expect_status(200);

    let (member, _) = join_as(&app, &owner, &ws, "member@example.com", "member").await;
    member
        .delete(&format!("{path}?permanent=true"))
        .await
        .expect_error(403, "forbidden");
    let its_events = format!("record_id = {{id:{}}}", id_of(&company));
    assert_eq!(
        app.count_stored(&ws, "_kith_events", &its_events).await,
        3,
        "created, deleted, restored"
    );
    owner
        .delete(&format!("{path}?permanent=true"))
        .await
        .expect_status(200);
    assert_eq!(
        app.count_stored(&ws, "_kith_events", &its_events).await,
        0,
        "deleting for good erases the record's history too"
    );
    owner
        .patch(
            &format!("/rest/restore/companies/{}", id_of(&company)),
            json!({}),
        )
        .await
        .expect_error(404, "not_found");
    let orphan = owner
        .get(&format!("/rest/people/{}", id_of(&person)))
        .await
        .expect_status(200);
    assert!(
        orphan["data"]["person"]["companyId"].is_null(),
        "the relation's on-delete rule (set null) applied"
    );
}

async fn primary_emails_are_unique_among_live_people(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let first = create(
        &owner,
        "people",
        json!({ "emails": { "primaryEmail": "ada@example.com" } }),
    )
    .await;
    let duplicate = owner
        .post(
            "/rest/people",
            json!({ "emails": { "primaryEmail": "ADA@example.com" } }),
        )
        .await;
    assert_eq!(
        duplicate.expect_error(409, "conflict")["details"][0]["field"],
        "emails.primaryEmail"
    );
    create(
        &owner,
        "people",
        json!({ "emails": { "primaryEmail": "" } }),
    )
    .await;
    create(
        &owner,
        "people",
        json!({ "emails": { "primaryEmail": "" } }),
    )
    .await;
    owner
        .delete(&format!("/rest/people/{}", id_of(&first)))
        .await
        .expect_status(200);
    create(
        &owner,
        "people",
        json!({ "emails": { "primaryEmail": "ada@example.com" } }),
    )
    .await;
    let restore = owner
        .patch(
            &format!("/rest/restore/people/{}", id_of(&first)),
            json!({}),
        )
        .await;
    restore.expect_error(409, "conflict");
}

async fn viewers_read_only_and_strangers_get_404(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let company = create(&owner, "companies", json!({ "name": "Visible" })).await;
    let path = format!("/rest/companies/{}", id_of(&company));
    let (viewer, _) = join_as(&app, &owner, &ws, "viewer@example.com", "viewer").await;
    viewer.get(&path).await.expect_status(200);
    viewer.get("/rest/companies").await.expect_status(200);
    viewer
        .post("/rest/companies", json!({ "name": "Nope" }))
        .await
        .expect_error(403, "forbidden");
    viewer
        .post("/rest/batch/companies", json!([{ "name": "Nope" }]))
        .await
        .expect_error(403, "forbidden");
    viewer
        .patch(&path, json!({ "name": "Nope" }))
        .await
        .expect_error(403, "forbidden");
    viewer.delete(&path).await.expect_error(403, "forbidden");
    viewer
        .patch(
            &format!("/rest/restore/companies/{}", id_of(&company)),
            json!({}),
        )
        .await
        .expect_error(403, "forbidden");

    let (stranger, _) = app.owner_with_workspace("stranger@example.com").await;
    let intruder = stranger.in_workspace(&ws);
    let c = id_of(&company);
    let attempts = [
        intruder.get("/rest/companies/groupBy?field=name").await,
        intruder.get("/rest/search?q=vis").await,
        intruder.get(&format!("{path}/timeline")).await,
        intruder.get(&format!("{path}/notes")).await,
        intruder.get("/rest/metadata/fields").await,
        intruder.get("/rest/open-api/core").await,
        intruder.post("/rest/metadata/objects", json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "D", "labelPlural": "Ds" })).await,
        intruder.post("/rest/companies?upsert=true", json!({ "name": "Visible" })).await,
        intruder.post("/rest/companies/duplicates", json!({ "data": [{ "name": "Visible" }] })).await,
        intruder.patch("/rest/companies/merge", json!({ "keepId": c, "mergeIds": [c] })).await,
        intruder.patch("/rest/companies?filter=name[eq]:Visible", json!({ "name": "Mine" })).await,
        intruder.delete("/rest/companies?filter=name[eq]:Visible").await,
        intruder.get("/rest/companies").await,
        intruder.get(&path).await,
        intruder.get("/rest/metadata/objects").await,
        intruder
            .post("/rest/companies", json!({ "name": "Mine" }))
            .await,
        intruder
            .post("/rest/batch/companies", json!([{ "name": "Mine" }]))
            .await,
        intruder.patch(&path, json!({ "name": "Mine" })).await,
        intruder.delete(&path).await,
        intruder
            .patch(
                &format!("/rest/restore/companies/{}", id_of(&company)),
                json!({}),
            )
            .await,
    ];
    for reply in attempts {
        let text = String::from_utf8_lossy(&reply.bytes).into_owned();
        reply.expect_error(404, "not_found");
        assert!(!text.contains("Visible"), "{text}");
    }
    stranger
        .get("/rest/companies")
        .await
        .expect_error(400, "bad_request");
    let listed = owner.get("/rest/companies").await.expect_status(200);
    assert_eq!(
        listed["data"]["companies"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(listed["data"]["companies"][0]["name"], "Visible");
}

/// Deleting a workspace closes it to everyone (its members, its tokens) at once; its owners can
/// restore it, as it was, until the purge job deletes it with all its data after the grace period.
async fn deleting_a_workspace_deletes_its_data(backend: Backend) {
    use kith_server::jobs;
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    create(&owner, "companies", json!({ "name": "Gone soon" })).await;
    let token = crate::views::make_token(&owner, &ws, json!(["records:read"])).await;
    let (admin, _) = super::join_as(&app, &owner, &ws, "admin@example.com", "admin").await;
    let with_token = || {
        kith_testkit::send(
            reqwest::Client::new()
                .get(app.url("/rest/companies"))
                .bearer_auth(&token),
        )
    };
    let file = app.workspace_file(&ws);
    assert_eq!(file.exists(), backend == Backend::Sqlite);
    admin
        .delete(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_error(403, "forbidden");
    owner
        .delete(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_status(204);
    owner
        .get("/rest/companies")
        .await
        .expect_error(404, "not_found");
    assert_eq!(with_token().await.status, 401, "its tokens open nothing");
    let listed = owner.get("/api/v1/workspaces").await.expect_status(200);
    assert!(
        listed["data"].as_array().is_some_and(Vec::is_empty),
        "{listed}"
    );
    let deleted = owner
        .get("/api/v1/workspaces/deleted")
        .await
        .expect_status(200);
    assert_eq!(deleted["data"][0]["id"], ws.as_str());
    assert!(deleted["data"][0]["purgedAt"].is_string());
    assert!(
        admin
            .get("/api/v1/workspaces/deleted")
            .await
            .expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "only owners see it"
    );

    // Restored by an owner, as it was (an admin may not).
    let restore = format!("/api/v1/workspaces/{ws}/restore");
    admin
        .post(&restore, json!({}))
        .await
        .expect_error(404, "not_found");
    let restored = owner.post(&restore, json!({})).await.expect_status(200);
    assert_eq!(restored["id"], ws.as_str());
    let companies = owner.get("/rest/companies").await.expect_status(200);
    assert_eq!(companies["data"]["companies"][0]["name"], "Gone soon");
    assert_eq!(with_token().await.status, 200);
    owner
        .post(&restore, json!({}))
        .await
        .expect_error(404, "not_found");

    // Deleted again and past its grace period: the purge job deletes it with its data.
    owner
        .delete(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_status(204);
    app.db()
        .make_job_due(jobs::PURGE_WORKSPACES)
        .await
        .expect("due");
    assert_eq!(
        jobs::run_due(app.state(), app.jobs()).await.expect("run"),
        1
    );
    assert_eq!(
        file.exists(),
        backend == Backend::Sqlite,
        "kept within its grace period"
    );
    app.update_control_plane("workspaces", "deleted_at = 1", "deleted_at IS NOT NULL")
        .await;
    app.db()
        .make_job_due(jobs::PURGE_WORKSPACES)
        .await
        .expect("due");
    assert_eq!(
        jobs::run_due(app.state(), app.jobs()).await.expect("run"),
        1
    );
    assert!(!file.exists(), "the workspace's file is gone");
    assert!(
        owner
            .get("/api/v1/workspaces/deleted")
            .await
            .expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    owner
        .post(&restore, json!({}))
        .await
        .expect_error(404, "not_found");
}

async fn upsert_and_bulk_changes_by_filter(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let upsert = |body: Value| owner.post("/rest/people?upsert=true", body);
    let first =
        upsert(json!({ "emails": { "primaryEmail": "ada@example.com" }, "jobTitle": "Engineer" }))
            .await
            .expect_status(201);
    let again =
        upsert(json!({ "emails": { "primaryEmail": "ADA@example.com" }, "jobTitle": "CTO" }))
            .await
            .expect_status(200);
    assert_eq!(
        again["data"]["createPerson"]["id"], first["data"]["createPerson"]["id"],
        "the same person, updated"
    );
    assert_eq!(again["data"]["createPerson"]["jobTitle"], "CTO");
    assert_eq!(
        owner
            .get("/rest/people?count=true")
            .await
            .expect_status(200)["totalCount"],
        1
    );
    // Nothing to match on: it creates. An id matches the record that has it.
    let no_key = upsert(json!({ "jobTitle": "CTO" }))
        .await
        .expect_status(201);
    let no_key_id = no_key["data"]["createPerson"]["id"].clone();
    let by_id = upsert(json!({ "id": no_key_id, "jobTitle": "CEO" }))
        .await
        .expect_status(200);
    assert_eq!(by_id["data"]["createPerson"]["id"], no_key_id);
    assert_eq!(by_id["data"]["createPerson"]["jobTitle"], "CEO");
    let fresh = uuid::Uuid::now_v7().to_string();
    let created = upsert(json!({ "id": fresh, "jobTitle": "CFO" }))
        .await
        .expect_status(201);
    assert_eq!(created["data"]["createPerson"]["id"], json!(fresh));
    // A unique value of one record and the id of another cannot both be matched.
    let clash = upsert(json!({ "id": fresh, "emails": { "primaryEmail": "ada@example.com" } }))
        .await
        .expect_error(409, "conflict");
    assert_eq!(clash["details"][0]["field"], "id", "{clash}");
    let acme = owner
        .post("/rest/companies?upsert=true", json!({ "name": "Acme" }))
        .await
        .expect_status(201);
    let acme_id = acme["data"]["createCompany"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    owner
        .delete(&format!("/rest/companies/{acme_id}?permanent=true"))
        .await
        .expect_status(200);

    for (name, employees) in [("A", 5), ("B", 50), ("C", 500), ("D", 5000)] {
        create(
            &owner,
            "companies",
            json!({ "name": name, "employees": employees }),
        )
        .await;
    }
    let updated = owner
        .patch(
            "/rest/companies?filter=employees[gte]:50",
            json!({ "idealCustomerProfile": true }),
        )
        .await;
    assert_eq!(
        updated.expect_status(200)["data"]["updateCompanies"]["count"],
        3
    );
    let icp = owner
        .get("/rest/companies?filter=idealCustomerProfile[eq]:true&order_by=name")
        .await
        .expect_status(200);
    let names: Vec<&str> = icp["data"]["companies"]
        .as_array()
        .expect("companies")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["B", "C", "D"]);
    let bad = owner
        .patch(
            "/rest/companies?filter=employees[gte]:50",
            json!({ "employees": "lots" }),
        )
        .await;
    bad.expect_error(400, "validation_failed");
    assert_eq!(
        owner
            .get("/rest/companies?filter=employees[eq]:50")
            .await
            .expect_status(200)["data"]["companies"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "a refused bulk change changed nothing"
    );
    owner
        .patch("/rest/companies", json!({ "employees": 1 }))
        .await
        .expect_error(400, "validation_failed");
    owner
        .delete("/rest/companies")
        .await
        .expect_error(400, "validation_failed");

    let deleted = owner
        .delete("/rest/companies?filter=employees[lt]:100")
        .await
        .expect_status(200);
    assert_eq!(deleted["data"]["deleteCompanies"]["count"], 2);
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        2
    );
    let trash = owner
        .get("/rest/companies?filter=deletedAt[is]:NOT_NULL")
        .await
        .expect_status(200);
    assert_eq!(
        trash["data"]["companies"].as_array().map(Vec::len),
        Some(2),
        "bulk deletes go to the trash"
    );
}

/// A record may be created with an id of the caller's choosing; one that is taken (by a live
/// record or one in the trash, or twice in one batch) is a conflict naming `id`, and nothing of
/// the request is written.
async fn an_id_already_taken_is_a_409_naming_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let taken = uuid::Uuid::now_v7().to_string();
    let first = create(&owner, "companies", json!({ "id": taken, "name": "First" })).await;
    assert_eq!(first["id"], taken.as_str());

    let fields = owner
        .post("/rest/companies", json!({ "id": taken, "name": "Second" }))
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["id"]);

    let fresh = uuid::Uuid::now_v7().to_string();
    let fields = owner
        .post(
            "/rest/batch/companies",
            json!([{ "id": fresh, "name": "Fresh" }, { "id": taken, "name": "Clash" }]),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["[1].id"]);
    let fields = owner
        .post(
            "/rest/batch/companies",
            json!([{ "id": fresh, "name": "Twin" }, { "id": fresh, "name": "Twin" }]),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["[1].id"]);

    owner
        .delete(&format!("/rest/companies/{taken}"))
        .await
        .expect_status(200);
    let fields = owner
        .post(
            "/rest/companies",
            json!({ "id": taken, "name": "Over the trash" }),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["id"]);
    assert_eq!(app.count_stored(&ws, "companies", "1 = 1").await, 1);

    // Ids are unique across the workspace's objects: a person's id is no company's.
    let person = create(&owner, "people", json!({})).await;
    let fields = owner
        .post(
            "/rest/companies",
            json!({ "id": person["id"], "name": "Clone" }),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["id"]);
    let fields = owner
        .post(
            "/rest/batch/companies",
            json!([{ "name": "Fine" }, { "id": person["id"], "name": "Clone" }]),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["[1].id"]);
    assert_eq!(app.count_stored(&ws, "companies", "1 = 1").await, 1);
}
