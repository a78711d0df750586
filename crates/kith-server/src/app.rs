//! The application: shared state and the router with its middleware.

use crate::auth::password::Hasher;
use crate::config::Config;
use crate::http::routes::{Route, Routes};
use crate::http::{AppResult, Json, middleware};
use crate::mail::Mailer;
use crate::{api_openapi, auth, records, workspaces};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use kith_core::{ApiError, ErrorCode};
use kith_store::Db;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub rate_limiter: crate::http::rate_limit::RateLimiter,
    pub token_cache: crate::http::token_cache::TokenCache,
    /// Workspaces whose field changes the job runner should catch up with now (it alone holds
    /// the capability to act on workspace data for nobody).
    pub catch_up: tokio::sync::mpsc::UnboundedSender<uuid::Uuid>,
    /// Turns true when the server begins to shut down: long-lived answers (live streams) end.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    /// A link to a page of the web app carrying a token, for mails.
    pub fn link(&self, page: &str, token: &str) -> String {
        let base = self.config.public_url.as_str().trim_end_matches('/');
        format!("{base}/{page}?token={token}")
    }
}

/// Every route the server serves with its handler; `records_layer` is applied to the records'
/// routes alone (idempotency). The router and the route table are both made from this.
fn all_routes(records_layer: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Routes {
    Routes::default()
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        .get(api_openapi::PATH, api_openapi::document)
        .merge(auth::routes())
        .merge(workspaces::routes())
        .merge(crate::oauth::api_routes())
        .merge(records::routes().layered(records_layer))
}

/// Every route the server serves (method and path pattern), as the router is built.
pub fn route_table() -> Vec<Route> {
    all_routes(|records| records).into_parts().1
}

pub fn router(state: AppState) -> Router {
    let config = Arc::clone(&state.config);
    let layer_state = state.clone();
    let (routes, _) = all_routes(move |records| {
        records
            .route_layer(axum::middleware::from_fn_with_state(
                layer_state.clone(),
                crate::http::idempotency::idempotent_posts,
            ))
            .route_layer(axum::middleware::from_fn_with_state(
                layer_state,
                crate::http::audit::token_writes,
            ))
    })
    .into_parts();
    let routes = routes
        .merge(crate::mcp::router(&state))
        .merge(crate::oauth::router(&state))
        .fallback(crate::web::serve)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::reject_cross_origin,
        ))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state);

    let mut router = routes.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(middleware::error_bodies))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                config.request_timeout,
            )),
    );
    for header in middleware::security_headers(config.tls.is_some()) {
        router = router.layer(header);
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", id, method = %request.method(), path = loggable_path(request.uri().path()))
}

/// The path as it may be logged: invitation tokens travel in the path and stay out of logs.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/api/v1/invitations/") {
        "/api/v1/invitations/…"
    } else {
        path
    }
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> AppResult<Json<Value>> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(ErrorCode::Unavailable, "the database is not reachable")
    })?;
    Ok(Json(json!({ "status": "ready" })))
}

pub(crate) async fn no_such_route() -> crate::http::AppError {
    ApiError::new(ErrorCode::NotFound, "no such route").into()
}
