//! OAuth 2.1 for remote MCP clients (Claude, ChatGPT, Cursor…): Kith is its own authorization
//! server. Clients find it through the protected-resource metadata (RFC 9728) and the
//! authorization-server metadata (RFC 8414), register themselves (RFC 7591), send the person to
//! the authorization endpoint with PKCE (S256 only), which hands them to the web app's consent
//! screen, and trade the code for an access token good for `/mcp` alone (RFC 8707) and a refresh
//! token that rotates at every use.
//!
//! A consent is a grant: it acts as its person, with their current role narrowed by the scopes
//! they chose, and stops working when they leave the workspace or revoke it.

pub mod apps;
mod authorize;
pub mod consent;
mod register;
mod token;

use crate::AppState;
use crate::http::ClientInfo;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kith_core::scope::Scope;
use kith_store::now_millis;
use serde_json::json;

pub use authorize::CONSENT_PAGE;

/// The `/api/v1` routes of OAuth: connected apps and the consent screen's.
pub fn api_routes() -> crate::http::routes::Routes {
    apps::routes().merge(consent::routes())
}

pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const REGISTER_PATH: &str = "/oauth/register";
pub const REVOKE_PATH: &str = "/oauth/revoke";

/// How long an authorization code may wait to be exchanged.
const CODE_LIFETIME_MS: i64 = 5 * 60 * 1000;
/// How long an access token works; the client refreshes it after.
const ACCESS_LIFETIME_MS: i64 = 60 * 60 * 1000;
/// How long a refresh token waits to be used; each use gives a new one.
const REFRESH_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Requests per minute one IP address may make to the OAuth endpoints.
const REQUESTS_PER_MINUTE: i64 = 60;

/// What a person can grant a client: each level adds to the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    Read,
    ReadWrite,
    ReadWriteSchema,
}

impl Grant {
    const ALL: [Grant; 3] = [Grant::Read, Grant::ReadWrite, Grant::ReadWriteSchema];

    fn scopes(self) -> &'static [Scope] {
        match self {
            Grant::Read => &[Scope::RecordsRead],
            Grant::ReadWrite => &[Scope::RecordsRead, Scope::RecordsWrite],
            Grant::ReadWriteSchema => &Scope::ALL,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Grant::Read => "read",
            Grant::ReadWrite => "write",
            Grant::ReadWriteSchema => "schema",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Grant::Read => "Read records",
            Grant::ReadWrite => "Read and change records",
            Grant::ReadWriteSchema => "Read and change records, and change the data model",
        }
    }

    fn from_name(name: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|grant| grant.name() == name)
    }

    /// The smallest grant holding every scope of a request's space-separated `scope`.
    fn covering(scope: &str) -> Result<Grant, String> {
        let mut grant = Grant::Read;
        for name in scope.split(' ').filter(|s| !s.is_empty()) {
            let scope = Scope::parse(name).ok_or_else(|| {
                format!(
                    "has an unknown scope {name:?}; the scopes are {}",
                    scope_list().join(" ")
                )
            })?;
            let needed = Grant::ALL
                .into_iter()
                .find(|grant| grant.scopes().contains(&scope))
                .unwrap_or(Grant::ReadWriteSchema);
            grant = grant.max(needed);
        }
        Ok(grant)
    }
}

fn scope_list() -> Vec<&'static str> {
    Scope::ALL.iter().map(|scope| scope.as_str()).collect()
}

fn scope_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The issuer: the public URL without its trailing slash.
fn issuer(state: &AppState) -> String {
    state
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned()
}

/// The resource a grant's tokens are good for: this server's `/mcp`.
pub fn mcp_resource(state: &AppState) -> String {
    format!("{}{}", issuer(state), crate::mcp::PATH)
}

/// Where a client reads what `/mcp` needs, named in its 401 answers.
pub fn resource_metadata_url(state: &AppState) -> String {
    format!(
        "{}{PROTECTED_RESOURCE_PATH}{}",
        issuer(state),
        crate::mcp::PATH
    )
}

/// The canonical resource a request's `resource` names, if it names this server (its `/mcp`,
/// or the server itself, as some clients send).
fn our_resource(state: &AppState, requested: Option<&str>) -> Result<String, String> {
    let ours = mcp_resource(state);
    match requested {
        None => Ok(ours),
        Some(value) if value == ours || value.trim_end_matches('/') == issuer(state) => Ok(ours),
        Some(value) => Err(format!("names another server ({value:?}); ask for {ours}")),
    }
}

/// An error answer of the token, registration and revocation endpoints (RFC 6749 section 5.2).
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        let status = match error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "slow_down" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    fn request(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (self.status, Json(body)).into_response()
    }
}

impl From<kith_store::StoreError> for OAuthError {
    fn from(error: kith_store::StoreError) -> OAuthError {
        tracing::error!(%error, "an OAuth request failed in the store");
        OAuthError::new(
            "temporarily_unavailable",
            "the server could not answer; try again",
        )
    }
}

/// Counts a request of `client` to the OAuth endpoints; refuses past the per-minute limit.
async fn within_limit(state: &AppState, client: &ClientInfo) -> Result<(), OAuthError> {
    let key = format!("oauth:{}", client.ip);
    match state
        .rate_limiter
        .hit(&state.db, &key, now_millis(), REQUESTS_PER_MINUTE)
        .await?
    {
        Ok(()) => Ok(()),
        Err(seconds) => Err(OAuthError::new(
            "slow_down",
            format!("too many OAuth requests from this address; try again in {seconds} s"),
        )),
    }
}

/// The metadata, authorization, token, registration and revocation endpoints.
pub fn router(state: &AppState) -> axum::Router<AppState> {
    axum::Router::new()
        .route(PROTECTED_RESOURCE_PATH, get(protected_resource))
        .route(
            &format!("{PROTECTED_RESOURCE_PATH}{}", crate::mcp::PATH),
            get(protected_resource),
        )
        .route(AUTHORIZATION_SERVER_PATH, get(authorization_server))
        // Clients that look for OpenID Connect discovery first find the same document.
        .route(
            "/.well-known/openid-configuration",
            get(authorization_server),
        )
        .route(AUTHORIZE_PATH, get(authorize::show))
        .route(REGISTER_PATH, post(register::register))
        .route(TOKEN_PATH, post(token::token))
        .route(REVOKE_PATH, post(token::revoke))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors))
}

/// RFC 9728: what `/mcp` is and who issues its tokens.
async fn protected_resource(State(state): State<AppState>) -> Response {
    public_document(json!({
        "resource": mcp_resource(&state),
        "resource_name": "Kith",
        "authorization_servers": [issuer(&state)],
        "scopes_supported": scope_list(),
        "bearer_methods_supported": ["header"],
    }))
}

/// RFC 8414: the endpoints and what they support.
async fn authorization_server(State(state): State<AppState>) -> Response {
    let base = issuer(&state);
    public_document(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "registration_endpoint": format!("{base}{REGISTER_PATH}"),
        "revocation_endpoint": format!("{base}{REVOKE_PATH}"),
        "scopes_supported": scope_list(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

/// A metadata document, which caches may keep for an hour.
fn public_document(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

const ALLOWED_METHODS: &str = "GET, POST, DELETE, OPTIONS";
/// What browser-based MCP clients send: the token, the body type and the MCP headers.
const ALLOWED_HEADERS: &str = "authorization, content-type, accept, mcp-protocol-version, \
     mcp-session-id, mcp-method, mcp-name, last-event-id";
const EXPOSED_HEADERS: &str = "www-authenticate, mcp-session-id, mcp-protocol-version";

/// CORS for the OAuth endpoints: any origin may read the metadata and call the token,
/// registration and revocation endpoints, which no cookie authenticates. The authorization
/// endpoint only redirects, and the consent screen's API is same-origin and needs none.
async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    if is_preflight(&request) {
        return preflight(HeaderValue::from_static("*"));
    }
    let mut response = next.run(request).await;
    if origin.is_some() {
        allow_origin(response.headers_mut(), HeaderValue::from_static("*"));
    }
    response
}

/// CORS for `/mcp`: a browser-based client of the public URL's origin or of
/// `KITH_MCP_ORIGINS` may call it; other origins get no CORS headers, and the MCP service
/// refuses their requests with 403.
pub async fn mcp_cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .filter(|origin| mcp_origin_allowed(&state, origin))
        .cloned();
    if is_preflight(&request) {
        return match origin {
            Some(origin) => preflight(origin),
            None => StatusCode::FORBIDDEN.into_response(),
        };
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        allow_origin(response.headers_mut(), origin);
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

/// The origins `/mcp` accepts from browsers: the public URL's and `KITH_MCP_ORIGINS`.
pub fn mcp_origins(state: &AppState) -> Vec<String> {
    let mut origins = vec![state.config.public_url.origin().ascii_serialization()];
    origins.extend(state.config.mcp_origins.iter().cloned());
    origins
}

fn mcp_origin_allowed(state: &AppState, origin: &HeaderValue) -> bool {
    origin
        .to_str()
        .is_ok_and(|origin| mcp_origins(state).iter().any(|allowed| allowed == origin))
}

fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn preflight(origin: HeaderValue) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    allow_origin(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

fn allow_origin(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
}

/// Whether a path's POSTs authenticate by something other than cookies (a bearer token, a
/// code and its verifier), so a cross-origin POST to it is no forgery.
pub fn takes_no_cookies(path: &str) -> bool {
    path == crate::mcp::PATH || matches!(path, TOKEN_PATH | REGISTER_PATH | REVOKE_PATH)
}
