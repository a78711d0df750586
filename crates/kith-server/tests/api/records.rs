//! The REST API for records: every standard field type, validation, filters, sorting, cursor
//! paging, trash, roles and isolation.

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};
use std::cmp::Ordering;

on_both_backends!(
    standard_objects_round_trip_every_field,
    wrong_values_name_the_field_and_store_nothing,
    filters_select_the_right_records,
    filter_and_sort_errors_point_at_the_position,
    paging_is_complete_and_stable_with_ties_and_nulls,
    trash_restore_and_permanent_delete,
    primary_emails_are_unique_among_live_people,
    batches_are_all_or_nothing_with_errors_per_index,
    a_batch_writes_each_records_event_search_entry_and_relation,
    viewers_read_only_and_strangers_get_404,
    deleting_a_workspace_deletes_its_data,
    the_timeline_tells_what_changed_newest_first,
    search_finds_by_prefix_across_objects_and_follows_changes,
    group_by_counts_and_sums_a_pipeline,
    idempotency_keys_replay_the_first_answer,
    the_trash_is_purged_by_a_job_that_survives_restarts,
    depth_embeds_related_records_and_fields_picks_keys,
    upsert_and_bulk_changes_by_filter,
    tasks_and_notes_link_to_records_and_show_on_their_timeline,
    duplicates_are_found_and_merged_with_their_relations,
);

/// An owner's client working in a fresh workspace.
async fn workspace(app: &TestApp) -> (TestClient, String) {
    let (owner, id) = app.owner_with_workspace("owner@example.com").await;
    (owner.in_workspace(&id), id)
}

async fn create(client: &TestClient, plural: &str, body: Value) -> Value {
    let reply = client
        .post(&format!("/rest/{plural}"), body)
        .await
        .expect_status(201);
    let data = reply["data"].as_object().expect("data");
    data.values().next().expect("created record").clone()
}

/// A record's timeline (`path` is the record's), newest first: its events and their kinds.
async fn timeline_of(client: &TestClient, path: &str) -> (Vec<Value>, Vec<String>) {
    let timeline = client
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    let events = timeline["data"]["timeline"]
        .as_array()
        .cloned()
        .expect("timeline");
    let kinds = events
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect();
    (events, kinds)
}

fn id_of(record: &Value) -> String {
    record["id"].as_str().expect("id").to_owned()
}

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
        (json!({ "companyId": uuid::Uuid::now_v7() }), "companyId"),
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
    assert_eq!(
        not_member.expect_error(400, "validation_failed")["details"][0]["field"],
        "accountOwnerId"
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

/// Names of the companies a filter selects, sorted.
async fn names(client: &TestClient, filter: &str) -> Vec<String> {
    let path = format!("/rest/companies?limit=200&filter={}", urlencode(filter));
    let reply = client.get(&path).await.expect_status(200);
    let mut names: Vec<String> = reply["data"]["companies"]
        .as_array()
        .expect("companies")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("<null>").to_owned())
        .collect();
    names.sort();
    names
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn filters_select_the_right_records(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    // Taken before anything is created, so a run across midnight (UTC) still finds them all.
    let today = chrono::Utc::now().date_naive();
    let rows = [
        (
            "Acme",
            Some(10),
            "acme.com",
            true,
            Some("2024-01-10T00:00:00Z"),
        ),
        ("acme labs", Some(50), "acmelabs.io", false, None),
        (
            "Globex",
            Some(500),
            "globex.com",
            true,
            Some("2024-06-01T12:00:00Z"),
        ),
        ("Initech", None, "initech.com", false, None),
        ("Umbrella, Inc.", Some(50), "", false, None),
    ];
    let mut ids = Vec::new();
    for (name, employees, domain, icp, _) in rows {
        let company = create(&owner, "companies", json!({ "name": name, "employees": employees, "domainName": { "primaryLinkUrl": domain }, "idealCustomerProfile": icp })).await;
        ids.push(id_of(&company));
    }
    let person = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "L" }, "companyId": ids[2] }),
    )
    .await;
    let cases: [(&str, &[&str]); 16] = [
        (r#"name[eq]:"Acme""#, &["Acme"]),
        (
            "employees[gte]:50",
            &["Globex", "Umbrella, Inc.", "acme labs"],
        ),
        ("employees[is]:NULL", &["Initech"]),
        ("employees[neq]:50", &["Acme", "Globex", "Initech"]),
        ("employees[in]:[10,500]", &["Acme", "Globex"]),
        ("name[startsWith]:Ac", &["Acme"]),
        ("name[like]:%cme%", &["Acme", "acme labs"]),
        ("name[ilike]:%ACME%", &["Acme", "acme labs"]),
        ("name[like]:%CME%", &[]),
        (r#"name[endsWith]:", Inc.""#, &["Umbrella, Inc."]),
        (
            "domainName.primaryLinkUrl[endsWith]:.com",
            &["Acme", "Globex", "Initech"],
        ),
        ("idealCustomerProfile[eq]:true", &["Acme", "Globex"]),
        (
            "or(employees[lt]:20,employees[gt]:100)",
            &["Acme", "Globex"],
        ),
        (
            "and(employees[gte]:10,not(name[ilike]:acme%))",
            &["Globex", "Umbrella, Inc."],
        ),
        (
            "employees[gte]:10,name[like]:%a%",
            &["Umbrella, Inc.", "acme labs"],
        ),
        (&format!("id[eq]:{}", ids[3]), &["Initech"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&owner, filter).await, expected, "{filter}");
    }
    let by_company = owner
        .get(&format!("/rest/people?filter=companyId[eq]:{}", ids[2]))
        .await
        .expect_status(200);
    assert_eq!(by_company["data"]["people"][0]["id"], person["id"]);
    let created_after = format!("createdAt[gte]:{today}");
    assert_eq!(names(&owner, &created_after).await.len(), 5);
}

async fn filter_and_sort_errors_point_at_the_position(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let cases = [
        ("filter=name[equals]:1", "filter", "position 5"),
        ("filter=name[eq]:\"open", "filter", "position 9"),
        (
            "filter=name[eq]:1,shoe[eq]:2",
            "filter",
            "shoe is not a field of company (at position 11)",
        ),
        ("filter=employees[gt]:many", "filter", "not a whole number"),
        ("filter=address[eq]:Paris", "filter", "address.addressCity"),
        (
            "filter=name[containsAny]:[a]",
            "filter",
            "containsAny works on lists",
        ),
        ("order_by=name[Sideways]", "order_by", "unknown direction"),
        ("order_by=shoe", "order_by", "shoe is not a field"),
        ("limit=500", "limit", "between 1 and 200"),
        ("starting_after=garbage", "starting_after", "not a cursor"),
    ];
    for (query, field, message) in cases {
        let error = owner
            .get(&format!("/rest/companies?{query}"))
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{query}: {error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{query}: {error}"
        );
    }
}

/// The reference order: employees descending with nulls last, then name ascending with nulls
/// first, then id.
fn reference_order(a: &Value, b: &Value) -> Ordering {
    let employees = |v: &Value| v["employees"].as_i64();
    let by_employees = match (employees(a), employees(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => y.cmp(&x),
    };
    let name = |v: &Value| v["name"].as_str().map(str::to_owned);
    let by_name = match (name(a), name(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    };
    by_employees
        .then(by_name)
        .then_with(|| id_of(a).cmp(&id_of(b)))
}

async fn paging_is_complete_and_stable_with_ties_and_nulls(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let mut all = Vec::new();
    for batch in 0..10 {
        let records: Vec<Value> = (0..1000)
            .map(|i| {
                let n = batch * 1000 + i;
                let employees = if n % 7 == 0 {
                    Value::Null
                } else {
                    json!(n % 13)
                };
                let name = if n % 11 == 0 {
                    Value::Null
                } else {
                    json!(format!("Company {:02}", n % 17))
                };
                json!({ "name": name, "employees": employees })
            })
            .collect();
        let created = owner
            .post("/rest/batch/companies", Value::Array(records))
            .await
            .expect_status(201);
        all.extend(
            created["data"]["createCompanies"]
                .as_array()
                .expect("created")
                .iter()
                .cloned(),
        );
    }
    assert_eq!(all.len(), 10_000);
    all.sort_by(reference_order);
    let expected: Vec<String> = all.iter().map(id_of).collect();

    let order = "order_by=employees[DescNullsLast],name[AscNullsFirst]";
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut inserted_while_paging = false;
    loop {
        let after = cursor
            .as_ref()
            .map(|c| format!("&starting_after={c}"))
            .unwrap_or_default();
        let page = owner
            .get(&format!("/rest/companies?{order}&limit=200{after}"))
            .await
            .expect_status(200);
        let records = page["data"]["companies"].as_array().expect("companies");
        seen.extend(records.iter().map(id_of));
        if !inserted_while_paging {
            // New records land somewhere in the order; the existing ones must still all come once.
            for name in ["Company 00", "Company 99"] {
                create(&owner, "companies", json!({ "name": name, "employees": 5 })).await;
            }
            inserted_while_paging = true;
        }
        if !page["pageInfo"]["hasNextPage"]
            .as_bool()
            .expect("hasNextPage")
        {
            break;
        }
        cursor = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let seen_existing: Vec<String> = seen
        .iter()
        .filter(|id| expected.contains(id))
        .cloned()
        .collect();
    assert_eq!(seen_existing.len(), expected.len(), "every record once");
    assert_eq!(seen_existing, expected, "in the requested order");

    let (forward_all, last_cursor) = walk_forward(&owner, order).await;
    assert_eq!(forward_all.len(), 10_002);
    let counted = owner
        .get(&format!("/rest/companies?{order}&limit=1&count=true"))
        .await
        .expect_status(200);
    assert_eq!(counted["totalCount"], 10_002);
    let mut backward = vec![forward_all.last().cloned().expect("records")];
    let mut cursor = last_cursor;
    loop {
        let page = owner
            .get(&format!(
                "/rest/companies?{order}&limit=200&ending_before={cursor}"
            ))
            .await
            .expect_status(200);
        let mut ids: Vec<String> = page["data"]["companies"]
            .as_array()
            .expect("companies")
            .iter()
            .map(id_of)
            .collect();
        ids.append(&mut backward);
        backward = ids;
        if page["pageInfo"]["hasPreviousPage"] != json!(true) {
            break;
        }
        cursor = page["pageInfo"]["startCursor"]
            .as_str()
            .expect("startCursor")
            .to_owned();
    }
    assert_eq!(
        backward, forward_all,
        "walking backward gives the same order"
    );
}

/// Every record's id in `order`, page by page, and the cursor of the last one.
async fn walk_forward(client: &TestClient, order: &str) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor
            .as_ref()
            .map(|c| format!("&starting_after={c}"))
            .unwrap_or_default();
        let page = client
            .get(&format!("/rest/companies?{order}&limit=200{after}"))
            .await
            .expect_status(200);
        ids.extend(
            page["data"]["companies"]
                .as_array()
                .expect("companies")
                .iter()
                .map(id_of),
        );
        cursor = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return (ids, cursor.expect("a last cursor"));
        }
    }
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
        .expect_error(400, "validation_failed");

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

/// Joins `ws` as `role`; the client is bound to the workspace for `/rest`.
async fn join_as(
    app: &TestApp,
    owner: &TestClient,
    ws: &str,
    email: &str,
    role: &str,
) -> (TestClient, String) {
    let (client, _) = app.join(owner, ws, email, role).await;
    (client.in_workspace(ws), ws.to_owned())
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
        .expect_error_fields(400, "validation_failed");
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

async fn deleting_a_workspace_deletes_its_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    create(&owner, "companies", json!({ "name": "Gone soon" })).await;
    let file = app.workspace_file(&ws);
    assert_eq!(file.exists(), backend == Backend::Sqlite);
    owner
        .delete(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_status(204);
    assert!(!file.exists(), "the workspace's file is gone");
    owner
        .get("/rest/companies")
        .await
        .expect_error(404, "not_found");
}

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

async fn search_finds_by_prefix_across_objects_and_follows_changes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    for name in ["Big Acme", "Acme Labs", "Acme", "Globex"] {
        create(&owner, "companies", json!({ "name": name, "domainName": { "primaryLinkUrl": format!("https://www.{}.com", name.to_lowercase().replace(' ', "")) } })).await;
    }
    let ada = create(&owner, "people", json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "emails": { "primaryEmail": "ada@acme.com" } })).await;
    create(
        &owner,
        "notes",
        json!({ "title": "Renewal call", "body": "Acme wants the **pro** plan" }),
    )
    .await;
    let search = |query: &str| {
        let owner = owner.clone();
        let path = format!("/rest/search?q={}", urlencode(query));
        async move {
            let reply = owner.get(&path).await.expect_status(200);
            reply["data"]["search"]
                .as_array()
                .expect("search")
                .iter()
                .map(|h| {
                    (
                        h["objectNameSingular"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        h["label"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let hits = search("acm").await;
    let labels: Vec<&str> = hits.iter().map(|(_, label)| label.as_str()).collect();
    assert_eq!(
        &labels[..2],
        ["Acme", "Acme Labs"],
        "labels starting with the query first: {hits:?}"
    );
    for expected in ["Big Acme", "Ada Lovelace", "Renewal call"] {
        assert!(
            labels.contains(&expected),
            "{expected} missing from {hits:?}"
        );
    }
    assert!(!labels.contains(&"Globex"));
    assert_eq!(
        search("ada love").await,
        [("person".to_owned(), "Ada Lovelace".to_owned())]
    );
    assert_eq!(
        search("globex.com").await,
        [("company".to_owned(), "Globex".to_owned())]
    );
    let only_people = owner
        .get("/rest/search?q=acm&objects=people")
        .await
        .expect_status(200);
    assert_eq!(
        only_people["data"]["search"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(only_people["data"]["search"][0]["recordId"], ada["id"]);
    assert!(
        search("\"acme\"* (").await.iter().any(|(_, l)| l == "Acme"),
        "query syntax is plain words"
    );
    assert!(search("zzz").await.is_empty());

    let path = format!("/rest/people/{}", id_of(&ada));
    owner
        .patch(&path, json!({ "name": { "firstName": "Augusta" } }))
        .await
        .expect_status(200);
    assert_eq!(
        search("augusta").await,
        [("person".to_owned(), "Augusta Lovelace".to_owned())]
    );
    assert_eq!(
        search("ada love").await,
        [("person".to_owned(), "Augusta Lovelace".to_owned())],
        "found by email, with the new label"
    );
    owner.delete(&path).await.expect_status(200);
    assert!(
        search("augusta").await.is_empty(),
        "the trash is not searched"
    );
    owner
        .patch(&format!("/rest/restore/people/{}", id_of(&ada)), json!({}))
        .await
        .expect_status(200);
    assert_eq!(search("augusta").await.len(), 1);
    owner
        .delete(&format!("{path}?permanent=true"))
        .await
        .expect_status(200);
    assert!(search("augusta").await.is_empty());
    owner
        .get("/rest/search")
        .await
        .expect_error(400, "validation_failed");
    owner
        .get("/rest/search?q=a&objects=unicorns")
        .await
        .expect_error(404, "not_found");
    if backend == Backend::Sqlite {
        // After creates, changes, trash, restore and a permanent delete: one map row an entry.
        let entries = app.count_stored(&ws, "_kith_search", "1 = 1").await;
        assert_eq!(
            entries, 5,
            "four companies and the note; Ada is deleted for good"
        );
        assert_eq!(
            app.count_stored(&ws, "_kith_search_docs", "1 = 1").await,
            entries
        );
    }
    // A word longer than PostgreSQL indexes is left out, and the rest of the text is still found,
    // quotes, backslashes and accents included.
    let long_word = "x".repeat(3_000);
    let odd = format!("{long_word} O'Brien Zoë back\\slash");
    create(
        &owner,
        "notes",
        json!({ "title": "Odd words", "body": odd }),
    )
    .await;
    for query in ["o'brien", "ZOË", "slash", "back"] {
        assert_eq!(
            search(query).await,
            [("note".to_owned(), "Odd words".to_owned())],
            "{query}"
        );
    }
    assert!(search(&"y".repeat(3_000)).await.is_empty());
}

async fn group_by_counts_and_sums_a_pipeline(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deals = [
        ("A", Some("PROPOSAL"), Some(1_000_000), Some(50)),
        ("B", Some("NEW"), Some(2_500_000), Some(10)),
        ("C", Some("PROPOSAL"), Some(3_000_000), Some(70)),
        ("D", Some("CUSTOMER"), None, Some(100)),
        ("E", None, Some(500_000), None),
    ];
    for (name, stage, micros, probability) in deals {
        let amount = micros.map(|m: i64| json!({ "amountMicros": m, "currencyCode": "EUR" }));
        create(
            &owner,
            "opportunities",
            json!({ "name": name, "stage": stage, "amount": amount, "probability": probability }),
        )
        .await;
    }
    let trashed = create(&owner, "opportunities", json!({ "name": "T", "stage": "NEW", "amount": { "amountMicros": 9, "currencyCode": "EUR" } })).await;
    owner
        .delete(&format!("/rest/opportunities/{}", id_of(&trashed)))
        .await
        .expect_status(200);

    let grouped = owner
        .get("/rest/opportunities/groupBy?field=stage&aggregate=count,sum:amount,avg:probability")
        .await
        .expect_status(200);
    assert_eq!(
        grouped["data"]["groupBy"],
        json!([
            { "key": null, "count": 1, "sum:amount": 500_000, "avg:probability": null },
            { "key": "NEW", "count": 1, "sum:amount": 2_500_000, "avg:probability": 10 },
            { "key": "PROPOSAL", "count": 2, "sum:amount": 4_000_000, "avg:probability": 60 },
            { "key": "CUSTOMER", "count": 1, "sum:amount": null, "avg:probability": 100 },
        ]),
        "groups in the order of the stage's options, the trash left out"
    );
    let filtered = owner
        .get("/rest/opportunities/groupBy?field=stage&filter=probability[gte]:50")
        .await
        .expect_status(200);
    assert_eq!(
        filtered["data"]["groupBy"],
        json!([{ "key": "PROPOSAL", "count": 2 }, { "key": "CUSTOMER", "count": 1 }])
    );
    let by_currency = owner.get("/rest/opportunities/groupBy?field=amount.currencyCode&aggregate=max:amount.amountMicros").await;
    assert_eq!(
        by_currency.expect_status(200)["data"]["groupBy"],
        json!([{ "key": null, "max:amount.amountMicros": null }, { "key": "EUR", "max:amount.amountMicros": 3_000_000 }])
    );
    for (query, field) in [
        ("aggregate=count", "field"),
        ("field=stage&aggregate=median:amount", "aggregate"),
        ("field=stage&aggregate=sum:name", "aggregate"),
        ("field=stage&aggregate=sum", "aggregate"),
        ("field=amount", "field"),
        ("field=stage&filter=stage[eq", "filter"),
    ] {
        let error = owner
            .get(&format!("/rest/opportunities/groupBy?{query}"))
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{query}: {error}");
    }
}

async fn idempotency_keys_replay_the_first_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let post = |client: &TestClient, key: &str, body: Value| {
        let request = client
            .with_csrf(reqwest::Method::POST, "/rest/companies")
            .header("idempotency-key", key)
            .json(&body);
        kith_testkit::send(request)
    };
    let first = post(&owner, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(first.header("idempotent-replayed"), None);
    let first = first.expect_status(201);
    let again = post(&owner, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.expect_status(201),
        first,
        "the first answer, byte for byte"
    );
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        1,
        "the work was done once"
    );

    post(&owner, "order-1", json!({ "name": "Twice" }))
        .await
        .expect_error(409, "conflict");
    post(&owner, "order-2", json!({ "name": "Twice" }))
        .await
        .expect_status(201);
    let refused = post(&owner, "order-3", json!({ "employees": "many" }))
        .await
        .expect_error(400, "validation_failed");
    assert_eq!(
        post(&owner, "order-3", json!({ "employees": "many" }))
            .await
            .expect_error(400, "validation_failed"),
        refused
    );
    post(&owner, &"k".repeat(300), json!({ "name": "Long key" }))
        .await
        .expect_error(400, "validation_failed");

    let (other, other_workspace) = app.owner_with_workspace("other@example.com").await;
    let other = other.in_workspace(&other_workspace);
    let theirs = post(&other, "order-1", json!({ "name": "Once" })).await;
    assert_eq!(
        theirs.header("idempotent-replayed"),
        None,
        "keys belong to their caller"
    );
    assert_ne!(
        theirs.expect_status(201)["data"]["createCompany"]["id"],
        first["data"]["createCompany"]["id"]
    );
    assert_eq!(
        owner
            .get("/rest/companies?count=true")
            .await
            .expect_status(200)["totalCount"],
        2
    );
}

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
        .db()
        .data_for_system_job(uuid::Uuid::parse_str(&ws).expect("uuid"))
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
        jobs::run_due(app.state()).await.expect("run"),
        0,
        "a job runs only when due"
    );
    app.db().make_job_due(jobs::PURGE_TRASH).await.expect("due");
    assert_eq!(jobs::run_due(app.state()).await.expect("run"), 1);

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

async fn depth_embeds_related_records_and_fields_picks_keys(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let me = owner.get("/api/v1/me").await.expect_status(200);
    let globex = create(&owner, "companies", json!({ "name": "Globex" })).await;
    let initech = create(&owner, "companies", json!({ "name": "Initech" })).await;
    let hank = create(&owner, "people", json!({ "name": { "firstName": "Hank", "lastName": "Scorpio" }, "companyId": globex["id"] })).await;
    create(&owner, "people", json!({ "name": { "firstName": "Peter", "lastName": "Gibbons" }, "companyId": initech["id"] })).await;
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Solo", "lastName": "" } }),
    )
    .await;
    let deal = create(&owner, "opportunities", json!({ "name": "Dome", "companyId": globex["id"], "pointOfContactId": hank["id"], "ownerId": me["id"] })).await;

    let people = owner
        .get("/rest/people?depth=1&order_by=name.firstName")
        .await
        .expect_status(200);
    let companies: Vec<Value> = people["data"]["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["company"]["name"].clone())
        .collect();
    assert_eq!(companies, [json!("Globex"), json!("Initech"), Value::Null]);
    let flat = owner.get("/rest/people").await.expect_status(200);
    assert!(
        flat["data"]["people"][0].get("company").is_none(),
        "depth 0 embeds nothing"
    );

    let one = owner
        .get(&format!("/rest/opportunities/{}?depth=1", id_of(&deal)))
        .await
        .expect_status(200);
    let one = &one["data"]["opportunity"];
    assert_eq!(one["pointOfContact"]["name"]["firstName"], "Hank");
    assert_eq!(one["company"]["id"], globex["id"]);
    assert_eq!(
        (one["owner"]["id"].clone(), one["owner"]["email"].as_str()),
        (me["id"].clone(), Some("owner@example.com"))
    );

    owner
        .delete(&format!("/rest/companies/{}", id_of(&initech)))
        .await
        .expect_status(200);
    let after = owner
        .get("/rest/people?depth=1&filter=name.firstName[eq]:Peter")
        .await
        .expect_status(200);
    assert!(
        after["data"]["people"][0]["company"].is_null(),
        "a record in the trash is not embedded"
    );

    let picked = owner
        .get(&format!(
            "/rest/people/{}?fields=name,companyId",
            id_of(&hank)
        ))
        .await
        .expect_status(200);
    let mut keys: Vec<&String> = picked["data"]["person"]
        .as_object()
        .expect("person")
        .keys()
        .collect();
    keys.sort();
    assert_eq!(keys, ["companyId", "id", "name"]);
    let listed = owner
        .get("/rest/people?fields=jobTitle&limit=1")
        .await
        .expect_status(200);
    assert_eq!(
        listed["data"]["people"][0].as_object().map(|o| o.len()),
        Some(2)
    );
    owner
        .get("/rest/people?depth=2")
        .await
        .expect_error(400, "validation_failed");
    owner
        .get("/rest/people?fields=shoeSize")
        .await
        .expect_error(400, "validation_failed");
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
    let no_key = upsert(json!({ "jobTitle": "CTO" }))
        .await
        .expect_error(400, "validation_failed");
    assert!(
        no_key["message"]
            .as_str()
            .unwrap_or_default()
            .contains("emails"),
        "{no_key}"
    );
    owner
        .post("/rest/companies?upsert=true", json!({ "name": "Acme" }))
        .await
        .expect_error(400, "validation_failed");

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
        .expect_error(400, "validation_failed");
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

/// A workspace file from before the search index's record map: the map is filled on the next
/// start, so changing a record still replaces its entry instead of leaving the old one behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_sqlite_file_gets_its_search_map_filled() {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Sqlite, &dir).await;
    let settings = database.settings(&dir);
    let app = TestApp::start_with(Backend::Sqlite, settings).await;
    let (owner, ws) = workspace(&app).await;
    let ada = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" } }),
    )
    .await;
    app.stop().await;

    let file = dir.path().join("workspaces").join(format!(
        "{}.db",
        uuid::Uuid::parse_str(&ws).expect("uuid").simple()
    ));
    {
        use sqlx::Connection as _;
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("open the workspace file");
        sqlx::query("DROP TABLE _kith_search_docs")
            .execute(&mut conn)
            .await
            .expect("drop the map");
        conn.close().await.expect("close");
    }

    let app = TestApp::start_with(Backend::Sqlite, settings).await;
    let owner = app.login("owner@example.com").await.in_workspace(&ws);
    owner
        .patch(
            &format!("/rest/people/{}", id_of(&ada)),
            json!({ "name": { "lastName": "Byron" } }),
        )
        .await
        .expect_status(200);
    let labels = |q: &'static str| {
        let owner = owner.clone();
        async move {
            let hits = owner
                .get(&format!("/rest/search?q={q}"))
                .await
                .expect_status(200);
            hits["data"]["search"]
                .as_array()
                .expect("hits")
                .iter()
                .filter_map(|h| h["label"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(labels("byro").await, ["Ada Byron"]);
    assert!(labels("lovel").await.is_empty(), "the old entry is gone");
}

/// A PostgreSQL schema made when the database found the search words itself (a generated column)
/// and kept events' changes as `JSONB` is brought up to date when a workspace opens: its old
/// entries are still found, new records, changes and timelines work, and the catch-up with field
/// changes indexes the old records again with words split as queries are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_postgres_schema_is_brought_up_to_date() {
    use sqlx::Connection as _;
    if !kith_testkit::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let settings = database.settings(&dir);
    let app = TestApp::start_with(Backend::Postgres, settings).await;
    let (owner, ws) = workspace(&app).await;
    let ada = create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "jobTitle": "Engineer" }),
    )
    .await;
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Zoë", "lastName": "Ådahl" } }),
    )
    .await;
    app.stop().await;

    let schema = kith_testkit::workspace_schema(&ws);
    let mut conn = sqlx::PgConnection::connect(&database.url)
        .await
        .expect("connect");
    let old_layout = [
        format!("ALTER TABLE \"{schema}\"._kith_search DROP COLUMN words"),
        // Split as a database that knows only ASCII letters would split them.
        format!(
            "ALTER TABLE \"{schema}\"._kith_search ADD COLUMN words TSVECTOR GENERATED ALWAYS AS \
             (to_tsvector('simple', regexp_replace(label || ' ' || body, '[^a-zA-Z0-9]+', ' ', 'g'))) STORED"
        ),
        format!("CREATE INDEX kith_search_words ON \"{schema}\"._kith_search USING GIN (words)"),
        format!(
            "ALTER TABLE \"{schema}\"._kith_events ALTER COLUMN changes TYPE JSONB USING changes::jsonb"
        ),
    ];
    for statement in &old_layout {
        sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    assert_eq!(
        words_and_changes(&mut conn, &schema).await,
        "changes jsonb NEVER, words tsvector ALWAYS"
    );

    let app = TestApp::start_with(Backend::Postgres, settings).await;
    let owner = app.login("owner@example.com").await.in_workspace(&ws);
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Grace", "lastName": "Hopper" } }),
    )
    .await;
    assert_eq!(
        words_and_changes(&mut conn, &schema).await,
        "changes text NEVER, words tsvector NEVER"
    );
    conn.close().await.expect("close");
    owner
        .post(
            "/rest/batch/people",
            json!([{ "name": { "firstName": "Alan", "lastName": "Turing" } }]),
        )
        .await
        .expect_status(201);
    for (query, label) in [
        ("lovel", "Ada Lovelace"),
        ("engin", "Ada Lovelace"),
        ("hopp", "Grace Hopper"),
        ("turi", "Alan Turing"),
    ] {
        let hits = owner
            .get(&format!("/rest/search?q={query}"))
            .await
            .expect_status(200);
        assert_eq!(hits["data"]["search"][0]["label"], label, "{query}: {hits}");
    }
    let zoe = || async {
        owner
            .get("/rest/search?q=zo%C3%AB")
            .await
            .expect_status(200)["data"]["search"]
            .clone()
    };
    assert_eq!(zoe().await, json!([]), "her old entry has `zo` and `dahl`");
    let workspace_id = uuid::Uuid::parse_str(&ws).expect("workspace id");
    let reindexed = app
        .db()
        .data_for_system_job(workspace_id)
        .await
        .expect("workspace data")
        .catch_up_fields()
        .await
        .expect("catch up");
    assert_eq!(reindexed, 4, "the four people");
    assert_eq!(zoe().await[0]["label"], "Zoë Ådahl");

    let path = format!("/rest/people/{}", id_of(&ada));
    let events = engineer_becomes_cto(&owner, &path).await;
    assert_eq!(
        events[1]["changes"]["jobTitle"],
        json!({ "before": null, "after": "Engineer" }),
        "the event written as JSONB reads the same"
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
    // Watched from a connection of its own: inside a transaction, pg_stat_activity stays as it
    // was first read.
    let mut watcher = sqlx::PgConnection::connect(&admin).await.expect("connect");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
        )
        .bind(format!("COPY \"{schema}\".%"))
        .fetch_one(&mut watcher)
        .await
        .expect("activity");
        if waiting > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the batch's COPY never waited on the erased company"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sqlx::query("COMMIT")
        .execute(&mut eraser)
        .await
        .expect("commit the erasure");
    eraser.close().await.expect("close");
    watcher.close().await.expect("close");

    let fields = batch
        .await
        .expect("batch task")
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["[1].companyId"]);
    assert_eq!(app.count_stored(&ws, "people", "1 = 1").await, 0);
}

/// The type of a PostgreSQL workspace's search words and events' changes, and whether each is
/// generated.
async fn words_and_changes(conn: &mut sqlx::PgConnection, schema: &str) -> String {
    sqlx::query_scalar(
        "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_generated, ', ' \
         ORDER BY column_name) FROM information_schema.columns WHERE table_schema = $1 \
         AND column_name IN ('words', 'changes')",
    )
    .bind(schema)
    .fetch_one(conn)
    .await
    .expect("columns")
}

/// A workspace file's write-ahead log is folded back into the file in the background, long
/// before the writer's own checkpoint (at 60,000 pages, about 240 MiB) would do it, and the log
/// file is emptied once writes stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_files_log_is_folded_back_in_the_background() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (owner, ws) = workspace(&app).await;
    let file = app.workspace_file(&ws);
    let size = || std::fs::metadata(&file).map_or(0, |m| m.len());
    let before = size();
    let people: Vec<Value> = (0..1000)
        .map(|i| json!({ "name": { "firstName": format!("Person{i}"), "lastName": "Folded" }, "jobTitle": "A title long enough to fill some pages" }))
        .collect();
    owner
        .post("/rest/batch/people", Value::Array(people))
        .await
        .expect_status(201);
    // At least the rows themselves (about 100 bytes each) must reach the file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while size() < before + 100_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the file stayed at {} bytes (from {before})",
            size()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = file.with_extension("db-wal");
    while std::fs::metadata(&log).map_or(0, |m| m.len()) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} kept its size",
            log.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A new workspace file stores events by their id, with no rowid table beside them; a file made
/// before, whose events table has a rowid, keeps it and its timelines read and grow as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timelines_work_on_both_layouts_of_the_events_table() {
    use sqlx::{Connection, SqliteConnection};
    let app = TestApp::start(Backend::Sqlite).await;
    let (owner, ws) = workspace(&app).await;
    let person = create(&owner, "people", json!({ "jobTitle": "Engineer" })).await;
    let path = format!("/rest/people/{}", id_of(&person));
    let url = format!("sqlite://{}", app.workspace_file(&ws).display());
    let mut file = SqliteConnection::connect(&url)
        .await
        .expect("open the file");
    let rowid = "SELECT count(rowid) FROM _kith_events";
    assert!(
        sqlx::query(rowid).execute(&mut file).await.is_err(),
        "a new file's events table has no rowid"
    );

    let table: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = '_kith_events'")
            .fetch_one(&mut file)
            .await
            .expect("events table");
    let old_layout =
        table
            .replace("WITHOUT ROWID", "")
            .replacen("\"_kith_events\"", "\"_kith_events_old\"", 1);
    for statement in [
        old_layout.as_str(),
        "INSERT INTO _kith_events_old SELECT * FROM _kith_events",
        "DROP TABLE _kith_events",
        "ALTER TABLE _kith_events_old RENAME TO _kith_events",
        "CREATE INDEX kith_events_record ON _kith_events (record_id, at)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut file)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let rows: i64 = sqlx::query_scalar(rowid)
        .fetch_one(&mut file)
        .await
        .expect("the old layout has a rowid");
    assert_eq!(rows, 1, "the created event moved to the old layout");
    file.close().await.expect("close");

    engineer_becomes_cto(&owner, &path).await;
}

/// Changes a person's job title from Engineer to CTO: the timeline shows the change above the
/// creation. Gives the events, newest first.
async fn engineer_becomes_cto(owner: &TestClient, path: &str) -> Vec<Value> {
    owner
        .patch(path, json!({ "jobTitle": "CTO" }))
        .await
        .expect_status(200);
    let (events, kinds) = timeline_of(owner, path).await;
    assert_eq!(kinds, ["updated", "created"], "{events:?}");
    assert_eq!(
        events[0]["changes"],
        json!({ "jobTitle": { "before": "Engineer", "after": "CTO" } })
    );
    events
}
