//! `GET /rest/{plural}/export`: CSV, JSON and XLSX files of every record a list pages through,
//! through the same access policy, and refusals before anything is written.

use super::{join_as, workspace};
use crate::access::add_sensitive_field;
use crate::views::make_token;
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    an_export_holds_every_record_a_list_pages_through,
    an_export_shows_what_the_caller_may_read_and_refuses_bad_requests,
    kith_export_writes_the_file_from_the_database,
    a_saved_view_exports_with_its_filter_order_and_columns
);

/// More companies than an export's page, so that the file spans pages.
const COMPANIES: usize = kith_store::EXPORT_PAGE + 345;

async fn an_export_holds_every_record_a_list_pages_through(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    for chunk in (0..COMPANIES).collect::<Vec<_>>().chunks(1_000) {
        let companies: Vec<Value> = chunk
            .iter()
            .map(|i| json!({ "name": format!("Company {i:04}"), "employees": i }))
            .collect();
        owner
            .post("/rest/batch/companies", json!(companies))
            .await
            .expect_status(201);
    }
    owner
        .post(
            "/rest/companies",
            json!({ "name": "=HYPERLINK(\"http://evil.example\")", "employees": 99_999 }),
        )
        .await
        .expect_status(201);

    let reply = owner.get("/rest/companies/export?format=csv").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let disposition = reply.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"companies-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let rows = csv_rows(&reply.bytes);
    let header = &rows[0];
    for column in [
        "id",
        "name",
        "employees",
        "domainName.primaryLinkUrl",
        "createdAt",
    ] {
        assert!(
            header.contains(&column.to_owned()),
            "{column} in {header:?}"
        );
    }
    let at = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (id, name, employees) = (at("id"), at("name"), at("employees"));
    assert_eq!(rows.len(), 1 + COMPANIES + 1, "a header and every company");
    let mut exported: Vec<&str> = rows[1..].iter().map(|r| r[id].as_str()).collect();
    exported.sort_unstable();
    exported.dedup();
    assert_eq!(exported.len(), COMPANIES + 1, "each company once");
    let formula = rows
        .iter()
        .find(|r| r[name] == "'=HYPERLINK(\"http://evil.example\")")
        .expect("a formula is written as text");
    assert_eq!(formula[employees], "99999", "a number as a number");

    // A workbook holds the same rows, streamed across pages: numbers as numbers, and text as
    // text that a spreadsheet never runs, so it needs no guard.
    let workbook = owner.get("/rest/companies/export?format=xlsx").await;
    assert_eq!(workbook.status, 200);
    let sheet = workbook_rows(&workbook.bytes);
    let unguarded: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut row = row.clone();
            if let Some(text) = row[name].strip_prefix('\'') {
                row[name] = text.to_owned();
            }
            row
        })
        .collect();
    let as_text: Vec<Vec<String>> = sheet
        .iter()
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    assert_eq!(as_text, unguarded);
    let evil = sheet
        .iter()
        .find(|r| cell_text(&r[name]).starts_with("=HYPERLINK"))
        .expect("the formula's row");
    assert_eq!(evil[employees], calamine::Data::Float(99_999.0));
    assert!(matches!(evil[name], calamine::Data::String(_)));

    // Filtered and ordered as a list is, across pages.
    let filtered = owner
        .get("/rest/companies/export?filter=employees[gte]:100&order_by=employees[DescNullsLast]&fields=name,employees")
        .await;
    let rows = csv_rows(&filtered.bytes);
    assert_eq!(
        rows[0],
        ["id", "name", "employees", "createdAt", "updatedAt"],
        "the columns asked for, in order, and the record's own"
    );
    let counts: Vec<i64> = rows[1..]
        .iter()
        .map(|r| r[2].parse().expect("employees"))
        .collect();
    assert_eq!(counts.len(), COMPANIES - 100 + 1);
    assert_eq!(counts[0], 99_999);
    assert!(counts.windows(2).all(|w| w[0] > w[1]), "in the order asked");

    // JSON: the records exactly as the list answers them.
    let json = owner
        .get("/rest/companies/export?format=json&order_by=name[AscNullsFirst]")
        .await;
    assert_eq!(json.header("content-type"), Some("application/json"));
    let records = json.json.as_array().cloned().expect("a list of records");
    assert_eq!(records.len(), COMPANIES + 1);
    let page = owner
        .get("/rest/companies?order_by=name[AscNullsFirst]&limit=3")
        .await
        .expect_status(200);
    assert_eq!(
        records[..3],
        page["data"]["companies"].as_array().expect("page")[..]
    );
}

/// The first sheet of a workbook, as calamine reads it.
fn workbook_rows(bytes: &[u8]) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    sheet.rows().map(<[calamine::Data]>::to_vec).collect()
}

/// A workbook's cell as the CSV file writes it.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

async fn an_export_shows_what_the_caller_may_read_and_refuses_bad_requests(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    add_sensitive_field(&owner, "people", "iban").await;
    owner
        .post(
            "/rest/people",
            json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "iban": "GB33BUKB20201555555555" }),
        )
        .await
        .expect_status(201);
    let (viewer, _) = join_as(&app, &owner, &ws, "viewer@example.com", "viewer").await;
    let mut files = Vec::new();
    for (client, in_clear) in [(&owner, true), (&viewer, false)] {
        let body = export_text(client, "/rest/people/export").await;
        assert!(body.contains("Ada,Lovelace"), "{body}");
        assert!(body.contains("name.firstName,name.lastName"), "{body}");
        assert_eq!(
            body.contains("GB33BUKB20201555555555"),
            in_clear,
            "the viewer gets the sensitive field masked: {body}"
        );
        files.push(csv_rows(body.as_bytes()));
    }
    // The owner's file is written from the stored cells, the viewer's from the records as the
    // API presents them to a viewer: the same but for the masked field.
    let (owner_file, viewer_file) = (&files[0], &files[1]);
    assert_eq!(owner_file[0], viewer_file[0], "the same columns");
    let iban = owner_file[0]
        .iter()
        .position(|h| h == "iban")
        .expect("iban");
    for (column, (mine, theirs)) in owner_file[1].iter().zip(&viewer_file[1]).enumerate() {
        if column != iban {
            assert_eq!(mine, theirs, "{}", owner_file[0][column]);
        }
    }

    for (path, field) in [
        ("/rest/people/export?format=xml", "format"),
        ("/rest/people/export?filter=nope[eq]:1", "filter"),
        ("/rest/people/export?fields=name,unicorn", "fields"),
    ] {
        let fields = owner
            .get(path)
            .await
            .expect_error_fields(400, "validation_failed");
        assert!(fields.iter().any(|f| f == field), "{path}: {fields:?}");
    }
    owner
        .get("/rest/unicorns/export")
        .await
        .expect_error(404, "not_found");
    let token = make_token(&owner, &ws, json!(["records:write"])).await;
    let reply = kith_testkit::send(
        app.client()
            .request(reqwest::Method::GET, "/rest/people/export")
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        reply.status,
        403,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
}

async fn export_text(client: &TestClient, path: &str) -> String {
    let reply = client.get(path).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    String::from_utf8(reply.bytes).expect("UTF-8")
}

/// The rows of a CSV file, read by a CSV reader (quotes and line breaks in cells included).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
        .collect()
}

/// `kith export`, beside a running server on the same database: the file as the route writes
/// it, to a file or standard output; a refusal is one line, and no file is left behind.
async fn kith_export_writes_the_file_from_the_database(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    for name in ["Acme", "Globex", "=1+1"] {
        owner
            .post("/rest/companies", json!({ "name": name }))
            .await
            .expect_status(201);
    }
    let token = make_token(&owner, &ws, json!(["records:read"])).await;
    let dir = tempfile::tempdir().expect("dir");
    let config = &app.state().config;
    let kith = |args: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"));
        command
            .arg("export")
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("KITH_TOKEN", &token)
            .env("KITH_DATABASE_URL", &config.database_url)
            .env("KITH_DATA_DIR", app.data_dir())
            .env("KITH_LOG", "warn");
        command
    };

    let file = dir.path().join("companies.csv");
    let path = file.to_str().expect("path");
    let done = kith(&[
        "companies",
        "--order-by",
        "name[AscNullsFirst]",
        "--fields",
        "name",
        "-o",
        path,
    ])
    .output()
    .await
    .expect("kith export runs");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(stderr.contains("exported 3 companies"), "{stderr}");
    let rows = csv_rows(&std::fs::read(&file).expect("the file"));
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(rows[0], ["id", "name", "createdAt", "updatedAt"]);
    assert_eq!(
        names,
        ["'=1+1", "Acme", "Globex"],
        "ordered, the formula escaped"
    );
    let served = owner
        .get("/rest/companies/export?order_by=name[AscNullsFirst]&fields=name")
        .await;
    assert_eq!(
        std::fs::read(&file).expect("the file"),
        served.bytes,
        "as the route writes it"
    );

    let json = kith(&["companies", "--format", "json", "--filter", "name[eq]:Acme"])
        .output()
        .await
        .expect("kith export runs");
    let records: Value = serde_json::from_slice(&json.stdout).expect("JSON on standard output");
    assert_eq!(records.as_array().map(Vec::len), Some(1));
    assert_eq!(records[0]["name"], "Acme");

    let workbook = dir.path().join("companies.xlsx");
    let done = kith(&[
        "companies",
        "--format",
        "xlsx",
        "--order-by",
        "name[AscNullsFirst]",
        "-o",
        workbook.to_str().expect("path"),
    ])
    .output()
    .await
    .expect("kith export runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let sheet = workbook_rows(&std::fs::read(&workbook).expect("the workbook"));
    let names: Vec<String> = sheet[1..].iter().map(|r| cell_text(&r[1])).collect();
    assert_eq!(names, ["=1+1", "Acme", "Globex"]);

    let refused = dir.path().join("refused.csv");
    let bad = kith(&[
        "companies",
        "--filter",
        "nope[eq]:1",
        "-o",
        refused.to_str().expect("path"),
    ])
    .output()
    .await
    .expect("kith export runs");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("kith: ")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("nope"), "names what is wrong: {stderr}");
    assert!(!refused.exists(), "no file is left behind");
    let no_token = kith(&["companies"])
        .env_remove("KITH_TOKEN")
        .output()
        .await
        .expect("kith export runs");
    assert!(!no_token.status.success());
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("KITH_TOKEN"));
}

/// `?view=`: a saved view's filter, order and columns, unless the request gives its own; a view
/// of another object, or not a view id, is refused.
async fn a_saved_view_exports_with_its_filter_order_and_columns(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    for (name, employees) in [("Acme", 10), ("Globex", 500), ("Initech", 900)] {
        owner
            .post(
                "/rest/companies",
                json!({ "name": name, "employees": employees }),
            )
            .await
            .expect_status(201);
    }
    let companies = crate::access::object_id(&owner, "companies").await;
    let view = owner
        .post(
            "/rest/metadata/views",
            json!({
                "objectMetadataId": companies, "name": "Big ones",
                "filter": "employees[gte]:100", "orderBy": "name[DescNullsLast]",
                "fields": [{ "name": "name" }],
            }),
        )
        .await
        .expect_status(201)["data"]["createOneView"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let reply = owner
        .get(&format!("/rest/companies/export?view={view}"))
        .await;
    assert_eq!(reply.status, 200);
    let rows = csv_rows(&reply.bytes);
    assert_eq!(rows[0], ["id", "name", "createdAt", "updatedAt"]);
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["Initech", "Globex"]);
    let own_order = owner
        .get(&format!(
            "/rest/companies/export?view={view}&order_by=name[AscNullsFirst]"
        ))
        .await;
    let names: Vec<String> = csv_rows(&own_order.bytes)[1..]
        .iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(names, ["Globex", "Initech"], "the request's order wins");
    owner
        .get(&format!("/rest/people/export?view={view}"))
        .await
        .expect_error(404, "not_found");
    for bad in ["big", ""] {
        let fields = owner
            .get(&format!("/rest/companies/export?view={bad}"))
            .await
            .expect_error_fields(400, "validation_failed");
        assert_eq!(fields, ["view"]);
    }
}
