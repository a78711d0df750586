//! The audit log of a workspace (`GET /api/v1/workspaces/{id}/audit`): every MCP tool call and
//! every write by an API token. Admins only.

use super::Admin;
use crate::AppState;
use crate::http::{AppResult, Json, Query};
use crate::records::policy;
use axum::extract::State;
use kith_core::ApiError;
use kith_store::data::AuditQuery;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// `token:{id}`.
    principal: Option<String>,
    /// A tool (`mcp:update_record`) or route (`PATCH /rest/{plural}/{id}`), or a prefix and `*`.
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
    limit: Option<usize>,
}

fn instant(field: &str, text: Option<&str>) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t.trim())
            .map(|at| at.with_timezone(&chrono::Utc))
            .map_err(|_| {
                ApiError::invalid_field(
                    field,
                    "must be an instant in RFC 3339 (2026-12-01T09:00:00Z)",
                )
                .into()
            })
    })
    .transpose()
}

pub async fn list(
    State(state): State<AppState>,
    access: Admin,
    Query(params): Query<AuditParams>,
) -> AppResult<Json<Value>> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 200").into());
    }
    let before = params
        .cursor
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| ApiError::invalid_field("cursor", "is not a cursor from this log"))
        })
        .transpose()?;
    let query = AuditQuery {
        principal: params.principal.filter(|p| !p.is_empty()),
        action: params.action.filter(|a| !a.is_empty()),
        since: instant("since", params.since.as_deref())?,
        until: instant("until", params.until.as_deref())?,
        before,
        limit: limit + 1,
    };
    let data = state
        .db
        .workspace(&access.tenant)
        .data(policy(&access.tenant, None))
        .await?;
    let mut entries = data.audit(&query).await?;
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next = if more {
        entries.last().map(|e| e["id"].clone())
    } else {
        None
    };
    Ok(Json(json!({ "data": entries, "nextCursor": next })))
}
