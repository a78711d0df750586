//! The `kith` binary: commands, configuration, startup errors, admin commands, graceful shutdown.

use kith_testkit::{Backend, PASSWORD, TestApp, on_both_backends};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::process::Command;

/// `kith` with none of the developer's KITH_* settings, run in `dir` (so no stray kith.toml is read).
pub(crate) fn kith(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kith"));
    for (key, _) in std::env::vars() {
        if key.starts_with("KITH_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

pub(crate) async fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().await.expect("kith runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// The one line saying why kith stopped: the only `kith: ` line, and the last.
fn error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("kith: ")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().last(),
        Some(lines[0]),
        "the error is the last line: {stderr}"
    );
    lines[0]
}

#[tokio::test]
async fn help_lists_every_command() {
    let dir = tempfile::tempdir().expect("dir");
    let (output, stdout, _) = run(kith(dir.path()).arg("--help")).await;
    assert!(output.status.success());
    for command in [
        "serve", "migrate", "config", "admin", "export", "privacy", "mcp",
    ] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} missing from:\n{stdout}"
        );
    }
    let (_, admin, _) = run(kith(dir.path()).args(["admin", "--help"])).await;
    for command in [
        "create-user",
        "reset-password",
        "list-workspaces",
        "outbox",
        "rotate-key",
    ] {
        assert!(admin.contains(command), "{command} missing from:\n{admin}");
    }
}

#[tokio::test]
async fn config_resolves_flags_over_env_over_file_and_redacts_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("kith.toml"),
        "bind = \"127.0.0.1:8100\"\ndata_dir = \"/srv/from-file\"\nsignup = \"closed\"\n",
    )
    .expect("write kith.toml");
    let (output, stdout, stderr) = run(kith(dir.path())
        .arg("config")
        .env("KITH_DATA_DIR", "/srv/from-env")
        .env(
            "KITH_DATABASE_URL",
            "postgres://kith:hunter2hunter2@db.internal:5432/kith",
        )
        .env(
            "KITH_SMTP_URL",
            "smtps://mailer:mailsecret@mail.example.com",
        ))
    .await;
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("bind = 127.0.0.1:8100"),
        "file value used:\n{stdout}"
    );
    assert!(
        stdout.contains("data_dir = /srv/from-env"),
        "env beats the file:\n{stdout}"
    );
    assert!(stdout.contains("signup = closed"), "{stdout}");
    assert!(
        stdout.contains("postgres://kith:***@db.internal:5432/kith"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("hunter2") && !stdout.contains("mailsecret"),
        "secrets leaked:\n{stdout}"
    );

    let (_, stdout, _) = run(kith(dir.path())
        .args(["config", "--bind", "127.0.0.1:8200"])
        .env("KITH_BIND", "127.0.0.1:8300"))
    .await;
    assert!(
        stdout.contains("bind = 127.0.0.1:8200"),
        "the flag beats env and file:\n{stdout}"
    );
    let (_, stdout, _) = run(kith(dir.path())
        .arg("config")
        .env("KITH_BIND", "127.0.0.1:8300"))
    .await;
    assert!(
        stdout.contains("bind = 127.0.0.1:8300"),
        "env beats the file:\n{stdout}"
    );
}

#[tokio::test]
async fn wrong_configuration_stops_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let (output, _, stderr) = run(kith(dir.path()).args(["config", "--bind", "localhost"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        error_line(&stderr).contains("KITH_BIND must be an IP address and port"),
        "{stderr}"
    );

    let (output, _, stderr) = run(kith(dir.path())
        .arg("migrate")
        .env("KITH_DATABASE_URL", "mysql://root@localhost/crm"))
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        error_line(&stderr).contains("KITH_DATABASE_URL must start with sqlite:// or postgres://"),
        "{stderr}"
    );

    let (output, _, stderr) =
        run(kith(dir.path()).args(["config", "--secret-key", "too-short"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        error_line(&stderr).contains("KITH_SECRET_KEY must be 32 bytes"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("too-short"),
        "the key is not echoed: {stderr}"
    );

    std::fs::write(
        dir.path().join("bad.toml"),
        "bind = \"127.0.0.1:1\"\ncolour = \"blue\"\n",
    )
    .expect("write");
    let (output, _, stderr) = run(kith(dir.path()).args(["config", "--config", "bad.toml"])).await;
    assert_eq!(output.status.code(), Some(2));
    let line = error_line(&stderr);
    assert!(
        line.contains("bad.toml") && line.contains("colour"),
        "{line}"
    );

    let (output, _, stderr) =
        run(kith(dir.path()).args(["config", "--config", "missing.toml"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        error_line(&stderr).contains("cannot read config file missing.toml"),
        "{stderr}"
    );
}

#[tokio::test]
async fn startup_failures_say_what_and_how_to_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let unreachable = "postgres://kith:s3cr3tpass@127.0.0.1:1/kith";
    let (output, _, stderr) = run(kith(dir.path())
        .arg("serve")
        .env("KITH_DATABASE_URL", unreachable))
    .await;
    assert_eq!(output.status.code(), Some(1));
    let line = error_line(&stderr);
    assert!(
        line.contains("cannot open the database postgres://kith:***@127.0.0.1:1/kith")
            && line.contains("KITH_DATABASE_URL"),
        "{line}"
    );
    assert!(!stderr.contains("s3cr3tpass"), "password leaked: {stderr}");

    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").expect("write");
    let (output, _, stderr) = run(kith(dir.path())
        .arg("serve")
        .env("KITH_DATA_DIR", file.join("data")))
    .await;
    assert_eq!(output.status.code(), Some(1));
    let line = error_line(&stderr);
    assert!(
        line.contains("cannot use the data directory") && line.contains("KITH_DATA_DIR"),
        "{line}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (output, _, stderr) =
        run(kith(dir.path()).args(["serve", "--bind", &addr, "--data-dir", "data"])).await;
    assert_eq!(output.status.code(), Some(1));
    let line = error_line(&stderr);
    assert!(
        line.contains(&format!("cannot listen on {addr}"))
            && line.contains("already in use")
            && line.contains("KITH_BIND"),
        "{line}"
    );
}

on_both_backends!(admin_commands_work_on_the_database_the_server_uses);

async fn admin_commands_work_on_the_database_the_server_uses(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let database_guard = kith_testkit::test_database(backend, &dir).await;
    let url = database_guard.url.clone();
    let admin = |args: &[&str]| {
        let mut command = kith(dir.path());
        command
            .arg("admin")
            .args(args)
            .env("KITH_DATABASE_URL", &url)
            .env("KITH_DATA_DIR", dir.path());
        command
    };

    let (output, stdout, stderr) = run(kith(dir.path())
        .arg("migrate")
        .env("KITH_DATABASE_URL", &url)
        .env("KITH_DATA_DIR", dir.path()))
    .await;
    assert!(
        output.status.success() && stdout.contains("up to date"),
        "{stdout}{stderr}"
    );

    let mut create = admin(&[
        "create-user",
        "--email",
        "Root@Example.com",
        "--name",
        "Root",
        "--password-stdin",
    ]);
    let mut child = create
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    tokio::io::AsyncWriteExt::write_all(&mut stdin, format!("{PASSWORD}\n").as_bytes())
        .await
        .expect("write password");
    drop(stdin);
    let output = child.wait_with_output().await.expect("create-user");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created account root@example.com"));
    let (output, _, stderr) = run(&mut admin(&[
        "create-user",
        "--email",
        "root@example.com",
        "--name",
        "Again",
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(error_line(&stderr).contains("already"), "{stderr}");
    let (output, _, stderr) = run(&mut admin(&[
        "create-user",
        "--email",
        "nope",
        "--name",
        "X",
    ]))
    .await;
    assert!(
        !output.status.success() && error_line(&stderr).contains("--email is not an email address"),
        "{stderr}"
    );

    let (_, stdout, _) = run(&mut admin(&["list-workspaces"])).await;
    assert!(stdout.contains("no workspaces yet"), "{stdout}");

    let app = TestApp::start_with(backend, database_guard.settings(&dir)).await;
    let root = app.client();
    root.post(
        "/api/v1/auth/login",
        json!({ "email": "root@example.com", "password": PASSWORD }),
    )
    .await
    .expect_status(200);
    let ws = root
        .post("/api/v1/workspaces", json!({ "name": "Initech" }))
        .await
        .expect_status(201);
    root.post(
        &format!(
            "/api/v1/workspaces/{}/invitations",
            ws["id"].as_str().unwrap_or_default()
        ),
        json!({ "email": "milton@example.com" }),
    )
    .await
    .expect_status(201);

    let (_, stdout, _) = run(&mut admin(&["list-workspaces"])).await;
    let row = stdout
        .lines()
        .find(|l| l.contains("Initech"))
        .unwrap_or_else(|| panic!("workspace not listed:\n{stdout}"));
    assert!(
        row.contains("root@example.com") && row.contains(ws["id"].as_str().unwrap_or("?")),
        "{row}"
    );
    let (_, stdout, _) = run(&mut admin(&["outbox", "--to", "milton@example.com"])).await;
    assert!(
        stdout.contains("Subject: Root invited you to Initech on Kith")
            && stdout.contains("/invite?token="),
        "{stdout}"
    );

    let (output, stdout, stderr) = run(&mut admin(&[
        "reset-password",
        "--email",
        "root@example.com",
    ]))
    .await;
    assert!(output.status.success(), "{stderr}");
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password printed")
        .to_owned();
    root.get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    let login = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "root@example.com", "password": generated }),
        )
        .await;
    login.expect_status(200);
    let (output, _, stderr) = run(&mut admin(&[
        "reset-password",
        "--email",
        "ghost@example.com",
    ]))
    .await;
    assert!(
        !output.status.success()
            && error_line(&stderr).contains("no account has the email ghost@example.com"),
        "{stderr}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn sigterm_finishes_requests_in_flight_and_exits_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = kith(dir.path())
        .args(["serve", "--bind", &addr, "--data-dir", "data"])
        .env("KITH_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kith serve");
    let mut ready = false;
    for _ in 0..100 {
        if TcpStream::connect(&addr).is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "kith serve did not start listening on {addr}");

    // A request whose body has only half arrived when the signal comes.
    let body = r#"{"email":"nobody@example.com","password":"whatever it is"}"#;
    let (first, rest) = body.split_at(20);
    let mut stream = TcpStream::connect(&addr).expect("connect");
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    stream
        .write_all(first.as_bytes())
        .expect("send half the body");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = server.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream
        .write_all(rest.as_bytes())
        .expect("send the rest of the body");
    let mut answer = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.read_to_string(&mut answer).expect("read answer");
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the in-flight request was answered: {answer}"
    );

    let status = tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("exits")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    assert!(TcpStream::connect(&addr).is_err(), "no longer listening");
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(
        &mut server.stderr.take().expect("stderr"),
        &mut stderr,
    )
    .await
    .expect("read stderr");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON log line: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "shutting down: finishing requests in flight"),
        "{stderr}"
    );
}
