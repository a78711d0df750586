//! Workspace archives: `kith export --archive` and `kith import --archive`, from SQLite to
//! PostgreSQL and back as it was, the erasure log applied again on import, and a cut file
//! refused with nothing left behind.

use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};
use std::path::Path;

on_both_backends!(
    an_archive_made_before_an_erasure_restores_without_the_erased_person,
    a_cut_or_foreign_file_is_refused_and_leaves_no_workspace,
);

/// `kith` on the database at `url`, the data (and key file) in `dir`: success and output.
async fn kith_on(dir: &Path, url: &str, args: &[&str]) -> (bool, String) {
    let (output, stdout, stderr) = crate::cli::run(
        crate::cli::kith(dir)
            .args(args)
            .env("KITH_DATABASE_URL", url)
            .env("KITH_DATA_DIR", dir),
    )
    .await;
    (output.status.success(), format!("{stdout}{stderr}"))
}

/// The id in `restored … (id X)`.
fn restored_id(out: &str) -> String {
    let start = out.find("(id ").expect("a restored workspace's id") + 4;
    out[start..start + 36].to_owned()
}

use crate::data_subjects::create;

/// A full workspace on `backend` and its archive, made while its server runs.
struct Archived {
    app: TestApp,
    database: kith_testkit::TestDatabase,
    dir: tempfile::TempDir,
    owner: TestClient,
    ws: String,
    file: std::path::PathBuf,
}

async fn archived(backend: Backend) -> Archived {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let app = TestApp::start_with(backend, database.settings(&dir)).await;
    let (owner, ws) = a_full_workspace(&app).await;
    let file = dir.path().join("archive.jsonl");
    let (ok, out) = kith_on(
        dir.path(),
        &database.url,
        &[
            "export",
            "--archive",
            &ws,
            "-o",
            file.to_str().expect("path"),
        ],
    )
    .await;
    assert!(ok, "{out}");
    Archived {
        app,
        database,
        dir,
        owner,
        ws,
        file,
    }
}

/// A workspace with a custom object (a relation, a sensitive field, a select), people with
/// emails and a company, a linked note, history, a saved view and a webhook.
async fn a_full_workspace(app: &TestApp) -> (TestClient, String) {
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client = owner.in_workspace(&ws);
    let deal = client
        .post(
            "/rest/metadata/objects",
            json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "Deal", "labelPlural": "Deals" }),
        )
        .await
        .expect_status(201)["data"]["createOneObject"]["id"]
        .clone();
    for field in [
        json!({ "name": "account", "label": "Account", "type": "RELATION", "relation": { "target": "company", "onDelete": "SET_NULL", "inverseName": "deals" } }),
        json!({ "name": "iban", "label": "IBAN", "type": "SENSITIVE_TEXT" }),
        json!({ "name": "stage", "label": "Stage", "type": "SELECT", "options": [{ "value": "WON", "label": "Won", "color": "green" }] }),
        json!({ "name": "value", "label": "Value", "type": "CURRENCY" }),
    ] {
        let mut field = field;
        field["objectMetadataId"] = deal.clone();
        client
            .post("/rest/metadata/fields", field)
            .await
            .expect_status(201);
    }
    let company = create(
        &client,
        "companies",
        json!({ "name": "Babbage & Co", "employees": 12 }),
    )
    .await;
    let ada = create(
        &client,
        "people",
        json!({
            "name": { "firstName": "Ada", "lastName": "Lovelace" },
            "emails": { "primaryEmail": "ada@example.com", "additionalEmails": ["ada.l@example.org"] },
            "companyId": company,
        }),
    )
    .await;
    create(
        &client,
        "people",
        json!({ "name": { "firstName": "Grace", "lastName": "Hopper" }, "emails": { "primaryEmail": "grace@example.com" } }),
    )
    .await;
    client
        .patch(
            &format!("/rest/people/{ada}"),
            json!({ "jobTitle": "Analyst" }),
        )
        .await
        .expect_status(200);
    create(
        &client,
        "deals",
        json!({ "name": "Engine", "accountId": company, "iban": "FR76 3000 6000", "stage": "WON",
                "value": { "amountMicros": 1_500_000_000, "currencyCode": "GBP" } }),
    )
    .await;
    let note = create(
        &client,
        "notes",
        json!({ "title": "Call with Ada", "body": "About the engine" }),
    )
    .await;
    client
        .post(
            &format!("/rest/notes/{note}/targets"),
            json!({ "targetObject": "person", "targetId": ada }),
        )
        .await
        .expect_status(201);
    let objects = client
        .get("/rest/metadata/objects")
        .await
        .expect_status(200);
    let people = objects["data"]["objects"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["nameSingular"] == "person"))
        .map(|o| o["id"].clone())
        .expect("people");
    client
        .post(
            "/rest/metadata/views",
            json!({ "objectMetadataId": people, "name": "Engineers", "filter": "jobTitle[eq]:Analyst", "visibility": "workspace" }),
        )
        .await
        .expect_status(201);
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/webhooks"),
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["deal.*"] }),
        )
        .await
        .expect_status(201);
    (owner, ws)
}

/// The archive's lines after its header, and the header's objects without their search
/// counters (a restore rebuilds the index, so those move).
fn contents(path: &Path) -> (Vec<Value>, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("archive");
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().expect("header")).expect("JSON");
    let objects = header["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| {
            let mut o = o.clone();
            for counter in [
                "searchChanges",
                "searchIndexed",
                "search_changes",
                "search_indexed",
            ] {
                o.as_object_mut().map(|o| o.remove(counter));
            }
            o
        })
        .collect();
    (objects, lines.map(str::to_owned).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_goes_from_sqlite_to_postgres_and_back_as_it_was() {
    if !kith_testkit::postgres_available() {
        return;
    }
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let sqlite_a = kith_testkit::test_database(Backend::Sqlite, &dirs[0]).await;
    let postgres = kith_testkit::test_database(Backend::Postgres, &dirs[1]).await;
    let sqlite_c = kith_testkit::test_database(Backend::Sqlite, &dirs[2]).await;
    let source = TestApp::start_with(Backend::Sqlite, sqlite_a.settings(&dirs[0])).await;
    let (_, ws) = a_full_workspace(&source).await;
    let a = dirs[0].path().join("a.jsonl");
    let (ok, out) = kith_on(
        dirs[0].path(),
        &sqlite_a.url,
        &["export", "--archive", &ws, "-o", a.to_str().expect("path")],
    )
    .await;
    assert!(ok, "{out}");
    source.stop().await;

    // Into PostgreSQL, for an owner who has an account there, and out again.
    let middle = TestApp::start_with(Backend::Postgres, postgres.settings(&dirs[1])).await;
    middle.signup("Owner", "owner@example.com").await;
    let (ok, out) = kith_on(
        dirs[1].path(),
        &postgres.url,
        &[
            "import",
            "--archive",
            a.to_str().expect("path"),
            "--owner",
            "owner@example.com",
        ],
    )
    .await;
    assert!(ok, "{out}");
    let on_postgres = restored_id(&out);
    let b = dirs[1].path().join("b.jsonl");
    let (ok, out) = kith_on(
        dirs[1].path(),
        &postgres.url,
        &[
            "export",
            "--archive",
            &on_postgres,
            "-o",
            b.to_str().expect("path"),
        ],
    )
    .await;
    assert!(ok, "{out}");
    middle.stop().await;

    // And back into SQLite.
    let last = TestApp::start_with(Backend::Sqlite, sqlite_c.settings(&dirs[2])).await;
    let owner = last.signup("Owner", "owner@example.com").await;
    let (ok, out) = kith_on(
        dirs[2].path(),
        &sqlite_c.url,
        &[
            "import",
            "--archive",
            b.to_str().expect("path"),
            "--owner",
            "owner@example.com",
            "--name",
            "Engines again",
        ],
    )
    .await;
    assert!(ok && out.contains("\"Engines again\""), "{out}");
    let back = restored_id(&out);
    let c = dirs[2].path().join("c.jsonl");
    let (ok, out) = kith_on(
        dirs[2].path(),
        &sqlite_c.url,
        &[
            "export",
            "--archive",
            &back,
            "-o",
            c.to_str().expect("path"),
        ],
    )
    .await;
    assert!(ok, "{out}");

    // Every row, as it was, in all three; the metadata too.
    let (objects_a, rows_a) = contents(&a);
    assert!(rows_a.len() > 20, "{} lines", rows_a.len());
    for other in [&b, &c] {
        let (objects, rows) = contents(other);
        assert_eq!(objects, objects_a);
        assert_eq!(rows.len(), rows_a.len());
        for (line, (got, want)) in rows.iter().zip(&rows_a).enumerate() {
            assert_eq!(got, want, "line {} of {}", line + 2, other.display());
        }
    }

    // The restored workspace works as the first did: records, a sensitive value sealed anew,
    // relations, search, history, links, the view, and the webhook (disabled, a new secret).
    let client = owner.in_workspace(&back);
    let deals = client.get("/rest/deals").await.expect_status(200);
    let deal = &deals["data"]["deals"][0];
    assert_eq!(deal["iban"], "FR76 3000 6000");
    assert_eq!(deal["stage"], "WON");
    let company = deal["accountId"].as_str().expect("relation");
    client
        .get(&format!("/rest/companies/{company}"))
        .await
        .expect_status(200);
    let hits = client
        .get("/rest/search?q=babbage")
        .await
        .expect_status(200);
    assert_eq!(
        hits["data"]["search"].as_array().map(Vec::len),
        Some(1),
        "{hits}"
    );
    let people = client
        .get("/rest/people?filter=jobTitle[eq]:Analyst")
        .await
        .expect_status(200);
    let ada = people["data"]["people"][0]["id"]
        .as_str()
        .expect("Ada")
        .to_owned();
    let timeline = client
        .get(&format!("/rest/people/{ada}/timeline"))
        .await
        .expect_status(200);
    assert!(timeline.to_string().contains("Analyst"), "{timeline}");
    assert!(
        timeline.to_string().contains("Call with Ada"),
        "the linked note: {timeline}"
    );
    let views = client.get("/rest/metadata/views").await.expect_status(200);
    assert!(views.to_string().contains("Engineers"), "{views}");
    let webhooks = owner
        .get(&format!("/api/v1/workspaces/{back}/webhooks"))
        .await
        .expect_status(200);
    assert_eq!(webhooks["data"][0]["url"], "http://127.0.0.1:9/hook");
    assert_eq!(webhooks["data"][0]["enabled"], false, "{webhooks}");
    last.stop().await;
}

async fn an_archive_made_before_an_erasure_restores_without_the_erased_person(backend: Backend) {
    let Archived {
        app,
        database,
        dir,
        owner,
        ws,
        file: before,
    } = archived(backend).await;
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/privacy/erasures"),
            json!({ "email": "ada.l@example.org" }),
        )
        .await
        .expect_status(200);

    let (ok, out) = kith_on(
        dir.path(),
        &database.url,
        &[
            "import",
            "--archive",
            before.to_str().expect("path"),
            "--owner",
            "owner@example.com",
        ],
    )
    .await;
    assert!(ok && out.contains("erased again 1 person"), "{out}");
    let restored = restored_id(&out);
    let found = owner
        .get(&format!(
            "/api/v1/workspaces/{restored}/privacy/subject?email=ada%40example.com"
        ))
        .await
        .expect_status(200);
    assert_eq!(found["records"], json!([]), "{found}");
    assert_eq!(found["mentions"], json!([]), "{found}");
    let people = owner
        .in_workspace(&restored)
        .get("/rest/people")
        .await
        .expect_status(200);
    let names = people.to_string();
    assert!(
        names.contains("Grace") && !names.contains("Lovelace"),
        "{names}"
    );
    let log = owner
        .get(&format!("/api/v1/workspaces/{restored}/privacy/erasures"))
        .await
        .expect_status(200);
    assert_eq!(
        log["data"].as_array().map(Vec::len),
        Some(1),
        "the log came along: {log}"
    );
    app.stop().await;
}

async fn a_cut_or_foreign_file_is_refused_and_leaves_no_workspace(backend: Backend) {
    let Archived {
        app,
        database,
        dir,
        owner,
        file: whole,
        ..
    } = archived(backend).await;
    let text = std::fs::read_to_string(&whole).expect("archive");
    let lines: Vec<&str> = text.lines().collect();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 3].join("\n")).expect("write");
    let foreign = dir.path().join("foreign.csv");
    std::fs::write(&foreign, "name,email\nAda,ada@example.com\n").expect("write");
    let garbled = dir.path().join("garbled.jsonl");
    // A number where the IBAN's text belongs.
    std::fs::write(&garbled, text.replacen("\"FR76 3000 6000\"", "17", 1)).expect("write");

    for (file, expected) in [
        (&cut, "ends early"),
        (&foreign, "not a Kith archive"),
        (&garbled, "holds 17 where"),
    ] {
        let (ok, out) = kith_on(
            dir.path(),
            &database.url,
            &[
                "import",
                "--archive",
                file.to_str().expect("path"),
                "--owner",
                "owner@example.com",
            ],
        )
        .await;
        assert!(!ok && out.contains(expected), "{}: {out}", file.display());
    }
    let (ok, out) = kith_on(
        dir.path(),
        &database.url,
        &[
            "import",
            "--archive",
            whole.to_str().expect("path"),
            "--owner",
            "nobody@example.com",
        ],
    )
    .await;
    assert!(
        !ok && out.contains("no account has the email nobody@example.com"),
        "{out}"
    );
    let workspaces = owner.get("/api/v1/workspaces").await.expect_status(200);
    assert_eq!(
        workspaces["data"].as_array().map(Vec::len),
        Some(1),
        "{workspaces}"
    );
    app.stop().await;
}
