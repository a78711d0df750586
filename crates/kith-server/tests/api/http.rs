//! What every route shares: the error shape for bad input, limits, headers, health checks.

use kith_testkit::{Backend, TestApp, on_both_backends, send};
use reqwest::Method;
use serde_json::json;
use std::io::{Read, Write};
use std::time::Duration;

on_both_backends!(
    bad_bodies_get_the_error_shape_never_a_500,
    oversized_bodies_are_refused_with_413,
    unknown_routes_and_methods_get_the_error_shape,
    every_response_has_security_headers_and_a_request_id,
    health_and_readiness,
    slow_requests_time_out_with_408,
    cookies_are_secure_when_served_over_https,
);

async fn bad_bodies_get_the_error_shape_never_a_500(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let post = |body: &'static str, content_type: &'static str| {
        send(
            ada.with_csrf(Method::POST, "/api/v1/workspaces")
                .header("content-type", content_type)
                .body(body),
        )
    };
    let syntax = post("{\"name\": ", "application/json")
        .await
        .expect_error(400, "bad_request");
    assert!(
        syntax["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not valid JSON"),
        "{syntax}"
    );
    let shape = post("{\"name\": 42}", "application/json")
        .await
        .expect_error(400, "validation_failed");
    assert!(
        shape["message"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid type"),
        "{shape}"
    );
    post("[1,2]", "application/json")
        .await
        .expect_error(400, "validation_failed");
    post("name=Acme", "application/x-www-form-urlencoded")
        .await
        .expect_error(415, "unsupported_media_type");
    let login = send(
        app.client()
            .request(Method::POST, "/api/v1/auth/login")
            .header("content-type", "application/json")
            .body("nope"),
    )
    .await;
    login.expect_error(400, "bad_request");
    assert!(
        ada.get("/api/v1/workspaces").await.expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

async fn oversized_bodies_are_refused_with_413(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.max_body_bytes = Some(4096)).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let huge = json!({ "name": "x".repeat(10_000) });
    ada.post("/api/v1/workspaces", huge)
        .await
        .expect_error(413, "payload_too_large");
    let avatar = ada
        .with_csrf(Method::PUT, "/api/v1/me/avatar")
        .header("content-type", "image/png")
        .body(vec![0u8; 10_000]);
    send(avatar).await.expect_error(413, "payload_too_large");
    assert!(
        ada.get("/api/v1/workspaces").await.expect_status(200)["data"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

async fn unknown_routes_and_methods_get_the_error_shape(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    client
        .get("/api/v1/nothing-here")
        .await
        .expect_error(404, "not_found");
    client
        .delete("/api/v1/auth/login")
        .await
        .expect_error(405, "method_not_allowed");
}

async fn every_response_has_security_headers_and_a_request_id(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    for reply in [
        client.get("/healthz").await,
        client.get("/api/v1/me").await,
        client.get("/nowhere").await,
    ] {
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{csp}"
        );
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        let id = reply.header("x-request-id").unwrap_or_default();
        assert_eq!(id.len(), 36, "request id {id:?}");
    }
    let traced = send(
        client
            .request(Method::GET, "/healthz")
            .header("x-request-id", "trace-me-42"),
    )
    .await;
    assert_eq!(traced.header("x-request-id"), Some("trace-me-42"));
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(
        app.client().get("/healthz").await.expect_status(200)["status"],
        "ok"
    );
    assert_eq!(
        app.client().get("/readyz").await.expect_status(200)["status"],
        "ready"
    );
    let state = app.state().clone();
    state.db.close().await;
    app.client()
        .get("/readyz")
        .await
        .expect_error(503, "unavailable");
    app.client().get("/healthz").await.expect_status(200);
}

async fn slow_requests_time_out_with_408(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.request_timeout_secs = Some(1)).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        let head = format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\"");
        stream.write_all(head.as_bytes()).expect("send");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut answer = vec![0u8; 4096];
        let read = stream.read(&mut answer).expect("read");
        String::from_utf8_lossy(&answer[..read]).into_owned()
    })
    .await
    .expect("client thread");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"timeout""#), "{answer}");
}

async fn cookies_are_secure_when_served_over_https(backend: Backend) {
    let app = TestApp::start_with(backend, |s| {
        s.public_url = Some("https://crm.example.com".into())
    })
    .await;
    let signup = app.client().request(Method::POST, "/api/v1/auth/signup");
    let reply = send(signup.json(
        &json!({ "name": "Ada", "email": "ada@example.com", "password": kith_testkit::PASSWORD }),
    ))
    .await;
    let cookies = reply.set_cookies();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    let evil = app
        .client()
        .request(Method::POST, "/api/v1/auth/login")
        .header("origin", "http://crm.example.com");
    send(evil.json(&json!({})))
        .await
        .expect_error(403, "forbidden");
    let same = app
        .client()
        .request(Method::POST, "/api/v1/auth/login")
        .header("origin", "https://crm.example.com");
    send(same.json(&json!({ "email": "ada@example.com", "password": "wrong password" })))
        .await
        .expect_error(401, "unauthenticated");
}
