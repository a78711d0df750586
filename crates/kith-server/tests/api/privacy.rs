//! The privacy promises the operating system can check: a `kith serve` used through its main
//! routes sets no cookie but its own two, and opens no connection to anything but this machine
//! (its database and the test's requests, on loopback). Kith has no telemetry and no update
//! check; this is what keeps it so.

use kith_testkit::{Backend, Reply, TestClient, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(the_server_sets_only_its_cookies_and_connects_nowhere_else);

/// The cookies Kith may set: the session and its CSRF token (the theme is kept in the profile).
const OWN_COOKIES: [&str; 2] = ["kith_session", "kith_csrf"];

async fn the_server_sets_only_its_cookies_and_connects_nowhere_else(backend: Backend) {
    // The test's HTTP client needs the TLS provider the server installs for its own.
    kith_server::serve::install_tls_provider();
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kith"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("KITH_")) {
        command.env_remove(key);
    }
    let mut server = command
        .arg("serve")
        .current_dir(dir.path())
        .env("KITH_BIND", format!("127.0.0.1:{port}"))
        .env("KITH_PUBLIC_URL", &base)
        .env("KITH_DATA_DIR", dir.path().join("data"))
        .env("KITH_DATABASE_URL", &database.url)
        .env("KITH_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("kith serve starts");
    let pid = server.id().expect("pid");
    let client = TestClient::new(&base);
    let mut ready = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && client.get("/readyz").await.status == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "kith serve did not become ready at {base}");

    // Every socket the server has is watched while it is used.
    let seen: Arc<Mutex<BTreeSet<IpAddr>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn({
        let (seen, done) = (seen.clone(), done.clone());
        async move {
            while !done.load(Ordering::Relaxed) {
                seen.lock().expect("lock").extend(remote_addresses(pid));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });

    let mut cookies = BTreeSet::new();
    for reply in use_the_main_routes(&client).await {
        for value in reply.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            cookies.insert(text.split('=').next().unwrap_or_default().to_owned());
        }
        seen.lock().expect("lock").extend(remote_addresses(pid));
    }
    done.store(true, Ordering::Relaxed);
    watcher.await.expect("watcher");
    let _ = server.kill().await;

    let allowed: BTreeSet<String> = OWN_COOKIES.iter().map(|c| (*c).to_owned()).collect();
    assert!(cookies.is_subset(&allowed), "cookies set: {cookies:?}");
    assert!(
        cookies.contains("kith_session"),
        "the session cookie was seen: {cookies:?}"
    );
    let seen = seen.lock().expect("lock").clone();
    assert!(!seen.is_empty(), "the watcher saw the server's sockets");
    let elsewhere: Vec<&IpAddr> = seen
        .iter()
        .filter(|a| !a.is_loopback() && !a.is_unspecified())
        .collect();
    assert!(
        elsewhere.is_empty(),
        "the server connected to {elsewhere:?}"
    );
    drop(database);
}

/// Signs up, works in a workspace the way the app and an API client do, and signs out; every
/// answer, for its cookies.
async fn use_the_main_routes(client: &TestClient) -> Vec<Reply> {
    let mut replies = Vec::new();
    replies.push(client.get("/").await);
    replies.push(
        client
            .post(
                "/api/v1/auth/signup",
                json!({ "name": "Ada", "email": "ada@example.com", "password": kith_testkit::PASSWORD }),
            )
            .await,
    );
    let created = client
        .post("/api/v1/workspaces", json!({ "name": "Engines" }))
        .await;
    let ws = created.json["id"].as_str().expect("workspace").to_owned();
    replies.push(created);
    let app = client.in_workspace(&ws);
    let company: Value = app
        .post(
            "/rest/companies",
            json!({ "name": "Acme", "domainName": { "primaryLinkUrl": "https://acme.example" } }),
        )
        .await
        .expect_status(201);
    let id = company["data"]["createCompany"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for path in [
        "/api/v1/me".to_owned(),
        "/rest/metadata/objects".to_owned(),
        "/rest/companies?limit=50&count=true".to_owned(),
        format!("/rest/companies/{id}"),
        format!("/rest/companies/{id}/timeline"),
        "/rest/search?q=acm".to_owned(),
        "/rest/companies/export".to_owned(),
        "/rest/open-api/core".to_owned(),
        "/api/v1/me/export".to_owned(),
    ] {
        replies.push(app.get(&path).await);
    }
    let upload = app
        .with_csrf(Method::POST, "/rest/people/imports?fileName=p.csv")
        .header("content-type", "text/csv")
        .body("Email\nada@example.com\n");
    replies.push(kith_testkit::send(upload).await);
    replies.push(
        client
            .post(
                &format!("/api/v1/workspaces/{ws}/webhooks"),
                json!({ "url": "http://127.0.0.1:9/hook", "events": ["*.created"] }),
            )
            .await,
    );
    replies.push(
        app.post("/rest/people", json!({ "name": { "firstName": "Grace" } }))
            .await,
    );
    // Webhook deliveries go out within a second or two: time for one attempt (to loopback).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    replies.push(client.post("/api/v1/auth/logout", json!({})).await);
    replies.push(
        client
            .post(
                "/api/v1/auth/login",
                json!({ "email": "ada@example.com", "password": kith_testkit::PASSWORD }),
            )
            .await,
    );
    for reply in &replies {
        assert!(
            reply.status < 500,
            "{}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.bytes)
        );
    }
    replies
}

/// The remote addresses of the TCP and UDP sockets process `pid` has open (listening and
/// unconnected sockets show as 0.0.0.0 or ::), read from /proc.
fn remote_addresses(pid: u32) -> Vec<IpAddr> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let inodes: BTreeSet<String> = fds
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let text = target.to_string_lossy().into_owned();
            Some(text.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut addresses = Vec::new();
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let (Some(remote), Some(inode)) = (columns.get(2), columns.get(9)) else {
                continue;
            };
            if inodes.contains(*inode)
                && let Some(address) = proc_address(remote)
            {
                addresses.push(address);
            }
        }
    }
    addresses
}

/// An address of /proc/net/tcp (`0100007F:1F90`, or 32 hex digits for IPv6): each 32-bit word
/// in the machine's byte order.
fn proc_address(text: &str) -> Option<IpAddr> {
    let hex = text.split(':').next()?;
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok())
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    match bytes.len() {
        4 => Some(IpAddr::from([bytes[0], bytes[1], bytes[2], bytes[3]])),
        16 => {
            let octets: [u8; 16] = bytes.try_into().ok()?;
            let v6 = std::net::Ipv6Addr::from(octets);
            Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4))
        }
        _ => None,
    }
}

#[test]
fn proc_addresses_read_as_the_kernel_writes_them() {
    assert_eq!(
        proc_address("0100007F:1F90"),
        Some(IpAddr::from([127, 0, 0, 1]))
    );
    assert_eq!(
        proc_address("00000000:0000"),
        Some(IpAddr::from([0, 0, 0, 0]))
    );
    assert_eq!(
        proc_address("0000000000000000FFFF00000100007F:0050"),
        Some(IpAddr::from([127, 0, 0, 1]))
    );
    assert_eq!(
        proc_address("00000000000000000000000001000000:0050"),
        Some(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))
    );
    assert!(proc_address("08080808:0035").is_some_and(|a| !a.is_loopback()));
}
