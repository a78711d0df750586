//! Putting calls on the audit log (`kith_store` `data::audit`): every write an API token makes
//! over REST (this middleware) and every MCP tool call (`crate::mcp`).

use crate::AppState;
use crate::records::{Authenticated, RestAccess, bearer};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kith_core::ErrorCode;
use kith_store::DataStore;
use kith_store::data::AuditEntry;
use serde_json::{Map, Value, json};
use std::time::Instant;

/// A call about to be made, to be put on the log once its outcome is known.
pub struct Pending {
    data: DataStore,
    entry: AuditEntry,
    started: Instant,
}

impl Pending {
    /// Starts the entry of a call by `access` (an API token; a person's calls are not audited).
    pub fn start(
        access: &RestAccess,
        client: String,
        action: String,
        summary: Value,
    ) -> Option<Pending> {
        let token = access.token.as_ref()?;
        Some(Pending {
            data: access.data.clone(),
            entry: AuditEntry {
                principal: format!("token:{}", token.id),
                principal_name: token.name.clone(),
                client,
                action,
                summary,
                outcome: String::new(),
                duration_ms: 0,
            },
            started: Instant::now(),
        })
    }

    /// Writes the entry with its outcome (`ok` or an error code). A failure to write is logged,
    /// and does not change the call's answer.
    pub async fn finish(mut self, outcome: &str) {
        self.entry.outcome = outcome.to_owned();
        self.entry.duration_ms =
            i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        if let Err(error) = self.data.record_audit(&self.entry).await {
            tracing::error!(%error, action = %self.entry.action, "could not write the audit log");
        }
    }
}

/// The client a request came from, as it names itself.
pub fn client_of(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|agent| agent.chars().take(200).collect())
        .unwrap_or_default()
}

/// What a tool was asked, without the values it was given: names and ids stay, field values
/// become the list of fields, long texts and lists their length.
pub fn summarize(arguments: &Map<String, Value>) -> Value {
    let summarized = arguments.iter().map(|(key, value)| {
        let shown = match (key.as_str(), value) {
            ("values", Value::Object(fields)) => {
                json!({ "fields": fields.keys().collect::<Vec<_>>() })
            }
            ("records", Value::Array(records)) => json!({ "count": records.len() }),
            ("title" | "body" | "query", Value::String(text)) => {
                json!({ "chars": text.chars().count() })
            }
            (_, Value::String(text)) if text.chars().count() > 200 => {
                json!({ "chars": text.chars().count() })
            }
            (_, Value::Array(items)) if items.iter().any(|i| !i.is_string()) => {
                json!({ "count": items.len() })
            }
            (_, Value::Object(map)) => json!({ "fields": map.keys().collect::<Vec<_>>() }),
            (_, other) => other.clone(),
        };
        (key.clone(), shown)
    });
    Value::Object(summarized.collect())
}

/// The outcome of an HTTP answer for the log.
fn outcome_of(response: &Response) -> String {
    let status = response.status();
    if status.is_success() {
        "ok".to_owned()
    } else {
        ErrorCode::from_http_status(status.as_u16())
            .as_str()
            .to_owned()
    }
}

/// Puts every REST write by an API token on the audit log: its route, path and parameters
/// (never the body), outcome, duration and the records it touched.
pub async fn token_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A malformed Authorization is refused by the handler's extractor, as ever.
    let token = matches!(bearer(request.headers()), Ok(Some(_)));
    if reads || !token {
        return next.run(request).await;
    }
    // A duplicates check is a POST that reads.
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    if route.ends_with("/duplicates") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let access = match RestAccess::from_request_parts(&mut parts, &state).await {
        Ok(access) => access,
        Err(refused) => return refused.into_response(),
    };
    let parameters: Vec<String> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    let summary = json!({ "path": parts.uri.path(), "parameters": parameters });
    let action = format!("{} {route}", parts.method);
    let pending = Pending::start(&access, client_of(&parts.headers), action, summary);
    // The handler takes this access instead of authenticating (and counting) the request again.
    parts.extensions.insert(Authenticated::new(access));
    let response = next.run(Request::from_parts(parts, body)).await;
    if let Some(pending) = pending {
        pending.finish(&outcome_of(&response)).await;
    }
    response
}
