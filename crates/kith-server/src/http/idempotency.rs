//! `Idempotency-Key` on POST: the same key (from the same caller) with the same request within
//! 24 hours gets the first answer again instead of doing the work twice.

use super::AppError;
use crate::AppState;
use crate::auth::session::SESSION_COOKIE;
use crate::auth::tokens::token_hash;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use kith_core::{ApiError, ErrorCode};
use kith_store::Claim;

pub const HEADER: &str = "idempotency-key";
const TTL_MS: i64 = 24 * 60 * 60 * 1000;

pub async fn idempotent_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(request).await;
    };
    let key = match key {
        Ok(key) if (1..=255).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) => {
            key
        }
        _ => {
            return error(ApiError::invalid_field(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
    };
    // Keys belong to the caller: its token or session.
    let Some(scope) = caller(&request) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_body_bytes).await else {
        return error(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than this server accepts",
        ));
    };
    let fingerprint = token_hash(&format!(
        "{} {}\n{}",
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        String::from_utf8_lossy(&bytes)
    ));
    match state
        .db
        .claim_idempotency_key(&scope, &key, &fingerprint, TTL_MS)
        .await
    {
        Ok(Claim::Claimed) => {}
        Ok(Claim::InProgress { .. }) => {
            return error(ApiError::conflict(
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ));
        }
        Ok(Claim::Done { request_hash, .. }) if request_hash != fingerprint => {
            return error(ApiError::conflict(
                "this Idempotency-Key was already used for a different request",
            ));
        }
        Ok(Claim::Done { status, body, .. }) => return replay(status, body),
        Err(e) => return AppError::from(e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let outcome = if parts.status.is_server_error() {
        state.db.release_idempotency_key(&scope, &key).await
    } else {
        state
            .db
            .finish_idempotency_key(&scope, &key, parts.status.as_u16(), &body)
            .await
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an idempotent answer");
    }
    Response::from_parts(parts, Body::from(body))
}

/// A digest of the request's credential: its bearer token, or its session cookie.
fn caller(request: &Request) -> Option<String> {
    if let Some(auth) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return Some(token_hash(auth));
    }
    let jar = CookieJar::from_headers(request.headers());
    jar.get(SESSION_COOKIE).map(|c| token_hash(c.value()))
}

fn replay(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, Bytes::from(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn error(err: ApiError) -> Response {
    AppError(err).into_response()
}
