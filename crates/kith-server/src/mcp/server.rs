//! The MCP server handler: who calls (an API token, from the HTTP request or from `kith mcp`'s
//! environment), which tools they see, and tool results in the error shape of the REST API.

use super::tools;
use crate::AppState;
use crate::http::AppError;
use crate::http::audit::{Pending, client_of, summarize};
use crate::records::{Authenticated, RestAccess};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::borrow::Cow;
use std::sync::Arc;

/// The protocol revisions Kith speaks: the current one and the two most clients still send.
pub(super) const PROTOCOL_VERSIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2026_07_28,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2025_06_18,
];

const INSTRUCTIONS: &str = "Kith is a CRM: companies, people, opportunities, tasks, notes and the \
workspace's custom objects. Call describe_workspace first: it names every object and field the \
other tools take, and what you may do. Every write takes dry_run: true to see what it would change \
without storing anything. Deleted records go to the trash and restore_record brings them back.";

/// Who the tools act for.
#[derive(Clone)]
enum Caller {
    /// The API token the HTTP request was authenticated with, by [`super::authenticate`].
    Http,
    /// An API token's secret, for `kith mcp` over stdio.
    Token(Arc<str>),
}

/// One MCP server for one caller: made per HTTP request, or once for a stdio session.
#[derive(Clone)]
pub struct KithMcp {
    state: AppState,
    caller: Caller,
}

impl KithMcp {
    /// The handler for `/mcp`, where a layer has authenticated the request already.
    pub fn over_http(state: AppState) -> KithMcp {
        KithMcp {
            state,
            caller: Caller::Http,
        }
    }

    /// The handler for `kith mcp`, acting as the API token `secret`.
    pub fn with_token(state: AppState, secret: &str) -> KithMcp {
        KithMcp {
            state,
            caller: Caller::Token(Arc::from(secret)),
        }
    }

    /// The caller's access, read afresh for every message (one per HTTP request): a role, scope
    /// or field changed since the last one applies at once.
    async fn access(&self, context: &RequestContext<RoleServer>) -> Result<RestAccess, AppError> {
        let mut access = self.token_access(context).await?;
        // What a tool writes is on record as an agent's doing, by the token's name.
        access.actor.source = kith_core::metadata::ActorSource::Agent;
        Ok(access)
    }

    async fn token_access(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<RestAccess, AppError> {
        match &self.caller {
            Caller::Token(secret) => RestAccess::with_token(&self.state, secret).await,
            Caller::Http => Ok(context
                .extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Authenticated>())
                .and_then(Authenticated::take)
                .ok_or_else(kith_core::ApiError::unauthenticated)?),
        }
    }
}

/// The client as it names itself: in `initialize` (kept for a stdio session), else the HTTP
/// request's User-Agent.
fn client_name(context: &RequestContext<RoleServer>) -> String {
    if let Some(info) = context.peer.peer_info() {
        return format!("{} {}", info.client_info.name, info.client_info.version);
    }
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .map(|parts| client_of(&parts.headers))
        .unwrap_or_default()
}

/// A refusal as the model sees it: the REST API's error body, as a tool result with `isError`.
fn error_result(error: AppError) -> CallToolResult {
    let error = error.0;
    if error.code.is_server_fault() {
        tracing::error!(code = error.code.as_str(), message = %error.message, "tool failed");
    }
    CallToolResult::structured_error(error.to_json())
}

impl ServerHandler for KithMcp {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("kith", env!("CARGO_PKG_VERSION")).with_title("Kith CRM"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(PROTOCOL_VERSIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let access = self.access(&context).await.map_err(|e| {
            let code = if e.0.code == kith_core::ErrorCode::Unauthenticated {
                ErrorCode::INVALID_REQUEST
            } else {
                ErrorCode::INTERNAL_ERROR
            };
            ErrorData::new(code, e.0.message, None)
        })?;
        Ok(ListToolsResult::with_all_items(tools::listed(&access)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let access = match self.access(&context).await {
            Ok(access) => access,
            Err(error) => return Ok(error_result(error).into()),
        };
        let arguments = request.arguments.unwrap_or_default();
        let audit = Pending::start(
            &access,
            client_name(&context),
            format!("mcp:{}", request.name),
            summarize(&arguments),
        );
        let (result, outcome) =
            match tools::call(&self.state, access, &request.name, arguments).await {
                Ok(answer) => (CallToolResult::structured(answer), "ok"),
                Err(error) => {
                    let code = error.0.code.as_str();
                    (error_result(error), code)
                }
            };
        if let Some(audit) = audit {
            audit.finish(outcome).await;
        }
        Ok(result.into())
    }
}
