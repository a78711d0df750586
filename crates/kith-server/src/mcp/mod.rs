//! The MCP server for agents, on the official Rust SDK (`rmcp`): tools generic over the
//! workspace's objects, described from its live metadata, at `/mcp` (Streamable HTTP, stateless,
//! so any instance answers any message) and by `kith mcp` over stdio. Every tool reaches records
//! through the caller's [`RestAccess`] and the store calls the REST API makes: the same policy,
//! the same checks, the same errors.

mod reads;
mod remote;
mod schemas;
mod server;
mod tools;
mod writes;

pub use server::KithMcp;
pub use tools::{LIST_MAX, SEARCH_MAX, UPSERT_MAX};

use crate::AppState;
use crate::http::AppError;
use crate::records::{Authenticated, RestAccess, bearer};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

pub const PATH: &str = "/mcp";

/// The `/mcp` endpoint: stateless (no `Mcp-Session-Id`; every message carries its token), JSON
/// answers, `Host` and `Origin` checked against `KITH_PUBLIC_URL` (and loopback).
fn service(state: &AppState) -> StreamableHttpService<KithMcp, NeverSessionManager> {
    let public = &state.config.public_url;
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = public.host_str() {
        hosts.push(host.to_owned());
    }
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(crate::oauth::mcp_origins(state))
        .enforce_origin_validation()
        .with_max_request_body_bytes(state.config.max_body_bytes);
    let handler_state = state.clone();
    StreamableHttpService::new(
        move || Ok(KithMcp::over_http(handler_state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// `/mcp`, behind [`authenticate`] and, outermost, its CORS answers.
pub fn router(state: &AppState) -> axum::Router<AppState> {
    axum::Router::new()
        .route_service(PATH, service(state))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::oauth::mcp_cors,
        ))
}

/// Authenticates every `/mcp` request by its bearer token (an API token, or an OAuth access
/// token issued for `/mcp`) before the SDK reads it, and hands the access to the handler.
/// Without a valid token: 401 naming where to learn how to get one (RFC 9728).
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let secret = match bearer(request.headers()) {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            return unauthenticated(
                &state,
                None,
                "send an API token or an OAuth access token: Authorization: Bearer <token>",
            );
        }
        Err(AppError(error)) => return unauthenticated(&state, None, &error.message),
    };
    let resource = crate::oauth::mcp_resource(&state);
    match RestAccess::with_token_for(&state, &secret, &resource).await {
        Ok(access) => {
            request.extensions_mut().insert(Authenticated::new(access));
            next.run(request).await
        }
        Err(AppError(error)) if error.code == ErrorCode::Unauthenticated => {
            unauthenticated(&state, Some("invalid_token"), &error.message)
        }
        Err(error) => error.into_response(),
    }
}

fn unauthenticated(state: &AppState, error: Option<&str>, message: &str) -> Response {
    let mut response = AppError(ApiError::new(ErrorCode::Unauthenticated, message)).into_response();
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    let mut challenge = format!(
        "Bearer resource_metadata=\"{}\"",
        crate::oauth::resource_metadata_url(state)
    );
    if let Some(error) = error {
        challenge.push_str(&format!(", error=\"{error}\""));
    }
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Why `kith mcp` could not serve.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    #[error(
        "set KITH_TOKEN (or --token) to an API token of the workspace the agent works in; create one with POST /api/v1/workspaces/{{id}}/tokens"
    )]
    NoToken,
    #[error("{0}")]
    Startup(#[from] crate::serve::StartupError),
    #[error("{0}")]
    Refused(String),
    #[error("the MCP session failed: {0}")]
    Session(String),
}

/// `kith mcp`: serves MCP over standard input and output, acting as the API token `token`: on
/// the database the configuration names or, with `url`, through the remote Kith at that `/mcp`.
/// Standard output carries the protocol alone; logs go to standard error.
pub async fn serve_stdio(
    config: crate::Config,
    token: Option<String>,
    url: Option<String>,
) -> Result<(), StdioError> {
    use rmcp::ServiceExt as _;
    let token = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(StdioError::NoToken)?;
    if let Some(url) = url {
        let remote = remote::Remote::connect(&url, &token)
            .await
            .map_err(StdioError::Refused)?;
        let server = remote
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| StdioError::Session(e.to_string()))?;
        return server
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| StdioError::Session(e.to_string()));
    }
    // The stop signal's sender lives as long as the session.
    let (state, _stop) = crate::serve::command_state(config).await?;
    RestAccess::with_token(&state, &token)
        .await
        .map_err(|e| StdioError::Refused(format!("the API token was refused: {}", e.0.message)))?;
    let server = KithMcp::with_token(state.clone(), &token)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| StdioError::Session(e.to_string()))?;
    let ended = server.waiting().await;
    state.db.close().await;
    ended
        .map(|_| ())
        .map_err(|e| StdioError::Session(e.to_string()))
}
