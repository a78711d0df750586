//! `Idempotency-Key` on POST: the same key from the same caller in the same workspace, with the
//! same request, within 24 hours gets the first answer again instead of doing the work twice.
//!
//! The caller is authenticated before a key is claimed, so only someone let in can store keys,
//! and a key belongs to one workspace and one principal (a person or an API token): the same
//! key sent to two workspaces runs twice. A request that does not finish (a time-out, a client
//! gone, a 5xx) gives its key back, so a retry runs again.

use super::AppError;
use crate::AppState;
use crate::auth::tokens::token_hash;
use crate::records::{Authenticated, RestAccess};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use kith_store::{Claim, Db};

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
    let key = match request.headers().get(HEADER).map(HeaderValue::to_str) {
        None => return next.run(request).await,
        Some(Ok(key))
            if (1..=255).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) =>
        {
            key.to_owned()
        }
        Some(_) => {
            return error(ApiError::invalid_field(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
    };
    let (mut parts, body) = request.into_parts();
    let access = match RestAccess::from_request_parts(&mut parts, &state).await {
        Ok(access) => access,
        Err(refused) => return refused.into_response(),
    };
    let scope = access.idempotency_scope();
    // The handler takes this access instead of authenticating (and counting) the request again.
    parts.extensions.insert(Authenticated::new(access));
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
    let claim = HeldClaim {
        db: state.db.clone(),
        scope,
        key,
        settled: false,
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    claim.settle(parts.status, &body).await;
    Response::from_parts(parts, Body::from(body))
}

/// A claimed key whose request is running. Settled with the answer; dropped unsettled (the
/// request was cancelled: a time-out, or the client went away), it gives the key back.
struct HeldClaim {
    db: Db,
    scope: String,
    key: String,
    settled: bool,
}

impl HeldClaim {
    /// Stores the answer for replays, or frees the key after a server error so a retry runs.
    async fn settle(mut self, status: StatusCode, body: &[u8]) {
        self.settled = true;
        let outcome = if status.is_server_error() {
            self.db
                .release_idempotency_key(&self.scope, &self.key)
                .await
        } else {
            self.db
                .finish_idempotency_key(&self.scope, &self.key, status.as_u16(), body)
                .await
        };
        if let Err(e) = outcome {
            tracing::error!(error = %e, "could not record an idempotent answer");
        }
    }
}

impl Drop for HeldClaim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (db, scope, key) = (
            self.db.clone(),
            std::mem::take(&mut self.scope),
            std::mem::take(&mut self.key),
        );
        tokio::spawn(async move {
            if let Err(e) = db.release_idempotency_key(&scope, &key).await {
                tracing::error!(error = %e, "could not free the Idempotency-Key of a cancelled request");
            }
        });
    }
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
