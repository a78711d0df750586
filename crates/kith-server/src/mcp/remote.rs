//! `kith mcp --url`: an MCP server on standard input and output that passes every request on to
//! a remote Kith's `/mcp` with the token, for clients that can run a command but cannot send a
//! header to a remote server. The remote server decides everything; nothing is opened here.

use super::server::PROTOCOL_VERSIONS;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientConfig, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, ServerConfig,
};
use rmcp::service::{RequestContext, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, RoleClient, RoleServer, ServerHandler, ServiceExt};
use std::borrow::Cow;

pub struct Remote {
    client: RunningService<RoleClient, ClientConfig>,
    info: ServerConfig,
}

impl Remote {
    /// Connects to the MCP endpoint `url` as the API token `token`.
    pub async fn connect(url: &str, token: &str) -> Result<Remote, String> {
        crate::serve::install_tls_provider();
        let transport = StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(url).auth_header(token),
        );
        let client = ClientConfig::new(Default::default(), Default::default())
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
            .serve(transport)
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let peer = client
            .peer_info()
            .ok_or_else(|| format!("{url} did not say what it is"))?;
        let mut info = ServerConfig::new(peer.capabilities.clone());
        if let Some(server) = &peer.server_info {
            info = info.with_server_info(server.clone());
        }
        if let Some(instructions) = &peer.instructions {
            info = info.with_instructions(instructions.clone());
        }
        Ok(Remote { client, info })
    }
}

fn remote_error(error: ServiceError) -> ErrorData {
    match error {
        ServiceError::McpError(error) => error,
        other => ErrorData::internal_error(format!("the remote Kith: {other}"), None),
    }
}

impl ServerHandler for Remote {
    fn get_info(&self) -> ServerConfig {
        self.info.clone()
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(PROTOCOL_VERSIONS)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.client.list_tools(request).await.map_err(remote_error)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.client
            .call_tool_once(request)
            .await
            .map_err(remote_error)
    }
}
