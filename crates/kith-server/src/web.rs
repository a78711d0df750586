//! The web app at `/`: the files Vite built into `web/dist`, embedded in the binary (so nobody
//! needs Node to run Kith), with the gzip and brotli copies the build wrote beside them.
//! Hashed assets are cached for a year, `index.html` is revalidated every time, and any other
//! page path gets `index.html`, whose router draws the screen. The API's own prefixes keep
//! their JSON 404, but for the app's pages among them (the OAuth consent screen).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
struct Dist;

const INDEX: &str = "index.html";
/// Paths the app never owns: a miss there is the API's 404, not a page.
const API_PREFIXES: [&str; 7] = [
    "/api/",
    "/rest/",
    "/mcp",
    "/oauth/",
    "/.well-known/",
    "/healthz",
    "/readyz",
];

/// Pages of the app under the API's prefixes: the authorization endpoint sends the browser to
/// the consent screen beside it.
const APP_PAGES: [&str; 1] = [crate::oauth::CONSENT_PAGE];

/// The router's fallback: a file of the app, the app's page, or the API's 404.
pub async fn serve(request: Request) -> Response {
    let path = request.uri().path();
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    let api = API_PREFIXES.iter().any(|prefix| path.starts_with(prefix));
    if !reading || (api && !APP_PAGES.contains(&path)) {
        return crate::app::no_such_route().await.into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty() && Dist::get(file).is_some() {
        return file_response(file, request.headers());
    }
    // A missing file (it has an extension) must not be answered with the page.
    let last = file.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return crate::app::no_such_route().await.into_response();
    }
    file_response(INDEX, request.headers())
}

fn file_response(file: &str, headers: &HeaderMap) -> Response {
    let Some(plain) = Dist::get(file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!(
        "\"{}\"",
        plain
            .metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = cache_control(file);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag))
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set(&mut response, header::ETAG, &etag);
        set(&mut response, header::CACHE_CONTROL, cache);
        return response;
    }
    let (body, encoding) = match preferred_encoding(headers, file) {
        Some((suffix, encoding)) => match Dist::get(&format!("{file}.{suffix}")) {
            Some(compressed) => (compressed.data, Some(encoding)),
            None => (plain.data, None),
        },
        None => (plain.data, None),
    };
    let mut response = Response::new(Body::from(body.into_owned()));
    set(&mut response, header::CONTENT_TYPE, content_type(file));
    set(&mut response, header::CACHE_CONTROL, cache);
    set(&mut response, header::ETAG, &etag);
    set(&mut response, header::VARY, "accept-encoding");
    if let Some(encoding) = encoding {
        set(&mut response, header::CONTENT_ENCODING, encoding);
    }
    response
}

fn set(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// Brotli, else gzip, when the browser takes it and the build wrote a copy.
fn preferred_encoding(headers: &HeaderMap, file: &str) -> Option<(&'static str, &'static str)> {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let takes = |coding: &str| {
        accepted.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            pieces.next() == Some(coding) && !pieces.any(|p| p.replace(' ', "") == "q=0")
        })
    };
    [("br", "br"), ("gz", "gzip")]
        .into_iter()
        .find(|(suffix, coding)| takes(coding) && Dist::get(&format!("{file}.{suffix}")).is_some())
}

/// Vite names the files of `assets/` by their content's hash: they never change.
fn cache_control(file: &str) -> &'static str {
    if file == INDEX {
        "no-cache"
    } else if file.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    }
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
