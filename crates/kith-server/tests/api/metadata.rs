//! Custom objects and fields: created, renamed, hidden and deleted through the metadata API, and
//! usable at once through the records API.

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    a_custom_object_takes_every_field_type,
    renames_touch_metadata_only,
    fields_hide_and_custom_ones_delete,
    removed_select_options_are_replaced_in_records,
    metadata_changes_need_an_admin_or_the_metadata_scope,
    field_rules_are_checked_and_nothing_half_made,
    unique_and_required_custom_fields,
    sensitive_text_is_encrypted_masked_and_kept_out_of_history,
    field_changes_reach_search_and_deleted_values_are_erased,
);

async fn workspace(app: &TestApp) -> (TestClient, String) {
    let (owner, id) = app.owner_with_workspace("owner@example.com").await;
    (owner.in_workspace(&id), id)
}

async fn create_object(client: &TestClient, singular: &str, plural: &str) -> Value {
    let body = json!({ "nameSingular": singular, "namePlural": plural, "labelSingular": "Deal", "labelPlural": "Deals" });
    client
        .post("/rest/metadata/objects", body)
        .await
        .expect_status(201)["data"]["createOneObject"]
        .clone()
}

async fn create_field(client: &TestClient, object_id: &Value, body: Value) -> Value {
    let mut body = body;
    body["objectMetadataId"] = object_id.clone();
    if body.get("label").is_none() {
        body["label"] = json!("Label");
    }
    client
        .post("/rest/metadata/fields", body)
        .await
        .expect_status(201)["data"]["createOneField"]
        .clone()
}

/// The labels `q` finds, once they are `expected`: the search index catches up with a field
/// change in the background, so this waits up to ten seconds before failing.
async fn search_becomes(client: &TestClient, q: &str, expected: &[&str]) {
    let mut labels = Vec::new();
    for _ in 0..100 {
        let reply = client
            .get(&format!("/rest/search?q={q}"))
            .await
            .expect_status(200);
        labels = reply["data"]["search"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["label"].as_str().map(str::to_owned))
            .collect::<Vec<_>>();
        if labels == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("search for {q:?} still finds {labels:?}, not {expected:?}");
}

fn options(values: &[&str]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| json!({ "value": v, "label": v.to_lowercase(), "color": "blue" }))
            .collect(),
    )
}

async fn a_custom_object_takes_every_field_type(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deal = create_object(&owner, "deal", "deals").await;
    let id = &deal["id"];
    let fields = [
        json!({ "name": "summary", "type": "TEXT" }),
        json!({ "name": "seats", "type": "NUMBER" }),
        json!({ "name": "discount", "type": "NUMERIC" }),
        json!({ "name": "signed", "type": "BOOLEAN" }),
        json!({ "name": "startsOn", "type": "DATE" }),
        json!({ "name": "signedAt", "type": "DATE_TIME" }),
        json!({ "name": "value", "type": "CURRENCY" }),
        json!({ "name": "champion", "type": "FULL_NAME" }),
        json!({ "name": "contactEmails", "type": "EMAILS" }),
        json!({ "name": "contactPhones", "type": "PHONES" }),
        json!({ "name": "links", "type": "LINKS" }),
        json!({ "name": "billingAddress", "type": "ADDRESS" }),
        json!({ "name": "tier", "type": "SELECT", "options": options(&["GOLD", "SILVER"]) }),
        json!({ "name": "products", "type": "MULTI_SELECT", "options": options(&["CRM", "API", "MCP"]) }),
        json!({ "name": "fit", "type": "RATING" }),
        json!({ "name": "account", "type": "RELATION", "relation": { "target": "company", "onDelete": "SET_NULL", "inverseName": "deals" } }),
        json!({ "name": "notesText", "type": "RICH_TEXT" }),
        json!({ "name": "extra", "type": "RAW_JSON" }),
        json!({ "name": "tags", "type": "ARRAY" }),
        json!({ "name": "passcode", "type": "SENSITIVE_TEXT" }),
    ];
    for field in fields {
        create_field(&owner, id, field).await;
    }
    let company = owner
        .post("/rest/companies", json!({ "name": "Globex" }))
        .await
        .expect_status(201)["data"]["createCompany"]
        .clone();
    let input = json!({
        "name": "Globex expansion",
        "summary": "Three more teams",
        "seats": 40,
        "discount": 0.15,
        "signed": true,
        "startsOn": "2025-02-01",
        "signedAt": "2025-01-20T16:00:00.000Z",
        "value": { "amountMicros": 48_000_000_000_i64, "currencyCode": "EUR" },
        "champion": { "firstName": "Hank", "lastName": "Scorpio" },
        "contactEmails": { "primaryEmail": "hank@globex.com", "additionalEmails": [] },
        "contactPhones": { "primaryPhoneNumber": "555 0199", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1", "additionalPhones": [] },
        "links": { "primaryLinkUrl": "https://globex.com/deal", "primaryLinkLabel": "Deal room", "secondaryLinks": [] },
        "billingAddress": { "addressStreet1": "1 Globex Way", "addressStreet2": "", "addressCity": "Cypress Creek", "addressState": "",
                            "addressPostcode": "", "addressCountry": "United States", "addressLat": null, "addressLng": null },
        "tier": "GOLD",
        "products": ["CRM", "MCP"],
        "fit": "RATING_5",
        "accountId": company["id"],
        "notesText": "Wants *everything*",
        "extra": { "source": "fair", "score": 9 },
        "tags": ["expansion", "q1"],
    });
    let created = owner
        .post("/rest/deals", input.clone())
        .await
        .expect_status(201)["data"]["createDeal"]
        .clone();
    for (key, value) in input.as_object().expect("object") {
        assert_eq!(&created[key], value, "deal.{key}");
    }
    owner
        .post(
            "/rest/deals",
            json!({ "name": "Small", "products": ["API"], "seats": 3, "tier": "SILVER" }),
        )
        .await
        .expect_status(201);
    let hits = |filter: &str| {
        let owner = owner.clone();
        let path = format!("/rest/deals?filter={filter}&order_by=seats[DescNullsLast]");
        async move {
            let page = owner.get(&path).await.expect_status(200);
            page["data"]["deals"]
                .as_array()
                .expect("deals")
                .iter()
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        hits("products[containsAny]:[MCP,API]").await,
        ["Globex expansion", "Small"]
    );
    assert_eq!(
        hits("products[containsAny]:[MCP]").await,
        ["Globex expansion"]
    );
    // A raw JSON value that is an object holds no list items (PostgreSQL refused to look).
    assert_eq!(
        hits("extra[containsAny]:[fair]").await,
        Vec::<String>::new()
    );
    assert_eq!(hits("tier[eq]:SILVER").await, ["Small"]);
    assert_eq!(hits("fit[eq]:RATING_5").await, ["Globex expansion"]);
    assert_eq!(
        hits("value.amountMicros[gt]:1000000").await,
        ["Globex expansion"]
    );
    assert_eq!(
        hits(&format!(
            "accountId[eq]:{}",
            company["id"].as_str().unwrap_or_default()
        ))
        .await,
        ["Globex expansion"]
    );
    owner
        .post("/rest/deals", json!({ "products": ["CRM", "ERP"] }))
        .await
        .expect_error(400, "validation_failed");
    let fields = owner.get("/rest/metadata/fields").await.expect_status(200);
    let deal_fields = fields["data"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["objectMetadataId"] == *id)
        .count();
    assert_eq!(deal_fields, 21, "name plus the twenty added");

    // A batch answers each record exactly as reading it back does (it is built from the cells
    // written, not read back): full, sparse with defaults, and a sensitive value.
    let mut full = input.clone();
    full["passcode"] = json!("open sesame");
    full["extra"] = json!({ "weight": 1.5, "nested": [1, "two", null] });
    let batch = owner
        .post(
            "/rest/batch/deals",
            json!([full, { "name": "Sparse" }, { "seats": 7, "passcode": "x" }]),
        )
        .await
        .expect_status(201)["data"]["createDeals"]
        .clone();
    let batch = batch.as_array().expect("created deals");
    assert_eq!(batch.len(), 3);
    assert_eq!(batch[0]["passcode"], "open sesame", "owners see the value");
    for record in batch {
        let read = owner
            .get(&format!(
                "/rest/deals/{}",
                record["id"].as_str().unwrap_or_default()
            ))
            .await
            .expect_status(200)["data"]["deal"]
            .clone();
        assert_eq!(record, &read);
    }
}

async fn renames_touch_metadata_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deal = create_object(&owner, "deal", "deals").await;
    let seats = create_field(
        &owner,
        &deal["id"],
        json!({ "name": "seats", "type": "NUMBER" }),
    )
    .await;
    let project = create_object(&owner, "project", "projects").await;
    create_field(&owner, &project["id"], json!({ "name": "deal", "type": "RELATION", "relation": { "target": "deal", "inverseName": "projects" } })).await;
    let record = owner
        .post("/rest/deals", json!({ "name": "Big", "seats": 12 }))
        .await
        .expect_status(201)["data"]["createDeal"]
        .clone();

    let renamed = owner
        .patch(
            &format!(
                "/rest/metadata/fields/{}",
                seats["id"].as_str().unwrap_or_default()
            ),
            json!({ "name": "licences", "label": "Licences" }),
        )
        .await;
    assert_eq!(
        renamed.expect_status(200)["data"]["updateOneField"]["name"],
        "licences"
    );
    let object_path = format!(
        "/rest/metadata/objects/{}",
        deal["id"].as_str().unwrap_or_default()
    );
    let renamed = owner.patch(&object_path, json!({ "nameSingular": "opportunityDeal", "namePlural": "opportunityDeals", "labelPlural": "Big deals" })).await;
    assert_eq!(
        renamed.expect_status(200)["data"]["updateOneObject"]["labelPlural"],
        "Big deals"
    );

    owner
        .get("/rest/deals")
        .await
        .expect_error(404, "not_found");
    let fetched = owner
        .get(&format!(
            "/rest/opportunityDeals/{}",
            record["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(200);
    let fetched = &fetched["data"]["opportunityDeal"];
    assert_eq!(
        (fetched["licences"].as_i64(), fetched.get("seats")),
        (Some(12), None),
        "values kept under the new name"
    );
    let linked = owner
        .post(
            "/rest/projects",
            json!({ "name": "Rollout", "dealId": record["id"] }),
        )
        .await
        .expect_status(201);
    assert_eq!(
        linked["data"]["createProject"]["dealId"], record["id"],
        "the relation followed the rename"
    );
    let standard = owner.get("/rest/metadata/objects").await.expect_status(200)["data"]["objects"]
        [0]["id"]
        .clone();
    let refused = owner
        .patch(
            &format!(
                "/rest/metadata/objects/{}",
                standard.as_str().unwrap_or_default()
            ),
            json!({ "namePlural": "firms" }),
        )
        .await;
    refused.expect_error(400, "validation_failed");
    owner
        .patch(&object_path, json!({ "namePlural": "companies" }))
        .await
        .expect_error(409, "conflict");
}

async fn fields_hide_and_custom_ones_delete(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let company = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["nameSingular"] == "company")
        .cloned()
        .expect("company");
    let employees = company["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "employees")
        .cloned()
        .expect("employees");
    let employees_path = format!(
        "/rest/metadata/fields/{}",
        employees["id"].as_str().unwrap_or_default()
    );
    owner
        .delete(&employees_path)
        .await
        .expect_error(400, "bad_request");
    owner
        .patch(&employees_path, json!({ "isActive": false }))
        .await
        .expect_status(200);
    let created = owner
        .post("/rest/companies", json!({ "name": "Acme" }))
        .await
        .expect_status(201)["data"]["createCompany"]
        .clone();
    assert!(
        created.get("employees").is_none(),
        "a hidden field is not shown"
    );
    owner
        .post("/rest/companies", json!({ "employees": 3 }))
        .await
        .expect_error(400, "validation_failed");
    owner
        .get("/rest/companies?filter=employees[gt]:1")
        .await
        .expect_error(400, "validation_failed");
    owner
        .patch(&employees_path, json!({ "isActive": true }))
        .await
        .expect_status(200);
    owner
        .post("/rest/companies", json!({ "employees": 3 }))
        .await
        .expect_status(201);

    let budget = create_field(
        &owner,
        &company["id"],
        json!({ "name": "budget", "type": "NUMBER" }),
    )
    .await;
    owner
        .post(
            "/rest/companies",
            json!({ "name": "Rich", "budget": 1_000_000 }),
        )
        .await
        .expect_status(201);
    owner
        .delete(&format!(
            "/rest/metadata/fields/{}",
            budget["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(200);
    let listed = owner
        .get("/rest/companies?filter=name[eq]:Rich")
        .await
        .expect_status(200);
    assert!(listed["data"]["companies"][0].get("budget").is_none());
    let again = create_field(
        &owner,
        &company["id"],
        json!({ "name": "budget", "type": "TEXT" }),
    )
    .await;
    assert_ne!(again["id"], budget["id"]);
    let fresh = owner
        .get("/rest/companies?filter=name[eq]:Rich")
        .await
        .expect_status(200);
    assert!(
        fresh["data"]["companies"][0]["budget"].is_null(),
        "a new field starts empty: {}",
        fresh["data"]["companies"][0]
    );

    owner
        .delete(&format!(
            "/rest/metadata/objects/{}",
            company["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_error(400, "bad_request");
    let deal = create_object(&owner, "deal", "deals").await;
    let project = create_object(&owner, "project", "projects").await;
    let link = create_field(&owner, &project["id"], json!({ "name": "deal", "type": "RELATION", "relation": { "target": "deal", "inverseName": "projects" } })).await;
    let deal_path = format!(
        "/rest/metadata/objects/{}",
        deal["id"].as_str().unwrap_or_default()
    );
    owner.delete(&deal_path).await.expect_error(409, "conflict");
    owner
        .delete(&format!(
            "/rest/metadata/fields/{}",
            link["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(200);
    owner
        .post("/rest/deals", json!({ "name": "Gone soon" }))
        .await
        .expect_status(201);
    owner.delete(&deal_path).await.expect_status(200);
    owner
        .get("/rest/deals")
        .await
        .expect_error(404, "not_found");
    create_object(&owner, "deal", "deals").await;
    let recreated = owner.get("/rest/deals?count=true").await.expect_status(200);
    assert_eq!(recreated["totalCount"], 0);
    if backend == Backend::Sqlite {
        // The deleted object's search entries went, and so did their rows in the record map.
        let entries = app.count_stored(&ws, "_kith_search", "1 = 1").await;
        assert!(entries > 0);
        assert_eq!(
            app.count_stored(&ws, "_kith_search_docs", "1 = 1").await,
            entries
        );
    }
}

async fn removed_select_options_are_replaced_in_records(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deal = create_object(&owner, "deal", "deals").await;
    let tier = create_field(&owner, &deal["id"], json!({ "name": "tier", "type": "SELECT", "options": options(&["GOLD", "SILVER", "BRONZE"]) })).await;
    let tags = create_field(
        &owner,
        &deal["id"],
        json!({ "name": "tags", "type": "MULTI_SELECT", "options": options(&["A", "B", "C"]) }),
    )
    .await;
    for (name, tier_value, tag_values) in [
        ("one", "GOLD", json!(["A", "B"])),
        ("two", "BRONZE", json!(["B"])),
        ("three", "SILVER", json!(["C"])),
    ] {
        owner
            .post(
                "/rest/deals",
                json!({ "name": name, "tier": tier_value, "tags": tag_values }),
            )
            .await
            .expect_status(201);
    }
    let tier_path = format!(
        "/rest/metadata/fields/{}",
        tier["id"].as_str().unwrap_or_default()
    );
    let bad = owner.patch(&tier_path, json!({ "options": options(&["GOLD", "SILVER"]), "removedOptionReplacement": "PLATINUM" })).await;
    bad.expect_error(400, "validation_failed");
    owner.patch(&tier_path, json!({ "options": options(&["GOLD", "SILVER"]), "removedOptionReplacement": "SILVER" })).await.expect_status(200);
    owner
        .patch(
            &format!(
                "/rest/metadata/fields/{}",
                tags["id"].as_str().unwrap_or_default()
            ),
            json!({ "options": options(&["A", "C"]) }),
        )
        .await
        .expect_status(200);
    let deals = owner
        .get("/rest/deals?order_by=name")
        .await
        .expect_status(200);
    let rows: Vec<(String, Value, Value)> = deals["data"]["deals"]
        .as_array()
        .expect("deals")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or_default().to_owned(),
                d["tier"].clone(),
                d["tags"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("one".to_owned(), json!("GOLD"), json!(["A"])),
            ("three".to_owned(), json!("SILVER"), json!(["C"])),
            ("two".to_owned(), json!("SILVER"), json!([])),
        ]
    );
    owner
        .post("/rest/deals", json!({ "tier": "BRONZE" }))
        .await
        .expect_error(400, "validation_failed");
}

async fn metadata_changes_need_an_admin_or_the_metadata_scope(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let member = member.in_workspace(&ws);
    let body = json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "Deal", "labelPlural": "Deals" });
    member
        .post("/rest/metadata/objects", body.clone())
        .await
        .expect_error(403, "forbidden");
    member
        .get("/rest/metadata/objects")
        .await
        .expect_status(200);

    let token = |scopes: Value| {
        let owner = owner.clone();
        let ws = ws.clone();
        async move {
            let created = owner
                .post(
                    &format!("/api/v1/workspaces/{ws}/tokens"),
                    json!({ "name": "T", "scopes": scopes }),
                )
                .await;
            created.expect_status(201)["token"]
                .as_str()
                .expect("token")
                .to_owned()
        }
    };
    let records_only = token(json!(["records:read", "records:write"])).await;
    let post = |token: String, body: Value| {
        kith_testkit::send(
            reqwest::Client::new()
                .post(app.url("/rest/metadata/objects"))
                .bearer_auth(token)
                .json(&body),
        )
    };
    post(records_only, body.clone())
        .await
        .expect_error(403, "forbidden");
    let metadata = token(json!(["metadata:write"])).await;
    post(metadata, body).await.expect_status(201);
}

async fn field_rules_are_checked_and_nothing_half_made(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deal = create_object(&owner, "deal", "deals").await;
    let cases = [
        (json!({ "name": "Bad Name", "type": "TEXT" }), "name"),
        (json!({ "name": "createdAt", "type": "TEXT" }), "name"),
        (json!({ "name": "tier", "type": "SELECT" }), "options"),
        (
            json!({ "name": "tier", "type": "SELECT", "options": [{ "value": "gold", "label": "Gold" }] }),
            "options",
        ),
        (
            json!({ "name": "tier", "type": "SELECT", "options": [{ "value": "A", "label": "A" }, { "value": "A", "label": "B" }] }),
            "options",
        ),
        (
            json!({ "name": "note", "type": "TEXT", "options": options(&["A"]) }),
            "options",
        ),
        (json!({ "name": "owner", "type": "RELATION" }), "relation"),
        (
            json!({ "name": "owner", "type": "RELATION", "relation": { "target": "unicorn", "inverseName": "deals" } }),
            "relation.target",
        ),
        (
            json!({ "name": "flag", "type": "BOOLEAN", "isUnique": true }),
            "isUnique",
        ),
        (
            json!({ "name": "seats", "type": "NUMBER", "defaultValue": "many" }),
            "defaultValue",
        ),
        (
            json!({ "name": "seats", "type": "NUMBER", "label": "" }),
            "label",
        ),
    ];
    for (body, field) in cases {
        let mut body = body;
        body["objectMetadataId"] = deal["id"].clone();
        if body.get("label").is_none() {
            body["label"] = json!("L");
        }
        let error = owner
            .post("/rest/metadata/fields", body.clone())
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{body}: {error}");
    }
    let unknown_type =
        json!({ "objectMetadataId": deal["id"], "name": "x", "label": "X", "type": "HOLOGRAM" });
    owner
        .post("/rest/metadata/fields", unknown_type)
        .await
        .expect_error(400, "validation_failed");
    let duplicate = json!({ "objectMetadataId": deal["id"], "name": "name", "label": "Name again", "type": "TEXT" });
    owner
        .post("/rest/metadata/fields", duplicate)
        .await
        .expect_error(409, "conflict");
    let object = owner
        .get(&format!(
            "/rest/metadata/objects/{}",
            deal["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect_status(200);
    assert_eq!(
        object["data"]["object"]["fields"].as_array().map(Vec::len),
        Some(1),
        "no refused field was added"
    );
    let bad_objects = [
        (
            json!({ "nameSingular": "Deal", "namePlural": "deals", "labelSingular": "D", "labelPlural": "Ds" }),
            "nameSingular",
        ),
        (
            json!({ "nameSingular": "deal", "namePlural": "deal", "labelSingular": "D", "labelPlural": "Ds" }),
            "namePlural",
        ),
        (
            json!({ "nameSingular": "widget", "namePlural": "widgets", "labelSingular": "", "labelPlural": "Ws" }),
            "labelSingular",
        ),
    ];
    for (body, field) in bad_objects {
        let error = owner
            .post("/rest/metadata/objects", body.clone())
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{body}");
    }
    let taken = json!({ "nameSingular": "person", "namePlural": "persons", "labelSingular": "P", "labelPlural": "Ps" });
    owner
        .post("/rest/metadata/objects", taken)
        .await
        .expect_error(409, "conflict");
}

async fn unique_and_required_custom_fields(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deal = create_object(&owner, "deal", "deals").await;
    let code = create_field(
        &owner,
        &deal["id"],
        json!({ "name": "code", "type": "TEXT", "isUnique": true }),
    )
    .await;
    owner
        .post("/rest/deals", json!({ "code": "D-1" }))
        .await
        .expect_status(201);
    let duplicate = owner
        .post("/rest/deals", json!({ "code": "D-1" }))
        .await
        .expect_error(409, "conflict");
    assert_eq!(duplicate["details"][0]["field"], "code");
    let region = create_field(
        &owner,
        &deal["id"],
        json!({ "name": "region", "type": "TEXT" }),
    )
    .await;
    owner
        .post("/rest/deals", json!({ "code": "D-2", "region": "EU" }))
        .await
        .expect_status(201);
    owner
        .post("/rest/deals", json!({ "code": "D-3", "region": "EU" }))
        .await
        .expect_status(201);
    let region_path = format!(
        "/rest/metadata/fields/{}",
        region["id"].as_str().unwrap_or_default()
    );
    owner
        .patch(&region_path, json!({ "isUnique": true }))
        .await
        .expect_error(409, "conflict");
    owner
        .patch(
            &format!(
                "/rest/metadata/fields/{}",
                code["id"].as_str().unwrap_or_default()
            ),
            json!({ "isUnique": false }),
        )
        .await
        .expect_status(200);
    owner
        .post("/rest/deals", json!({ "code": "D-1" }))
        .await
        .expect_status(201);

    create_field(
        &owner,
        &deal["id"],
        json!({ "name": "stage", "type": "TEXT", "isNullable": false, "defaultValue": "open" }),
    )
    .await;
    create_field(
        &owner,
        &deal["id"],
        json!({ "name": "owner", "type": "TEXT", "isNullable": false }),
    )
    .await;
    let missing = owner
        .post("/rest/deals", json!({ "code": "D-9" }))
        .await
        .expect_error(400, "validation_failed");
    assert_eq!(missing["details"][0]["field"], "owner");
    let made = owner
        .post("/rest/deals", json!({ "owner": "Ada" }))
        .await
        .expect_status(201);
    assert_eq!(made["data"]["createDeal"]["stage"], "open");
    let id = made["data"]["createDeal"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    owner
        .patch(&format!("/rest/deals/{id}"), json!({ "owner": null }))
        .await
        .expect_error(400, "validation_failed");
}

async fn sensitive_text_is_encrypted_masked_and_kept_out_of_history(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let person = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["nameSingular"] == "person")
        .cloned()
        .expect("person");
    let iban = create_field(
        &owner,
        &person["id"],
        json!({ "name": "iban", "type": "SENSITIVE_TEXT", "label": "IBAN" }),
    )
    .await;
    const SECRET: &str = "FR76 3000 6000 0112 3456 7890 189";
    let created = owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Ada", "lastName": "L" }, "iban": SECRET }),
        )
        .await
        .expect_status(201);
    let id = created["data"]["createPerson"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(created["data"]["createPerson"]["iban"], SECRET);
    assert_eq!(
        owner
            .get(&format!("/rest/people/{id}"))
            .await
            .expect_status(200)["data"]["person"]["iban"],
        SECRET
    );
    owner
        .patch(
            &format!("/rest/people/{id}"),
            json!({ "iban": "DE89 3704 0044 0532 0130 00" }),
        )
        .await
        .expect_status(200);

    let timeline = owner
        .get(&format!("/rest/people/{id}/timeline"))
        .await
        .expect_status(200);
    let history = timeline.to_string();
    assert!(
        !history.contains("FR76") && !history.contains("DE89"),
        "values never enter the history: {history}"
    );
    assert_eq!(
        timeline["data"]["timeline"][0]["changes"]["iban"],
        json!({ "changed": true })
    );
    owner
        .get("/rest/people?filter=iban[eq]:x")
        .await
        .expect_error(400, "validation_failed");
    owner
        .get("/rest/people?order_by=iban")
        .await
        .expect_error(400, "validation_failed");
    assert!(
        owner.get("/rest/search?q=DE89").await.expect_status(200)["data"]["search"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let (viewer, _) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let seen = viewer
        .in_workspace(&ws)
        .get(&format!("/rest/people/{id}"))
        .await
        .expect_status(200);
    assert_eq!(seen["data"]["person"]["iban"], "••••••");

    let column = iban["column"].as_str().expect("column").to_owned();
    match backend {
        Backend::Sqlite => {
            let dir = app.data_dir().join("workspaces");
            let mut stored = Vec::new();
            for entry in std::fs::read_dir(&dir).expect("workspace files") {
                stored.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
            }
            let text = String::from_utf8_lossy(&stored);
            assert!(text.contains(&column), "the table is in these files");
            assert!(
                !text.contains("DE89 3704") && !text.contains("FR76 3000"),
                "no plaintext on disk"
            );
            let key = app.data_dir().join("secret.key");
            #[cfg(unix)]
            assert_eq!(
                std::os::unix::fs::PermissionsExt::mode(
                    &std::fs::metadata(&key).expect("key file").permissions()
                ) & 0o777,
                0o600
            );
        }
        Backend::Postgres => {
            use sqlx::Connection as _;
            let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("url");
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            let schema = kith_testkit::workspace_schema(&ws);
            let sql = format!("SELECT \"{column}\" FROM \"{schema}\".\"people\"");
            let stored: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .expect("query");
            let stored = stored.into_iter().flatten().next().expect("a stored value");
            assert!(
                !String::from_utf8_lossy(&stored).contains("DE89"),
                "no plaintext in the database"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_different_key_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("dir");
    let database_guard = kith_testkit::test_database(Backend::Sqlite, &dir).await;
    let url = database_guard.url.clone();
    let first_key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="; // 32 bytes of 'A', base64
    let settings = |key: &'static str| {
        let url = url.clone();
        let dir = dir.path().to_owned();
        move |s: &mut kith_server::Settings| {
            s.database_url = Some(url);
            s.data_dir = Some(dir);
            s.secret_key = Some(key.into());
        }
    };
    let app = TestApp::start_with(Backend::Sqlite, settings(first_key)).await;
    let (owner, ws) = workspace(&app).await;
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let person = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["nameSingular"] == "person")
        .cloned()
        .expect("person");
    create_field(
        &owner,
        &person["id"],
        json!({ "name": "iban", "type": "SENSITIVE_TEXT" }),
    )
    .await;
    let created = owner
        .post("/rest/people", json!({ "iban": "secret" }))
        .await
        .expect_status(201);
    let id = created["data"]["createPerson"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.stop().await;

    let other_key = "4242424242424242424242424242424242424242424242424242424242424242";
    let restarted = TestApp::start_with(Backend::Sqlite, settings(other_key)).await;
    let client = restarted.login("owner@example.com").await;
    let refused = client
        .in_workspace(&ws)
        .get(&format!("/rest/people/{id}"))
        .await
        .expect_error(500, "internal");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("KITH_SECRET_KEY"),
        "{refused}"
    );
}

async fn field_changes_reach_search_and_deleted_values_are_erased(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let person = objects["data"]["objects"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["nameSingular"] == "person"))
        .map(|o| o["id"].clone())
        .expect("person");
    let nickname = create_field(
        &owner,
        &person,
        json!({ "name": "nickname", "type": "TEXT" }),
    )
    .await;
    let path = format!(
        "/rest/metadata/fields/{}",
        nickname["id"].as_str().unwrap_or_default()
    );
    for (first, nick) in [("Ada", "Zorroque"), ("Grace", "Amazing")] {
        owner
            .post(
                "/rest/batch/people",
                json!([{ "name": { "firstName": first, "lastName": "Test" }, "nickname": nick }]),
            )
            .await
            .expect_status(201);
    }
    search_becomes(&owner, "zorro", &["Ada Test"]).await;

    owner
        .patch(&path, json!({ "isActive": false }))
        .await
        .expect_status(200);
    search_becomes(&owner, "zorro", &[]).await;
    search_becomes(&owner, "grace", &["Grace Test"]).await;

    owner
        .patch(&path, json!({ "isActive": true }))
        .await
        .expect_status(200);
    search_becomes(&owner, "zorro", &["Ada Test"]).await;

    owner.delete(&path).await.expect_status(200);
    search_becomes(&owner, "zorro", &[]).await;
    search_becomes(&owner, "amazi", &[]).await;
    search_becomes(&owner, "ada", &["Ada Test"]).await;

    // A field deleted by an instance that stopped before catching up: the job does it.
    let alias = create_field(&owner, &person, json!({ "name": "alias", "type": "TEXT" })).await;
    owner
        .post(
            "/rest/batch/people",
            json!([{ "name": { "firstName": "Hedy", "lastName": "Test" }, "alias": "Quixotic" }]),
        )
        .await
        .expect_status(201);
    search_becomes(&owner, "quixo", &["Hedy Test"]).await;
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(&ws).expect("uuid"))
        .await
        .expect("data");
    let alias_id = uuid::Uuid::parse_str(alias["id"].as_str().unwrap_or_default()).expect("uuid");
    data.delete_field(alias_id).await.expect("deleted");
    search_becomes(&owner, "quixo", &["Hedy Test"]).await;
    let alias_column = format!("f_{}", alias_id.simple());
    let holding_alias = format!("\"{alias_column}\" IS NOT NULL");
    let alias_values = || app.count_stored(&ws, "people", &holding_alias);
    if backend == Backend::Sqlite {
        assert_eq!(
            alias_values().await,
            1,
            "SQLite keeps the column and, until the job, its value"
        );
    }
    app.db()
        .make_job_due(kith_server::jobs::CATCH_UP_FIELDS)
        .await
        .expect("due");
    assert!(
        kith_server::jobs::run_due(app.state(), app.jobs())
            .await
            .expect("run")
            >= 1
    );
    search_becomes(&owner, "quixo", &[]).await;
    if backend == Backend::Sqlite {
        assert_eq!(
            alias_values().await,
            0,
            "the deleted field's values are erased"
        );
    }
}
