//! Listing with `GET /rest/{plural}`: filters, filter and sort errors, cursor paging in both
//! directions with ties and nulls, `depth` (related records embedded) and `fields`.

use super::{create, id_of, index_comes_to_serve, page_is_sorted, sorts, urlencode, workspace};
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};
use std::cmp::Ordering;

on_both_backends!(
    filters_select_the_right_records,
    filter_and_sort_errors_point_at_the_position,
    paging_is_complete_and_stable_with_ties_and_nulls,
    a_cursor_is_a_record_id_and_one_naming_no_record_is_a_404,
    depth_embeds_related_records_and_fields_picks_keys,
    the_orders_the_api_issues_are_served_by_an_index,
    an_unfiltered_count_follows_every_kind_of_write,
    fields_that_views_use_or_that_ask_get_an_index_in_the_background,
);

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
    // A parameter the route does not take is refused, not ignored: a typo must not list all.
    let unknown = owner
        .get("/rest/companies?fitler=name[eq]:Acme")
        .await
        .expect_error(400, "bad_request");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap_or_default()
            .contains("fitler"),
        "{unknown}"
    );
    // Empty parameters are absent ones, as a generated client sends them.
    let all = owner
        .get("/rest/companies?filter=&order_by=&starting_after=&ending_before=&fields=")
        .await
        .expect_status(200);
    assert!(all["data"]["companies"].is_array(), "{all}");
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

async fn a_cursor_is_a_record_id_and_one_naming_no_record_is_a_404(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let mut ids = Vec::new();
    for (name, employees) in [("A", 30), ("B", 20), ("C", 20), ("D", 10)] {
        let company = create(
            &owner,
            "companies",
            json!({ "name": name, "employees": employees }),
        )
        .await;
        ids.push(id_of(&company));
    }
    let order = "order_by=employees[DescNullsLast],name";
    let names_after = |page: &Value| -> Vec<String> {
        page["data"]["companies"]
            .as_array()
            .expect("companies")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let first = owner
        .get(&format!("/rest/companies?{order}&limit=2"))
        .await
        .expect_status(200);
    assert_eq!(
        first["pageInfo"]["endCursor"],
        json!(ids[1]),
        "the last record's id"
    );
    let next = owner
        .get(&format!(
            "/rest/companies?{order}&starting_after={}",
            ids[1]
        ))
        .await
        .expect_status(200);
    assert_eq!(names_after(&next), ["C", "D"]);

    // The cursor record went to the trash: the page still goes on from where it stood.
    owner
        .delete(&format!("/rest/companies/{}", ids[1]))
        .await
        .expect_status(200);
    let after_trashed = owner
        .get(&format!(
            "/rest/companies?{order}&starting_after={}",
            ids[1]
        ))
        .await
        .expect_status(200);
    assert_eq!(names_after(&after_trashed), ["C", "D"]);
    let before = owner
        .get(&format!("/rest/companies?{order}&ending_before={}", ids[2]))
        .await
        .expect_status(200);
    assert_eq!(names_after(&before), ["A"]);

    let unknown = uuid::Uuid::new_v4();
    let error = owner
        .get(&format!("/rest/companies?starting_after={unknown}"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(error["details"][0]["field"], "starting_after", "{error}");
    // A person's id is no cursor of companies.
    let person = create(&owner, "people", json!({})).await;
    owner
        .get(&format!("/rest/companies?ending_before={}", id_of(&person)))
        .await
        .expect_error(404, "not_found");
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

/// The default order (by id), paging forward and backward, and the default directions of an
/// indexed field are walked from an index, not sorted: at a million records a sort read every
/// row for a first page (about 210 ms on PostgreSQL for `id ASC NULLS FIRST`).
async fn the_orders_the_api_issues_are_served_by_an_index(backend: Backend) {
    use kith_store::ListQuery;
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let acme = create(&owner, "companies", json!({ "name": "Acme" })).await;
    for (first, company) in [("Ada", Some(id_of(&acme))), ("Alan", None), ("Grace", None)] {
        create(
            &owner,
            "people",
            json!({ "name": { "firstName": first }, "companyId": company }),
        )
        .await;
    }
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(&ws).expect("uuid"))
        .await
        .expect("data");
    let catalog = data.objects().await.expect("catalog");
    let people = catalog
        .iter()
        .find(|o| o.name_singular == "person")
        .expect("people");
    for order in [
        "",
        "id",
        "id[AscNullsLast]",
        "id[DescNullsFirst]",
        "companyId",
        "companyId[Desc]",
    ] {
        let order_by = if order.is_empty() {
            Vec::new()
        } else {
            kith_core::sort::parse(order).expect("order")
        };
        let first_page = ListQuery {
            order_by: order_by.clone(),
            limit: 2,
            ..ListQuery::default()
        };
        let cursor = data
            .list_records(people, &first_page)
            .await
            .expect("page")
            .end_cursor
            .expect("a cursor");
        let pages = [
            first_page.clone(),
            ListQuery {
                starting_after: Some(cursor.clone()),
                ..first_page.clone()
            },
            ListQuery {
                ending_before: Some(cursor),
                ..first_page.clone()
            },
        ];
        for page in pages {
            let plan = data.list_plan(people, &page).await.expect("plan");
            assert!(
                !plan.iter().any(|line| sorts(line)),
                "order_by={order} (after: {}, before: {}) sorts: {plan:#?}",
                page.starting_after.is_some(),
                page.ending_before.is_some()
            );
        }
    }
    // Every standard field a table sorts by, both ways the web app asks (Twenty's directions).
    let mut checked = 0;
    for object in catalog.iter().filter(|o| !o.is_custom) {
        for field in object.fields.iter().filter(|f| f.is_indexed) {
            let part = field.field_type.parts().first().map_or("", |p| p.name);
            let path = if field.field_type == kith_core::fields::FieldType::Relation {
                format!("{}Id", field.name)
            } else if part.is_empty() {
                field.name.clone()
            } else {
                format!("{}.{part}", field.name)
            };
            for direction in ["AscNullsFirst", "DescNullsLast"] {
                let order = format!("{path}[{direction}]");
                let page = ListQuery {
                    order_by: kith_core::sort::parse(&order).expect("order"),
                    limit: 50,
                    ..ListQuery::default()
                };
                let plan = data.list_plan(object, &page).await.expect("plan");
                assert!(
                    !plan.iter().any(|line| sorts(line)),
                    "{} order_by={order} sorts: {plan:#?}",
                    object.name_plural
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} standard orders checked");
}

/// The unfiltered count is kept by the database as records are written (`data::counts`); it
/// must agree, after each kind of write, with a count that reads the records (any filter).
async fn an_unfiltered_count_follows_every_kind_of_write(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let counts = || {
        let owner = owner.clone();
        async move {
            let count = |path: String| {
                let owner = owner.clone();
                async move { owner.get(&path).await.expect_status(200)["totalCount"].clone() }
            };
            let kept = count("/rest/companies?limit=1&count=true".to_owned()).await;
            let read = count(format!(
                "/rest/companies?limit=1&count=true&filter={}",
                urlencode("id[is]:NOT_NULL")
            ))
            .await;
            assert_eq!(kept, read, "the kept count and the records agree");
            kept.as_i64().expect("a count")
        }
    };
    assert_eq!(counts().await, 0);
    let acme = create(
        &owner,
        "companies",
        json!({ "name": "Acme", "domainName": { "primaryLinkUrl": "acme.com" } }),
    )
    .await;
    let batch: Vec<Value> = (0..30)
        .map(|i| json!({ "name": format!("Batch {i}") }))
        .collect();
    let created = owner
        .post("/rest/batch/companies", Value::Array(batch))
        .await
        .expect_status(201)["data"]["createCompanies"]
        .clone();
    assert_eq!(counts().await, 31, "one created alone, thirty in a batch");
    let refused: Vec<Value> = vec![json!({ "name": "Fine" }), json!({ "name": 7 })];
    owner
        .post("/rest/batch/companies", Value::Array(refused))
        .await
        .expect_status(400);
    assert_eq!(counts().await, 31, "a refused batch counts nothing");

    owner
        .post(
            "/rest/companies?upsert=true",
            json!({ "id": acme["id"], "name": "Acme Inc" }),
        )
        .await
        .expect_status(200);
    assert_eq!(counts().await, 31, "an upsert that updates adds nothing");

    let first = id_of(&created[0]);
    owner
        .delete(&format!("/rest/companies/{first}"))
        .await
        .expect_status(200);
    assert_eq!(counts().await, 30, "to the trash");
    owner
        .patch(&format!("/rest/restore/companies/{first}"), json!({}))
        .await
        .expect_status(200);
    assert_eq!(counts().await, 31, "back from the trash");
    owner
        .delete(&format!("/rest/companies/{first}?permanent=true"))
        .await
        .expect_status(200);
    assert_eq!(counts().await, 30, "deleted for good");
    let second = id_of(&created[1]);
    owner
        .delete(&format!("/rest/companies/{second}"))
        .await
        .expect_status(200);
    owner
        .delete(&format!("/rest/companies/{second}?permanent=true"))
        .await
        .expect_status(200);
    assert_eq!(
        counts().await,
        29,
        "a trashed record deleted for good was not counted twice"
    );

    owner
        .patch(
            "/rest/companies/merge",
            json!({ "keepId": created[2]["id"], "mergeIds": [created[3]["id"], created[4]["id"]] }),
        )
        .await
        .expect_status(200);
    assert_eq!(counts().await, 27, "merged records go to the trash");
    owner
        .delete(&format!(
            "/rest/companies?filter={}",
            urlencode("name[like]:Batch 1%")
        ))
        .await
        .expect_status(200);
    assert_eq!(
        counts().await,
        17,
        "ten matched a bulk delete (Batch 10–19)"
    );
    owner
        .patch(
            &format!(
                "/rest/companies?filter={}",
                urlencode("name[like]:Batch 2%")
            ),
            json!({ "employees": 3 }),
        )
        .await
        .expect_status(200);
    assert_eq!(counts().await, 17, "a bulk change counts nothing");
}

/// A custom field gets a sort index once a saved view sorts or filters by it, or once it asks
/// (`isIndexed`): built by the job runner, not in the request that asked.
async fn fields_that_views_use_or_that_ask_get_an_index_in_the_background(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let objects = owner.get("/rest/metadata/objects").await.expect_status(200);
    let companies = objects["data"]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["namePlural"] == "companies")
        .expect("companies")["id"]
        .clone();
    let mut fields = std::collections::HashMap::new();
    for (name, kind) in [("score", "NUMBER"), ("region", "TEXT"), ("tier", "TEXT")] {
        let field = owner
            .post(
                "/rest/metadata/fields",
                json!({ "objectMetadataId": companies, "name": name, "label": name, "type": kind }),
            )
            .await
            .expect_status(201)["data"]["createOneField"]
            .clone();
        fields.insert(name, field["id"].as_str().expect("id").to_owned());
    }
    for i in 0..20 {
        create(
            &owner,
            "companies",
            json!({ "name": format!("C{i}"), "score": i, "region": "North", "tier": "A" }),
        )
        .await;
    }
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(&ws).expect("uuid"))
        .await
        .expect("data");
    for order in ["score[DescNullsLast]", "region", "tier"] {
        assert!(
            page_is_sorted(&data, "companies", order).await,
            "{order}: no index yet"
        );
    }

    let view =
        json!({ "objectMetadataId": companies, "name": "Top", "orderBy": "score[DescNullsLast]" });
    owner
        .post("/rest/metadata/views", view)
        .await
        .expect_status(201);
    index_comes_to_serve(&data, "companies", "score[DescNullsLast]").await;
    let view =
        json!({ "objectMetadataId": companies, "name": "North", "filter": "region[eq]:North" });
    owner
        .post("/rest/metadata/views", view)
        .await
        .expect_status(201);
    index_comes_to_serve(&data, "companies", "region").await;
    owner
        .patch(
            &format!("/rest/metadata/fields/{}", fields["tier"]),
            json!({ "isIndexed": true }),
        )
        .await
        .expect_status(200);
    index_comes_to_serve(&data, "companies", "tier").await;
}
