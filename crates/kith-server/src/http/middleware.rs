//! Middleware that applies to every request.

use super::AppError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy: everything from this server, nothing from anywhere else, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                   connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Browsers that once reached Kith over its own HTTPS keep to HTTPS for a year.
const HSTS: &str = "max-age=31536000";

/// Headers every response carries unless a handler set its own; with `tls` (Kith serving HTTPS
/// itself), Strict-Transport-Security too.
pub fn security_headers(tls: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let fixed: [(HeaderName, &'static str); 7] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        // Answers carry people's data: no shared or browser cache unless a route says otherwise.
        (header::CACHE_CONTROL, "no-store"),
    ];
    let hsts = tls.then_some((header::STRICT_TRANSPORT_SECURITY, HSTS));
    fixed
        .into_iter()
        .chain(hsts)
        .map(|(name, value)| {
            SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
        })
        .collect()
}

/// Refuses state-changing requests whose `Origin` names another site: a browser sends it with
/// every cross-site POST, so this stops cross-site request forgery even before the CSRF token.
/// Endpoints that no cookie authenticates (`/mcp`, which checks `Origin` itself, and OAuth's
/// token, registration and revocation) are left to their own checks.
pub async fn reject_cross_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || crate::oauth::takes_no_cookies(request.uri().path());
    if !safe
        && let Some(origin) = request.headers().get(header::ORIGIN)
        && !is_same_origin(origin, &request, &state)
    {
        let shown = origin.to_str().unwrap_or("(unreadable)");
        return AppError(ApiError::forbidden(format!(
            "cross-origin request refused: Origin {shown} is not this server"
        )))
        .into_response();
    }
    next.run(request).await
}

fn is_same_origin(origin: &HeaderValue, request: &Request, state: &AppState) -> bool {
    let Some(origin) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
        return false; // includes "null", sent by sandboxed frames and some redirects
    };
    let public = &state.config.public_url;
    if origin.origin() == public.origin() {
        return true;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let origin_authority = match origin.port() {
        Some(port) => format!("{}:{port}", origin.host_str().unwrap_or_default()),
        None => origin.host_str().unwrap_or_default().to_owned(),
    };
    host == Some(origin_authority.as_str())
}

/// Gives error answers made outside Kith's handlers (unknown route, wrong method, time-out, axum's
/// own plain-text rejections) the same JSON shape as every other error.
pub async fn error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let plain = content_type.is_empty() || content_type.starts_with("text/plain");
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let original = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let code = ErrorCode::from_http_status(status.as_u16());
    let message = match code {
        ErrorCode::NotFound => "no such route".to_owned(),
        ErrorCode::MethodNotAllowed => "this method is not allowed on this path".to_owned(),
        ErrorCode::Timeout => "the request took too long and was stopped".to_owned(),
        ErrorCode::PayloadTooLarge => {
            "the request body is larger than this server accepts".to_owned()
        }
        _ if !original.is_empty() => String::from_utf8_lossy(&original).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let error = ApiError::new(code, message);
    if let Some(seconds) = error.retry_after {
        parts
            .headers
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from(seconds));
    }
    let body = error.to_json().to_string();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
