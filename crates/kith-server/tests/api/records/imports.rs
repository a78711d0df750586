//! `/rest/{plural}/imports`: a CSV file uploaded, its columns suggested, previewed by a dry run,
//! imported in the background, its rejected rows downloaded, and undone; a file or spec that
//! cannot be imported refused with what is wrong, and an import that stops leaving nothing.

use super::{create, id_of, join_as, workspace};
use kith_testkit::{Backend, Reply, TestApp, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    an_import_is_previewed_run_downloaded_and_undone,
    an_import_stopping_on_an_error_leaves_nothing_behind,
    files_and_specs_that_cannot_be_imported_are_refused,
    kith_import_reads_a_file_into_the_database,
    a_running_import_can_be_cancelled,
    old_imports_and_mails_are_purged_by_their_jobs,
    an_excel_workbook_imports_and_an_exported_one_goes_back_in
);

pub async fn upload(client: &TestClient, plural: &str, file: &[u8]) -> Reply {
    let request = client
        .with_csrf(
            Method::POST,
            &format!("/rest/{plural}/imports?fileName=contacts.csv"),
        )
        .header("content-type", "text/csv")
        .body(file.to_vec());
    kith_testkit::send(request).await
}

/// Runs an import with `spec` and waits for it to end; its record.
pub async fn run_to_end(client: &TestClient, plural: &str, id: &str, spec: Value) -> Value {
    let started = client
        .post(&format!("/rest/{plural}/imports/{id}/run"), spec)
        .await
        .expect_status(202);
    assert!(
        matches!(
            started["data"]["status"].as_str(),
            Some("RUNNING" | "PREVIEWING" | "DONE" | "PREVIEWED" | "FAILED")
        ),
        "{started}"
    );
    wait_for_end(client, plural, id).await
}

pub async fn wait_for_end(client: &TestClient, plural: &str, id: &str) -> Value {
    for _ in 0..600 {
        let record = client
            .get(&format!("/rest/{plural}/imports/{id}"))
            .await
            .expect_status(200)["data"]
            .clone();
        if !matches!(
            record["status"].as_str(),
            Some("RUNNING" | "PREVIEWING" | "CANCELLING")
        ) {
            return record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import {id} did not end");
}

async fn people(client: &TestClient) -> Vec<Value> {
    client
        .get("/rest/people?limit=100")
        .await
        .expect_status(200)["data"]["people"]
        .as_array()
        .cloned()
        .expect("people")
}

fn person<'p>(people: &'p [Value], email: &str) -> Option<&'p Value> {
    people.iter().find(|p| p["emails"]["primaryEmail"] == email)
}

const CONTACTS: &str = "First Name,Last Name,E-mail,Company,Title\r\n\
    Ada,Lovelace,ADA@Example.com ,www.acme.com,Engineer\r\n\
    Ex,Isting,existing@example.com,,Manager\r\n\
    Bad,Email,not-an-email,,\r\n\
    Grace,Hopper,grace@example.com,unknown.org,\r\n\
    ,,,,\r\n\
    Ada,Lovelace,ada@example.com,,Countess\r\n\
    Eve,Formula,eve@example.com,,=HYPERLINK(\"http://evil.example\")\r\n";

async fn an_import_is_previewed_run_downloaded_and_undone(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let acme = create(
        &owner,
        "companies",
        json!({ "name": "Acme", "domainName": { "primaryLinkUrl": "https://acme.com/" } }),
    )
    .await;
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ex" }, "emails": { "primaryEmail": "existing@example.com" }, "jobTitle": "Old" }),
    )
    .await;

    let uploaded = upload(&owner, "people", CONTACTS.as_bytes())
        .await
        .expect_status(201);
    assert_eq!(uploaded["data"]["status"], "UPLOADED");
    assert_eq!(uploaded["data"]["fileName"], "contacts.csv");
    assert_eq!(uploaded["delimiter"], ",");
    let suggested: Vec<(String, Value, Value)> = uploaded["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["column"].as_str().unwrap_or_default().to_owned(),
                c["field"].clone(),
                c["by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        suggested,
        [
            ("First Name".into(), json!("name.firstName"), Value::Null),
            ("Last Name".into(), json!("name.lastName"), Value::Null),
            ("E-mail".into(), json!("emails.primaryEmail"), Value::Null),
            ("Company".into(), json!("company"), json!("domainName")),
            ("Title".into(), json!("jobTitle"), Value::Null),
        ]
    );
    assert_eq!(
        uploaded["columns"][0]["samples"],
        json!(["Ada", "Ex", "Bad", "Grace", "Ada"])
    );
    let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
    let columns: Vec<Value> = uploaded["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| json!({ "column": c["column"], "field": c["field"], "by": c["by"] }))
        .collect();
    let spec = json!({ "mode": "UPSERT", "columns": columns });

    // The dry run: every outcome, nothing written.
    let mut dry = spec.clone();
    dry["dryRun"] = json!(true);
    let previewed = run_to_end(&owner, "people", &id, dry).await;
    assert_eq!(previewed["status"], "PREVIEWED", "{previewed}");
    assert_eq!(
        previewed["counts"],
        json!({ "rows": 7, "created": 1, "updated": 2, "skipped": 1, "failed": 3, "bytesRead": CONTACTS.len() })
    );
    assert_eq!(previewed["progress"], 1.0);
    assert_eq!(people(&owner).await.len(), 1, "a dry run writes nothing");
    let rows = owner
        .get(&format!("/rest/people/imports/{id}/rows"))
        .await
        .expect_status(200)["data"]
        .clone();
    let actions: Vec<(u64, String)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap_or(0),
                r["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            (2, "CREATE".into()),
            (3, "UPDATE".into()),
            (4, "ERROR".into()),
            (5, "ERROR".into()),
            (6, "SKIP".into()),
            (7, "UPDATE".into()),
            (8, "ERROR".into()),
        ]
    );
    let reason = |row: usize| rows[row]["reason"].as_str().unwrap_or_default().to_owned();
    assert!(
        reason(2).contains("column \"E-mail\"") && reason(2).contains("not an email address"),
        "{}",
        reason(2)
    );
    assert_eq!(
        reason(3),
        "column \"Company\": no company has the domainName \"unknown.org\""
    );
    assert_eq!(reason(4), "the row is empty");
    assert!(
        reason(6).starts_with("column \"Title\": ") && reason(6).contains("spreadsheet formula"),
        "{}",
        reason(6)
    );
    let errors_only = owner
        .get(&format!("/rest/people/imports/{id}/rows?rejectedOnly=true"))
        .await
        .expect_status(200)["data"]
        .as_array()
        .map(Vec::len);
    assert_eq!(errors_only, Some(4));

    // The import itself, as previewed.
    let done = run_to_end(&owner, "people", &id, spec.clone()).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["created"], 1);
    assert_eq!(done["counts"]["updated"], 2);
    let now = people(&owner).await;
    assert_eq!(now.len(), 2);
    let ada = person(&now, "ada@example.com").expect("Ada, her email lower-cased and trimmed");
    assert_eq!(ada["companyId"], acme["id"], "found by its domain");
    assert_eq!(
        ada["jobTitle"], "Countess",
        "the later row of the same person updates her"
    );
    assert_eq!(
        ada["name"],
        json!({ "firstName": "Ada", "lastName": "Lovelace" })
    );
    let existing = person(&now, "existing@example.com").expect("the existing person");
    assert_eq!(existing["jobTitle"], "Manager");
    owner
        .post(&format!("/rest/people/imports/{id}/run"), spec.clone())
        .await
        .expect_error(409, "conflict");

    let rejected = owner
        .get(&format!("/rest/people/imports/{id}/rejected"))
        .await;
    assert_eq!(rejected.status, 200);
    assert_eq!(
        rejected.header("content-disposition"),
        Some("attachment; filename=\"contacts-rejected.csv\"")
    );
    let file: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&rejected.bytes[..])
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        file[0],
        [
            "First Name",
            "Last Name",
            "E-mail",
            "Company",
            "Title",
            "Import row",
            "Import error"
        ]
    );
    assert_eq!(file.len(), 5);
    assert_eq!(
        file[2][..4],
        ["Grace", "Hopper", "grace@example.com", "unknown.org"]
    );
    assert_eq!(file[2][5], "5");

    let history = owner.get("/rest/people/imports").await.expect_status(200);
    assert_eq!(history["data"][0]["id"], id.as_str());
    assert!(
        owner
            .get("/rest/companies/imports")
            .await
            .expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    // Undo: what it created goes, what it changed is as it was.
    owner
        .post(&format!("/rest/people/imports/{id}/undo"), json!({}))
        .await
        .expect_status(200);
    let after = people(&owner).await;
    assert_eq!(after.len(), 1);
    assert_eq!(
        person(&after, "existing@example.com").expect("kept")["jobTitle"],
        "Old"
    );
    let record = owner
        .get(&format!("/rest/people/imports/{id}"))
        .await
        .expect_status(200);
    assert_eq!(record["data"]["status"], "UNDONE");
    owner
        .post(&format!("/rest/people/imports/{id}/undo"), json!({}))
        .await
        .expect_error(409, "conflict");
    assert_eq!(id_of(&record["data"]), id);
}

async fn an_import_stopping_on_an_error_leaves_nothing_behind(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let mut file = String::from("Name;Employees;Domain\n");
    for i in 0..2_500 {
        let employees = if i == 2_398 {
            "many".to_owned()
        } else {
            i.to_string()
        };
        file.push_str(&format!("Company {i};{employees};company{i}.example\n"));
    }
    let uploaded = upload(&owner, "companies", file.as_bytes())
        .await
        .expect_status(201);
    assert_eq!(uploaded["delimiter"], ";");
    let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
    let spec = json!({
        "mode": "CREATE",
        "stopOnError": true,
        "columns": [
            { "column": "Name", "field": "name" },
            { "column": "Employees", "field": "employees" },
            { "column": "Domain", "field": "domainName.primaryLinkUrl" },
        ],
    });
    let failed = run_to_end(&owner, "companies", &id, spec.clone()).await;
    assert_eq!(failed["status"], "FAILED");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("row 2400: column \"Employees\"")
            && error.ends_with("nothing was imported"),
        "{error}"
    );
    assert_eq!(failed["counts"]["created"], 0);
    let count = owner
        .get("/rest/companies?count=true&limit=1")
        .await
        .expect_status(200);
    assert_eq!(count["totalCount"], 0, "{count}");

    // The same file skipping bad rows: the others are imported.
    let mut skipping = spec;
    skipping["stopOnError"] = json!(false);
    let done = run_to_end(&owner, "companies", &id, skipping).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["created"], 2_499);
    assert_eq!(done["counts"]["failed"], 1);
    let count = owner
        .get("/rest/companies?count=true&limit=1")
        .await
        .expect_status(200);
    assert_eq!(count["totalCount"], 2_499);
}

async fn files_and_specs_that_cannot_be_imported_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let refused = |reply: Reply| reply.expect_error(400, "validation_failed");
    for (file, expected) in [
        (&b""[..], "the file is empty"),
        (&b"\xFF\xFEN\x00a\x00"[..], "UTF-16"),
    ] {
        let error = refused(upload(&owner, "companies", file).await);
        let message = error["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(expected), "{expected}: {error}");
    }
    let ok = upload(
        &owner,
        "people",
        b"Email,Name\na@example.com,A\nb@example.com,B,extra\n",
    )
    .await
    .expect_status(201);
    let id = ok["data"]["id"].as_str().expect("id").to_owned();
    let path = format!("/rest/people/imports/{id}/run");
    for (spec, field) in [
        (
            json!({ "columns": [{ "column": "Mail", "field": "emails" }] }),
            "columns[0].column",
        ),
        (
            json!({ "columns": [{ "column": "Email", "field": "shoeSize" }] }),
            "columns[0].field",
        ),
        (
            json!({ "columns": [{ "column": "Email", "field": "emails.fax" }] }),
            "columns[0].field",
        ),
        (
            json!({ "mode": "UPDATE", "columns": [{ "column": "Name", "field": "name" }] }),
            "matchOn",
        ),
        (
            json!({ "matchOn": "jobTitle", "columns": [{ "column": "Name", "field": "jobTitle" }] }),
            "matchOn",
        ),
        (json!({ "columns": [] }), "columns"),
        (json!({ "delimiter": "x", "columns": [] }), "delimiter"),
    ] {
        let fields = owner
            .post(&path, spec.clone())
            .await
            .expect_error_fields(400, "validation_failed");
        assert_eq!(fields, [field], "{spec}");
    }
    // A ragged row is refused, the others go in.
    let done = run_to_end(
        &owner,
        "people",
        &id,
        json!({ "columns": [{ "column": "Email", "field": "emails" }, { "column": "Name", "field": "name" }] }),
    )
    .await;
    assert_eq!(done["counts"]["created"], 1, "{done}");
    let rows = owner
        .get(&format!("/rest/people/imports/{id}/rows?rejectedOnly=true"))
        .await
        .expect_status(200);
    assert_eq!(rows["data"][0]["row"], 3);
    assert_eq!(
        rows["data"][0]["reason"],
        "has 3 values where the header has 2 columns"
    );

    // Who may import: members who may write the object, with a token that may write.
    let (viewer, _) = join_as(&app, &owner, &ws, "viewer@example.com", "viewer").await;
    upload(&viewer, "people", b"Email\na@example.com\n")
        .await
        .expect_error(403, "forbidden");
    viewer
        .get(&format!("/rest/people/imports/{id}"))
        .await
        .expect_error(403, "forbidden");
    owner
        .get(&format!("/rest/companies/imports/{id}"))
        .await
        .expect_error(404, "not_found");
    owner
        .post(&format!("/rest/people/imports/{id}/cancel"), json!({}))
        .await
        .expect_error(409, "conflict");
}

/// `kith import`, beside a running server on the same database: a file the export wrote,
/// edited, goes back in matched by id; a dry run says what it would do; `--undo` reverts it.
async fn kith_import_reads_a_file_into_the_database(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    for name in ["Acme", "Globex", "Initech"] {
        owner
            .post("/rest/companies", json!({ "name": name, "employees": 10 }))
            .await
            .expect_status(201);
    }
    let token =
        crate::views::make_token(&owner, &ws, json!(["records:read", "records:write"])).await;
    let exported = owner
        .get("/rest/companies/export?fields=name,employees")
        .await;
    let text = String::from_utf8(exported.bytes.to_vec()).expect("UTF-8");
    let edited = text.replace("Globex,10", "Globex,250") + ",Hooli,7,,\r\n";
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("companies.csv");
    std::fs::write(&file, edited).expect("write the file");
    let config = &app.state().config;
    let kith = |args: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"));
        command
            .arg("import")
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("KITH_TOKEN", &token)
            .env("KITH_DATABASE_URL", &config.database_url)
            .env("KITH_DATA_DIR", app.data_dir())
            .env("KITH_LOG", "warn");
        command
    };
    let path = file.to_str().expect("path");
    let companies = || async {
        owner
            .get("/rest/companies?order_by=name[AscNullsFirst]")
            .await
            .expect_status(200)["data"]["companies"]
            .as_array()
            .cloned()
            .expect("companies")
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_owned(),
                    c["employees"].as_i64().unwrap_or(0),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = companies().await;

    let dry = kith(&["companies", path, "--dry-run"])
        .output()
        .await
        .expect("kith import runs");
    let stderr = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{stderr}");
    assert!(
        stderr.contains("would import 4 rows into companies: 1 created, 3 updated"),
        "{stderr}"
    );
    assert_eq!(companies().await, before, "a dry run writes nothing");

    let done = kith(&["companies", path])
        .output()
        .await
        .expect("kith import runs");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(
        stderr.contains("\"id\" → id"),
        "the id column is matched on: {stderr}"
    );
    let after = companies().await;
    assert_eq!(
        after,
        [
            ("Acme".to_owned(), 10),
            ("Globex".to_owned(), 250),
            ("Hooli".to_owned(), 7),
            ("Initech".to_owned(), 10)
        ]
    );
    let id = stderr
        .split("(import ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the import's id")
        .to_owned();
    let history = owner
        .get("/rest/companies/imports")
        .await
        .expect_status(200);
    assert_eq!(history["data"][0]["id"], id.as_str());
    assert_eq!(history["data"][0]["fileName"], "companies.csv");

    let undone = kith(&["companies", "--undo", &id])
        .output()
        .await
        .expect("kith import runs");
    assert!(
        undone.status.success(),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    assert_eq!(companies().await, before);

    for (args, expected) in [
        (vec!["companies", path, "--map", "name"], "Header=field"),
        (vec!["companies", path, "--mode", "merge"], "--mode"),
        (
            vec!["companies", path, "--map", "name=shoeSize"],
            "shoeSize",
        ),
        (vec!["companies", "missing.csv"], "cannot read"),
    ] {
        let refused = kith(&args).output().await.expect("kith import runs");
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("kith: ") && l.contains(expected)),
            "{args:?}: {stderr}"
        );
    }
}

/// A long import cancelled midway stops after its chunk, keeps what it wrote (in the history's
/// counts), and that can be undone; one stopping on errors keeps nothing.
async fn a_running_import_can_be_cancelled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    const ROWS: usize = 60_000;
    let mut file = String::from("Name,Email\n");
    for i in 0..ROWS {
        file.push_str(&format!("Person {i},person{i}@example.com\n"));
    }
    let count = || async {
        owner
            .get("/rest/people?count=true&limit=1")
            .await
            .expect_status(200)["totalCount"]
            .as_u64()
            .unwrap_or(0)
    };
    for stop_on_error in [false, true] {
        let uploaded = upload(&owner, "people", file.as_bytes())
            .await
            .expect_status(201);
        let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
        let spec = json!({
            "stopOnError": stop_on_error,
            "columns": [{ "column": "Name", "field": "name" }, { "column": "Email", "field": "emails" }],
        });
        owner
            .post(&format!("/rest/people/imports/{id}/run"), spec)
            .await
            .expect_status(202);
        owner
            .post(&format!("/rest/people/imports/{id}/cancel"), json!({}))
            .await
            .expect_status(202);
        let ended = wait_for_end(&owner, "people", &id).await;
        assert_eq!(ended["status"], "CANCELLED", "{ended}");
        let created = ended["counts"]["created"].as_u64().unwrap_or(0);
        assert!((created as usize) < ROWS, "{ended}");
        assert_eq!(count().await, created, "the counts say what was written");
        if stop_on_error {
            assert_eq!(created, 0, "an import stopping on errors is all or nothing");
        } else {
            owner
                .post(&format!("/rest/people/imports/{id}/undo"), json!({}))
                .await
                .expect_status(200);
            assert_eq!(count().await, 0);
        }
    }
}

/// The retention jobs of imports and the mail outbox: an import's history (its rejected rows'
/// values included) and old mails are deleted once past their time, by jobs on the job queue.
async fn old_imports_and_mails_are_purged_by_their_jobs(backend: Backend) {
    use kith_server::jobs;
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    let uploaded = upload(&owner, "people", b"Email\nnot-an-email\nada@example.com\n")
        .await
        .expect_status(201);
    let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
    run_to_end(
        &owner,
        "people",
        &id,
        json!({ "columns": [{ "column": "Email", "field": "emails" }] }),
    )
    .await;
    let invite = |email: &str| {
        owner.post(
            &format!("/api/v1/workspaces/{ws}/invitations"),
            json!({ "email": email, "role": "member" }),
        )
    };
    invite("old@example.com").await.expect_status(201);
    let mails = app.count_control_plane("outbox").await;
    assert!(mails >= 1);
    app.update_control_plane("outbox", "created_at = 0", "to_addr = 'old@example.com'")
        .await;
    invite("new@example.com").await.expect_status(201);

    for kind in [jobs::PURGE_OUTBOX, jobs::PURGE_IMPORTS] {
        app.db().make_job_due(kind).await.expect("due");
    }
    assert_eq!(
        jobs::run_due(app.state(), app.jobs()).await.expect("run"),
        2
    );
    assert_eq!(
        app.count_control_plane("outbox").await,
        mails,
        "the old mail went, the new one stays"
    );
    owner
        .get(&format!("/rest/people/imports/{id}"))
        .await
        .expect_status(200);

    // Past its time (30 days by default), the import goes with its rows.
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(&ws).expect("uuid"))
        .await
        .expect("data");
    assert!(app.count_stored(&ws, "_kith_import_rows", "1 = 1").await > 0);
    let purged = data
        .purge_imports(chrono::Utc::now() + chrono::Duration::minutes(1))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    assert_eq!(app.count_stored(&ws, "_kith_import_rows", "1 = 1").await, 0);
    owner
        .get(&format!("/rest/people/imports/{id}"))
        .await
        .expect_error(404, "not_found");
}

/// An Excel workbook imports as its first sheet's rows (numbers and booleans read as their
/// values); an export as a workbook imports back into the same records.
async fn an_excel_workbook_imports_and_an_exported_one_goes_back_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, name) in ["Name", "Employees", "Visible"].iter().enumerate() {
        sheet.write_string(0, column as u16, *name).expect("header");
    }
    sheet.write_string(1, 0, "Acme").expect("cell");
    sheet.write_number(1, 1, 12.0).expect("cell");
    sheet.write_boolean(1, 2, true).expect("cell");
    sheet.write_string(2, 0, "=1+1").expect("cell");
    let file = workbook.save_to_buffer().expect("workbook");
    let uploaded = upload(&owner, "companies", &file).await.expect_status(201);
    let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(uploaded["columns"][1]["samples"], json!(["12"]));
    let done = run_to_end(
        &owner,
        "companies",
        &id,
        json!({ "columns": [{ "column": "Name", "field": "name" }, { "column": "Employees", "field": "employees" }] }),
    )
    .await;
    assert_eq!(done["counts"]["created"], 1, "{done}");
    assert_eq!(done["counts"]["failed"], 1, "{done}");
    let rows = owner
        .get(&format!(
            "/rest/companies/imports/{id}/rows?rejectedOnly=true"
        ))
        .await
        .expect_status(200);
    assert_eq!(rows["data"][0]["row"], 3);
    assert!(
        rows["data"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("spreadsheet formula"))
    );
    owner
        .post(
            "/rest/companies",
            json!({ "name": "Globex", "employees": 7 }),
        )
        .await
        .expect_status(201);

    let exported = owner
        .get("/rest/companies/export?format=xlsx&fields=name,employees")
        .await;
    assert_eq!(exported.status, 200);
    assert_eq!(
        exported.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let again = upload(&owner, "companies", &exported.bytes)
        .await
        .expect_status(201);
    let fields: Vec<Value> = again["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["field"].clone())
        .collect();
    assert_eq!(
        fields[..3],
        [json!("id"), json!("name"), json!("employees")]
    );
    let back = run_to_end(
        &owner,
        "companies",
        again["data"]["id"].as_str().expect("id"),
        json!({ "mode": "UPDATE", "columns": [
            { "column": "id", "field": "id" }, { "column": "name", "field": "name" },
            { "column": "employees", "field": "employees" },
        ] }),
    )
    .await;
    assert_eq!(back["counts"]["updated"], 2, "{back}");
    assert_eq!(back["counts"]["failed"], 0, "{back}");
    let count = owner
        .get("/rest/companies?count=true&limit=1")
        .await
        .expect_status(200);
    assert_eq!(count["totalCount"], 2);
}
