//! How records lie on disk and in the schema: an older SQLite file's search map filled, an older
//! PostgreSQL schema brought up to date, a workspace file's write-ahead log folded back in the
//! background, and timelines on both layouts of the events table.

use super::{create, id_of, index_comes_to_serve, rows_come_to, timeline_of, workspace};
use kith_testkit::{Backend, TestApp, TestClient};
use serde_json::{Value, json};

/// A workspace file from before the search index's record map and its labels' words: the map is
/// filled on the next start, so changing a record still replaces its entry instead of leaving
/// the old one behind, and the words are written in the background.
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
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Grace", "lastName": "Hopper" } }),
    )
    .await;
    app.stop().await;

    {
        use sqlx::Connection as _;
        let mut conn = open_workspace_file(&dir, &ws).await;
        let old_layout = [
            "DROP TABLE _kith_search_docs",
            "DROP TABLE _kith_search_labels",
        ];
        execute_each::<sqlx::Sqlite>(&mut conn, &old_layout).await;
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
    // Ada Byron's words, and Grace Hopper's once the catch-up has indexed her again.
    let mut kept = 0;
    for _ in 0..100 {
        let mut conn = open_workspace_file(&dir, &ws).await;
        kept = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM _kith_search_labels")
            .fetch_one(&mut conn)
            .await
            .expect("count the labels' words");
        if kept == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kept, 4, "the labels' words of both people");
    assert_eq!(labels("hopp").await, ["Grace Hopper"]);
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
        format!("DROP TABLE \"{schema}\"._kith_search_labels"),
    ];
    execute_each::<sqlx::Postgres>(&mut conn, &old_layout).await;
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
    let options: Option<Vec<String>> = sqlx::query_scalar(
        "SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = 'kith_search_words'",
    )
    .bind(&schema)
    .fetch_one(&mut conn)
    .await
    .expect("the search index's options");
    assert_eq!(
        options,
        Some(vec!["gin_pending_list_limit=256".to_owned()]),
        "the index made again keeps few entries pending"
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
    // Indexed again in the background, when the server first opened the workspace: her old
    // entry had `zo` and `dahl`, and no schema had kept the labels' words.
    rows_come_to(&app, &ws, "_kith_search_labels", 8).await;
    let zoe = owner
        .get("/rest/search?q=zo%C3%AB")
        .await
        .expect_status(200);
    assert_eq!(zoe["data"]["search"][0]["label"], "Zoë Ådahl", "{zoe}");

    let path = format!("/rest/people/{}", id_of(&ada));
    let events = engineer_becomes_cto(&owner, &path).await;
    assert_eq!(
        events[1]["changes"]["jobTitle"],
        json!({ "before": null, "after": "Engineer" }),
        "the event written as JSONB reads the same"
    );
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
    let statements = [
        old_layout.as_str(),
        "INSERT INTO _kith_events_old SELECT * FROM _kith_events",
        "DROP TABLE _kith_events",
        "ALTER TABLE _kith_events_old RENAME TO _kith_events",
        "CREATE INDEX kith_events_record ON _kith_events (record_id, at)",
    ];
    execute_each::<sqlx::Sqlite>(&mut file, &statements).await;
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

/// A workspace from before the counts were kept (`data::counts`): its objects are counted once on
/// the next start, and from then on each write is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_sqlite_file_gets_its_records_counted() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Sqlite, &dir).await;
    let settings = database.settings(&dir);
    let ws = three_people_then_stop(Backend::Sqlite, settings).await;
    let mut conn = open_workspace_file(&dir, &ws).await;
    let triggers: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut conn)
            .await
            .expect("triggers");
    assert!(triggers.len() >= 3, "each object's triggers: {triggers:?}");
    let mut drops: Vec<String> = triggers
        .iter()
        .map(|trigger| format!("DROP TRIGGER \"{trigger}\""))
        .collect();
    drops.push("DROP TABLE _kith_counts".to_owned());
    execute_each::<sqlx::Sqlite>(&mut conn, &drops).await;
    conn.close().await.expect("close");
    counted_once_then_kept(Backend::Sqlite, settings, &ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_postgres_schema_gets_its_records_counted() {
    use sqlx::Connection as _;
    if !kith_testkit::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let settings = database.settings(&dir);
    let ws = three_people_then_stop(Backend::Postgres, settings).await;
    let schema = kith_testkit::workspace_schema(&ws);
    let mut conn = sqlx::PgConnection::connect(&database.url)
        .await
        .expect("connect");
    let drops = [
        format!("DROP TABLE \"{schema}\"._kith_counts"),
        format!("DROP FUNCTION \"{schema}\".kith_count_added CASCADE"),
        format!("DROP FUNCTION \"{schema}\".kith_count_removed CASCADE"),
        format!("DROP FUNCTION \"{schema}\".kith_count_moved CASCADE"),
    ];
    execute_each::<sqlx::Postgres>(&mut conn, &drops).await;
    conn.close().await.expect("close");
    counted_once_then_kept(Backend::Postgres, settings, &ws).await;
}

async fn three_people_then_stop(
    backend: Backend,
    settings: impl Fn(&mut kith_server::config::Settings),
) -> String {
    let app = TestApp::start_with(backend, settings).await;
    let (owner, ws) = workspace(&app).await;
    let people: Vec<Value> = ["Ada", "Grace", "Alan"]
        .iter()
        .map(|first| json!({ "name": { "firstName": first } }))
        .collect();
    let created = owner
        .post("/rest/batch/people", Value::Array(people))
        .await
        .expect_status(201);
    let alan = id_of(&created["data"]["createPeople"][2]);
    owner
        .delete(&format!("/rest/people/{alan}"))
        .await
        .expect_status(200);
    app.stop().await;
    ws
}

async fn counted_once_then_kept(
    backend: Backend,
    settings: impl Fn(&mut kith_server::config::Settings),
    ws: &str,
) {
    let app = TestApp::start_with(backend, settings).await;
    let owner = app.login("owner@example.com").await.in_workspace(ws);
    let count = || async {
        owner
            .get("/rest/people?limit=1&count=true")
            .await
            .expect_status(200)["totalCount"]
            .clone()
    };
    assert_eq!(count().await, 2, "the live people, counted on opening");
    create(
        &owner,
        "people",
        json!({ "name": { "firstName": "Linus" } }),
    )
    .await;
    assert_eq!(count().await, 3, "and each write from then on");
}

/// A workspace made before a standard field was indexed for sorting gets the index in the
/// background when the server first opens it (here: every sort index of people dropped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_sqlite_file_gets_the_missing_sort_indexes() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Sqlite, &dir).await;
    let settings = database.settings(&dir);
    let ws = three_people_then_stop(Backend::Sqlite, settings).await;
    let mut conn = open_workspace_file(&dir, &ws).await;
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'people' AND name LIKE 'ix_%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    let drops: Vec<String> = indexes
        .iter()
        .map(|index| format!("DROP INDEX \"{index}\""))
        .collect();
    execute_each::<sqlx::Sqlite>(&mut conn, &drops).await;
    conn.close().await.expect("close");
    sort_indexes_come_back(Backend::Sqlite, settings, &ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_postgres_schema_gets_the_missing_sort_indexes() {
    use sqlx::Connection as _;
    if !kith_testkit::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(Backend::Postgres, &dir).await;
    let settings = database.settings(&dir);
    let ws = three_people_then_stop(Backend::Postgres, settings).await;
    let schema = kith_testkit::workspace_schema(&ws);
    let mut conn = sqlx::PgConnection::connect(&database.url)
        .await
        .expect("connect");
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 AND tablename = 'people' AND indexname LIKE 'ix_%'",
    )
    .bind(&schema)
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    let drops: Vec<String> = indexes
        .iter()
        .map(|index| format!("DROP INDEX \"{schema}\".\"{index}\""))
        .collect();
    execute_each::<sqlx::Postgres>(&mut conn, &drops).await;
    conn.close().await.expect("close");
    sort_indexes_come_back(Backend::Postgres, settings, &ws).await;
}

async fn sort_indexes_come_back(
    backend: Backend,
    settings: impl Fn(&mut kith_server::config::Settings),
    ws: &str,
) {
    let app = TestApp::start_with(backend, settings).await;
    let data = app
        .jobs()
        .data(uuid::Uuid::parse_str(ws).expect("uuid"))
        .await
        .expect("data");
    for order in ["jobTitle", "city[DescNullsLast]", "companyId"] {
        index_comes_to_serve(&data, "people", order).await;
    }
}

/// A workspace's SQLite file, opened beside the server (stopped) to make it look older.
async fn open_workspace_file(dir: &tempfile::TempDir, ws: &str) -> sqlx::SqliteConnection {
    use sqlx::Connection as _;
    let file = kith_testkit::workspace_file_in(dir.path(), ws);
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file);
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("open the workspace file")
}

/// Runs each statement on `conn`, failing with the one that failed.
async fn execute_each<DB>(conn: &mut DB::Connection, statements: &[impl AsRef<str>])
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
{
    for statement in statements.iter().map(AsRef::as_ref) {
        sqlx::query::<DB>(sqlx::AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}
