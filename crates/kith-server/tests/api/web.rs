//! The web app as a browser fetches it from the binary: the page, its hashed assets compressed
//! and cached for good, the page again for every app route, and the API's 404 kept.

use kith_testkit::{Backend, TestApp, send};

fn dist(file: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/dist")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_web_app() {
    let app = TestApp::start(Backend::Sqlite).await;
    let http = reqwest::Client::new();

    let page = send(http.get(app.url("/"))).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert_eq!(
        page.bytes,
        dist("index.html"),
        "the committed build, embedded"
    );
    let csp = page.header("content-security-policy").unwrap_or_default();
    let scripts = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_default();
    assert_eq!(scripts, "script-src 'self'", "no inline scripts: {csp}");

    // The page's script: hashed, cached for a year, compressed when the browser takes it.
    let html = String::from_utf8_lossy(&page.bytes).into_owned();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a script")
        .to_owned();
    assert!(
        script.starts_with("/assets/index-") && script.ends_with(".js"),
        "{script}"
    );
    let plain = send(http.get(app.url(&script))).await;
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        plain.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(plain.header("content-encoding"), None);
    for (accepted, encoding, suffix) in [("gzip", "gzip", "gz"), ("gzip, deflate, br", "br", "br")]
    {
        let compressed = send(
            http.get(app.url(&script))
                .header("accept-encoding", accepted),
        )
        .await;
        assert_eq!(compressed.header("content-encoding"), Some(encoding));
        assert_eq!(
            compressed.bytes,
            dist(&format!("{}.{suffix}", &script[1..]))
        );
        assert!(compressed.bytes.len() < plain.bytes.len() / 2);
    }
    let refused_br = send(
        http.get(app.url(&script))
            .header("accept-encoding", "br;q=0, gzip"),
    )
    .await;
    assert_eq!(refused_br.header("content-encoding"), Some("gzip"));
    let etag = plain.header("etag").expect("an etag").to_owned();
    let again = send(http.get(app.url(&script)).header("if-none-match", &etag)).await;
    assert_eq!(again.status, 304);

    // App routes get the page; the API keeps its JSON 404; a missing file is no page.
    for route in [
        "/w/01a23098-0000-7000-8000-000000000000/companies",
        "/login",
        "/signup",
        "/oauth/consent?client_id=x",
    ] {
        let answer = send(http.get(app.url(route))).await;
        assert_eq!(answer.status, 200, "{route}");
        assert_eq!(answer.bytes, page.bytes, "{route}");
    }
    for missing in ["/api/v1/nothing", "/.well-known/nothing", "/oauth/nothing"] {
        send(http.get(app.url(missing)))
            .await
            .expect_error(404, "not_found");
    }
    send(http.get(app.url("/assets/index-missing.js")))
        .await
        .expect_error(404, "not_found");
    send(http.post(app.url("/w/x/companies")))
        .await
        .expect_error(404, "not_found");
}
