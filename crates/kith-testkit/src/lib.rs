//! Starts a real Kith server on 127.0.0.1:0 over a temporary SQLite file or a fresh PostgreSQL
//! schema, and hands out HTTP clients that behave like the web app (cookies, CSRF header).
//!
//! PostgreSQL runs when `KITH_TEST_POSTGRES_URL` is set; with `KITH_REQUIRE_POSTGRES=1` (as in CI)
//! its absence fails the tests instead of skipping them.
#![forbid(unsafe_code)]

use kith_server::AppState;
use kith_server::config::{Config, Settings, SignupPolicy};
use kith_server::serve::{self, RunningServer};
use kith_store::{Db, OutboxMail};
use reqwest::Method;
use reqwest::cookie::CookieStore as _;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::Connection as _;
use std::sync::Arc;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL variant of a test should run; panics when it is required but not configured.
pub fn postgres_available() -> bool {
    if std::env::var("KITH_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        return true;
    }
    assert!(
        std::env::var("KITH_REQUIRE_POSTGRES").as_deref() != Ok("1"),
        "KITH_REQUIRE_POSTGRES=1 but KITH_TEST_POSTGRES_URL is not set"
    );
    eprintln!("skipping the PostgreSQL variant: KITH_TEST_POSTGRES_URL is not set");
    false
}

/// Defines each listed `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::postgres_available() {
                        super::$name($crate::Backend::Postgres).await;
                    }
                }
            )*
        }
    };
}

/// A running server and the temporary place its data lives.
pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    server: Option<RunningServer>,
    data_dir: TempDir,
    /// The database made for this server alone, unless the test brought its own URL. Declared
    /// after the server, so that it is dropped (with its workspaces' schemas) after the server.
    own_database: Option<TestDatabase>,
}

impl TestApp {
    /// A server with open sign-up.
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, |_| {}).await
    }

    /// A server whose settings `adjust` may change after the test defaults are filled in.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let mut settings = Settings {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(data_dir.path().to_owned()),
            signup: Some(SignupPolicy::Open),
            db_max_connections: Some(4),
            // Scenarios page through thousands of records as one person; the limit itself has
            // its own test, which sets it low.
            user_rate_limit: Some(100_000),
            ..Settings::default()
        };
        adjust(&mut settings);
        // A test that brings its own URL (to restart on the same data) owns none of it: its
        // `TestDatabase` drops it after the last app.
        let own_database = match settings.database_url {
            Some(_) => None,
            None => {
                let database = test_database(backend, &data_dir).await;
                settings.database_url = Some(database.url.clone());
                Some(database)
            }
        };
        let config = Config::from_settings(settings).expect("test configuration is valid");
        let server = serve::start(config).await.expect("server starts");
        TestApp {
            base: format!(
                "{}://{}",
                if server.state.config.tls.is_some() {
                    "https"
                } else {
                    "http"
                },
                server.addr
            ),
            backend,
            server: Some(server),
            data_dir,
            own_database,
        }
    }

    /// Where plain HTTP is redirected to HTTPS, when the test asked for it.
    pub fn redirect_addr(&self) -> Option<std::net::SocketAddr> {
        self.server
            .as_ref()
            .expect("server is running")
            .redirect_addr
    }

    pub fn state(&self) -> &AppState {
        &self.server.as_ref().expect("server is running").state
    }

    /// The capability background jobs act with: a workspace's data with every right.
    pub fn jobs(&self) -> &kith_store::JobRunner {
        &self.server.as_ref().expect("server is running").jobs
    }

    pub fn db(&self) -> &Db {
        &self.state().db
    }

    /// The PostgreSQL schema holding this app's control plane, when it made its own.
    pub fn own_schema(&self) -> Option<&str> {
        self.own_database.as_ref().and_then(TestDatabase::schema)
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// Where a workspace's SQLite file is (whether or not it exists).
    pub fn workspace_file(&self, workspace: &str) -> std::path::PathBuf {
        workspace_file_in(self.data_dir(), workspace)
    }

    /// How many rows of a workspace's `table` match `condition`, read from the database itself
    /// (the SQLite file, or the workspace's PostgreSQL schema), not through Kith. `{id:…}` in the
    /// condition stands for that UUID written as each backend stores it.
    pub async fn count_stored(&self, workspace: &str, table: &str, condition: &str) -> i64 {
        let condition = uuid_literals(condition, self.backend);
        let table = match self.backend {
            Backend::Sqlite => format!("\"{table}\""),
            Backend::Postgres => format!("\"{}\".\"{table}\"", workspace_schema(workspace)),
        };
        let sql = format!("SELECT count(*) FROM {table} WHERE {condition}");
        self.count(&self.workspace_file(workspace), sql).await
    }

    /// How many rows the control plane's `table` holds, read from the database itself.
    pub async fn count_control_plane(&self, table: &str) -> i64 {
        let sql = match (self.backend, self.own_schema()) {
            (Backend::Postgres, Some(schema)) => {
                format!("SELECT count(*) FROM \"{schema}\".\"{table}\"")
            }
            _ => format!("SELECT count(*) FROM \"{table}\""),
        };
        self.count(&self.data_dir().join("kith.db"), sql).await
    }

    /// Changes rows of the control plane's `table` in the database itself, behind Kith's back
    /// (to make something expire, say): `UPDATE table SET {set} WHERE {condition}`.
    pub async fn update_control_plane(&self, table: &str, set: &str, condition: &str) -> u64 {
        let table = match (self.backend, self.own_schema()) {
            (Backend::Postgres, Some(schema)) => format!("\"{schema}\".\"{table}\""),
            _ => format!("\"{table}\""),
        };
        let sql = sqlx::AssertSqlSafe(format!("UPDATE {table} SET {set} WHERE {condition}"));
        match self.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(self.data_dir().join("kith.db"))
                    .busy_timeout(std::time::Duration::from_secs(10));
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open the SQLite file");
                sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("update")
                    .rows_affected()
            }
            Backend::Postgres => {
                let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("update")
                    .rows_affected()
            }
        }
    }

    /// Runs a `SELECT count(*)` on the SQLite file `file` (read-only), or on PostgreSQL.
    async fn count(&self, file: &std::path::Path, sql: String) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql);
        match self.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(file)
                    .read_only(true);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open the SQLite file");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("count")
            }
            Backend::Postgres => {
                let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("count")
            }
        }
    }

    /// Takes a lock that makes every write to a workspace's `table` wait until the returned
    /// holder is released: the SQLite file's write lock, or a PostgreSQL table lock.
    pub async fn hold_writes(&self, workspace: &str, table: &str) -> WriteLock {
        match self.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(self.workspace_file(workspace));
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open the workspace file");
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut conn)
                    .await
                    .expect("take the write lock");
                WriteLock::Sqlite(conn)
            }
            Backend::Postgres => {
                let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                sqlx::query("BEGIN")
                    .execute(&mut conn)
                    .await
                    .expect("begin");
                let schema = workspace_schema(workspace);
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "LOCK TABLE \"{schema}\".\"{table}\" IN SHARE ROW EXCLUSIVE MODE"
                )))
                .execute(&mut conn)
                .await
                .expect("lock the table");
                WriteLock::Postgres(conn)
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base)
    }

    /// Signs in an existing account (password [`PASSWORD`]) and returns its client.
    pub async fn login(&self, email: &str) -> TestClient {
        let client = self.client();
        client
            .post(
                "/api/v1/auth/login",
                serde_json::json!({ "email": email, "password": PASSWORD }),
            )
            .await
            .expect_status(200);
        client
    }

    /// Signs up a new account (password [`PASSWORD`]) and returns its signed-in client.
    pub async fn signup(&self, name: &str, email: &str) -> TestClient {
        let client = self.client();
        let body = serde_json::json!({ "name": name, "email": email, "password": PASSWORD });
        client
            .post("/api/v1/auth/signup", body)
            .await
            .expect_status(201);
        client
    }

    /// Signs up an account that creates a workspace; returns its client and the workspace id.
    pub async fn owner_with_workspace(&self, email: &str) -> (TestClient, String) {
        let owner = self.signup("Owner", email).await;
        let id = owner.create_workspace("Acme").await;
        (owner, id)
    }

    /// Signs up `email` (named after its role), invites it to `workspace` as `role` through
    /// `inviter`, and accepts the mailed invitation; returns its client and user id.
    pub async fn join(
        &self,
        inviter: &TestClient,
        workspace: &str,
        email: &str,
        role: &str,
    ) -> (TestClient, String) {
        let member = self.signup(role, email).await;
        let invitation = serde_json::json!({ "email": email, "role": role });
        inviter
            .post(
                &format!("/api/v1/workspaces/{workspace}/invitations"),
                invitation,
            )
            .await
            .expect_status(201);
        let code = code_in(&self.last_mail_to(email).await);
        member
            .post(
                &format!("/api/v1/invitations/{code}/accept"),
                serde_json::json!({}),
            )
            .await
            .expect_status(200);
        let id = member.get("/api/v1/me").await.expect_status(200)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        (member, id)
    }

    /// The newest mail to `to`.
    pub async fn last_mail_to(&self, to: &str) -> OutboxMail {
        let mut mails = self
            .db()
            .outbox(Some(to), 1)
            .await
            .expect("outbox readable");
        mails.pop().unwrap_or_else(|| panic!("no mail to {to}"))
    }

    /// Stops the server gracefully, as SIGTERM would.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("clean shutdown");
        }
    }
}

/// The code a mail carries ("…or use this code: XYZ").
pub fn code_in(mail: &OutboxMail) -> String {
    mail.body
        .split("code: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no code in mail: {}", mail.body))
        .to_owned()
}

/// A lock on a workspace's writes, taken by [`TestApp::hold_writes`].
pub enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    /// Ends the lock's transaction, letting the waiting writes through.
    pub async fn release(self) {
        match self {
            WriteLock::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("rollback");
                conn.close().await.expect("close");
            }
            WriteLock::Postgres(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("rollback");
                conn.close().await.expect("close");
            }
        }
    }
}

/// An empty database for a test that starts several apps on the same data (none of them owns
/// it): a SQLite file in its data folder, or a fresh PostgreSQL schema, dropped with the schemas
/// of its workspaces when this is (declare it before the apps, so that it outlives them).
pub struct TestDatabase {
    pub url: String,
    schema: Option<String>,
}

impl TestDatabase {
    /// Points a server's settings at this database, and at `data_dir` (the folder it was made
    /// in) for the rest of its data: for [`TestApp::start_with`], once for each app.
    pub fn settings<'a>(&'a self, data_dir: &'a TempDir) -> impl Fn(&mut Settings) + Copy + 'a {
        move |s| {
            s.database_url = Some(self.url.clone());
            s.data_dir = Some(data_dir.path().to_owned());
        }
    }

    /// The PostgreSQL schema holding its control plane.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            drop_postgres_schemas(schema);
        }
    }
}

/// Where a workspace's SQLite file is in a server's data folder (whether or not it exists).
pub fn workspace_file_in(data_dir: &std::path::Path, workspace: &str) -> std::path::PathBuf {
    let workspace = uuid::Uuid::parse_str(workspace).expect("workspace id");
    data_dir
        .join("workspaces")
        .join(format!("{}.db", workspace.simple()))
}

/// A [`TestDatabase`]: a SQLite file in `data_dir`, or a fresh PostgreSQL schema.
pub async fn test_database(backend: Backend, data_dir: &TempDir) -> TestDatabase {
    match backend {
        Backend::Sqlite => TestDatabase {
            url: format!("sqlite://{}", data_dir.path().join("kith.db").display()),
            schema: None,
        },
        Backend::Postgres => {
            let (url, schema) = fresh_postgres_schema().await;
            TestDatabase {
                url,
                schema: Some(schema),
            }
        }
    }
}

/// The PostgreSQL schema of a workspace's records (as the store names it).
pub fn workspace_schema(workspace: &str) -> String {
    kith_store::data::schema_name(uuid::Uuid::parse_str(workspace).expect("workspace id"))
}

/// Drops a test's control-plane schema and the schemas of the workspaces it holds, so that test
/// and benchmark runs do not fill the database's disk (a million-person benchmark leaves
/// gigabytes). Best effort: it runs on a thread of its own (the test's runtime may be the one
/// blocked here), gives up on a lock after two seconds rather than wait for a server that
/// cannot move while its runtime is blocked, and says so instead of failing the test.
fn drop_postgres_schemas(schema: String) {
    let Ok(admin) = std::env::var("KITH_TEST_POSTGRES_URL") else {
        return;
    };
    let cleanup = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query("SET lock_timeout = '2s'")
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let workspaces: Vec<uuid::Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM \"{schema}\".workspaces"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            let schemas = workspaces
                .iter()
                .map(|id| kith_store::data::schema_name(*id))
                .chain([schema.clone()]);
            // Each schema is tried up to three times (a lock held a moment too long, or a
            // deadlock with a server's last queries), and a failure leaves the others to go.
            let mut failures = Vec::new();
            for name in schemas {
                let drop = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
                let mut attempt = 1;
                while let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop.clone()))
                    .execute(&mut conn)
                    .await
                {
                    if attempt == 3 {
                        failures.push(format!("{name}: {e}"));
                        break;
                    }
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
            if failures.is_empty() {
                Ok::<(), String>(())
            } else {
                Err(failures.join("; "))
            }
        })
    });
    match cleanup.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("kith-testkit: a test schema was left in place: {e}"),
        Err(_) => eprintln!("kith-testkit: the schema clean-up panicked"),
    }
}

/// Waits (up to 10 s) until a PostgreSQL query whose text is `LIKE pattern` waits on a lock;
/// returns that backend's process id. Watched from a connection of its own: inside a
/// transaction, `pg_stat_activity` stays as it was first read.
pub async fn postgres_backend_waiting_on_lock(pattern: &str) -> i32 {
    let admin = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL is set");
    let mut watcher = sqlx::PgConnection::connect(&admin).await.expect("connect");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 LIMIT 1",
        )
        .bind(pattern)
        .fetch_optional(&mut watcher)
        .await
        .expect("activity");
        if let Some(pid) = waiting {
            watcher.close().await.expect("close");
            return pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no query like {pattern:?} waited on a lock"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Creates an empty schema; returns a URL whose connections use it, and the schema.
async fn fresh_postgres_schema() -> (String, String) {
    let admin = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL is set");
    let schema = format!("test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to KITH_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create test schema");
    let mut url = url::Url::parse(&admin).expect("KITH_TEST_POSTGRES_URL is a URL");
    url.query_pairs_mut()
        .append_pair("options[search_path]", &schema);
    (url.to_string(), schema)
}

/// An HTTP client with its own cookie jar that, like the web app, copies the `kith_csrf` cookie
/// into the `X-CSRF-Token` header of every change.
#[derive(Clone)]
pub struct TestClient {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: url::Url,
    /// Sent as `X-Kith-Workspace` when set (the REST API's workspace for a browser session).
    workspace: Option<String>,
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON, or `Null` when it is not JSON.
    pub json: Value,
}

impl Reply {
    /// Asserts the status (showing the body when it differs) and returns the JSON body.
    #[track_caller]
    pub fn expect_status(self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self.json
    }

    /// Asserts an error answer: its status and `error.code`; returns the `error` object.
    #[track_caller]
    /// [`Reply::expect_error`], then the fields its details name, in their order.
    pub fn expect_error_fields(self, status: u16, code: &str) -> Vec<String> {
        let error = self.expect_error(status, code);
        error["details"]
            .as_array()
            .expect("details")
            .iter()
            .filter_map(|d| d["field"].as_str().map(str::to_owned))
            .collect()
    }

    pub fn expect_error(self, status: u16, code: &str) -> Value {
        let body = self.expect_status(status);
        assert_eq!(body["error"]["code"], code, "unexpected error: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "error without message: {body}"
        );
        body["error"].clone()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` header of the answer, as sent.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

impl TestClient {
    /// Creates a workspace (the client becomes its owner); returns its id.
    pub async fn create_workspace(&self, name: &str) -> String {
        let created = self
            .post("/api/v1/workspaces", serde_json::json!({ "name": name }))
            .await
            .expect_status(201);
        created["id"].as_str().expect("workspace id").to_owned()
    }

    pub fn new(base: &str) -> TestClient {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .user_agent("kith-testkit")
            .build()
            .expect("HTTP client");
        TestClient {
            http,
            jar,
            base: url::Url::parse(base).expect("base URL"),
            workspace: None,
        }
    }

    /// The same signed-in client, working in `workspace` for the REST API.
    pub fn in_workspace(&self, workspace: &str) -> TestClient {
        TestClient {
            workspace: Some(workspace.to_owned()),
            ..self.clone()
        }
    }

    /// A request with cookies but without the CSRF header, for tests of CSRF itself.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = self.base.join(path).expect("path joins the base URL");
        let builder = self.http.request(method, url);
        match &self.workspace {
            Some(workspace) => builder.header("x-kith-workspace", workspace),
            None => builder,
        }
    }

    /// The value of the `kith_csrf` cookie, if the jar holds one.
    pub fn csrf(&self) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("kith_csrf="))
            .map(str::to_owned)
    }

    /// The session token from the `kith_session` cookie.
    pub fn session_token(&self) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("kith_session="))
            .map(str::to_owned)
    }

    /// A request as the web app would send it: cookies, and the CSRF header on changes.
    pub fn with_csrf(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.request(method.clone(), path);
        match self.csrf() {
            Some(token) if method != Method::GET => builder.header("x-csrf-token", token),
            _ => builder,
        }
    }

    pub fn get(&self, path: &str) -> impl Future<Output = Reply> + use<> {
        send(self.with_csrf(Method::GET, path))
    }

    pub fn post(&self, path: &str, body: Value) -> impl Future<Output = Reply> + use<> {
        send(self.with_csrf(Method::POST, path).json(&body))
    }

    pub fn patch(&self, path: &str, body: Value) -> impl Future<Output = Reply> + use<> {
        send(self.with_csrf(Method::PATCH, path).json(&body))
    }

    pub fn delete(&self, path: &str) -> impl Future<Output = Reply> + use<> {
        send(self.with_csrf(Method::DELETE, path))
    }
}

/// Replaces each `{id:<uuid>}` with that UUID as a literal of the backend's column type.
fn uuid_literals(condition: &str, backend: Backend) -> String {
    let mut out = String::new();
    let mut rest = condition;
    while let Some(start) = rest.find("{id:") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .expect("closing }");
        let id = uuid::Uuid::parse_str(&rest[start + 4..end]).expect("a UUID in {id:…}");
        out.push_str(&match backend {
            Backend::Sqlite => format!("x'{}'", id.simple()),
            Backend::Postgres => format!("'{id}'::uuid"),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Sends a request and reads the whole answer.
/// An event stream's body is only its first chunk: the stream itself goes on for a minute.
pub async fn send(builder: reqwest::RequestBuilder) -> Reply {
    let mut response = builder.send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let streaming = headers
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
    let bytes = if streaming {
        let chunk = response.chunk().await.expect("the stream's first chunk");
        chunk.map(|c| c.to_vec()).unwrap_or_default()
    } else {
        response.bytes().await.expect("response body").to_vec()
    };
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        bytes,
        json,
    }
}

/// A minimal SMTP server on 127.0.0.1 that accepts every mail and keeps the raw messages, so
/// delivery through a real SMTP conversation can be tested without a mail server.
pub struct FakeSmtp {
    pub port: u16,
    messages: Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeSmtp {
    pub async fn start() -> FakeSmtp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake SMTP");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = Arc::clone(&messages);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = Arc::clone(&kept);
                tokio::spawn(async move {
                    if let Some(message) = smtp_session(stream).await {
                        kept.lock().expect("fake SMTP lock").push(message);
                    }
                });
            }
        });
        FakeSmtp { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits up to five seconds for `count` messages and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let messages = self.messages.lock().expect("fake SMTP lock").clone();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fake SMTP server received fewer than {count} messages");
    }
}

/// Speaks just enough SMTP for one mail; returns its DATA.
async fn smtp_session(stream: tokio::net::TcpStream) -> Option<String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake.smtp ESMTP\r\n").await.ok()?;
    let mut message = None;
    while let Some(line) = lines.next_line().await.ok()? {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 fake.smtp\r\n"
        } else if command.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await.ok()?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await.ok()? {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            message = Some(data);
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await.ok()?;
            break;
        } else {
            b"250 ok\r\n"
        };
        write.write_all(reply).await.ok()?;
    }
    message
}
