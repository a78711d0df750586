//! `GET /api/v1/me/export`: everything Kith holds about the signed-in account, as one JSON file
//! (the right of access to one's own data). The records of workspaces are the workspaces' data
//! and are exported from there (`/rest/{plural}/export`); this file holds the account, its
//! memberships, sign-in history, the API tokens it made, the apps it connected, its favourites
//! and saved views, and the mails sent to it. Mails' bodies are left out: they hold sign-in and
//! invitation links that must not sit in a downloaded file.

use super::session::CurrentUser;
use crate::AppState;
use crate::http::{AppResult, rfc3339};
use crate::records::policy;
use crate::views::me_json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

/// Sign-in events and mails included at most (90 days of them are kept).
const HISTORY_MAX: i64 = 10_000;

pub async fn export(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    let user = &me.user;
    let mut account = me_json(user);
    account["createdAt"] = json!(rfc3339(user.created_at));
    if let Some((bytes, content_type)) = state.db.avatar(user.id).await? {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        account["avatar"] = json!(format!("data:{content_type};base64,{encoded}"));
    }
    let sign_ins: Vec<Value> = state
        .db
        .login_events(user.id, HISTORY_MAX)
        .await?
        .into_iter()
        .map(|e| json!({ "kind": e.kind, "at": rfc3339(e.at), "ip": e.ip, "userAgent": e.user_agent }))
        .collect();
    let mut workspaces = Vec::new();
    for (workspace, role) in state.db.workspaces_of(user.id).await? {
        workspaces.push(workspace_part(&state, user.id, workspace, role).await?);
    }
    let connected_apps: Vec<Value> = state
        .db
        .connected_apps_of(user.id)
        .await?
        .iter()
        .map(crate::oauth::apps::app_json)
        .collect();
    let mails: Vec<Value> = state
        .db
        .outbox(Some(&user.email), HISTORY_MAX)
        .await?
        .into_iter()
        .map(|m| {
            json!({
                "subject": m.subject, "status": m.status, "queuedAt": rfc3339(m.created_at),
                "sentAt": m.sent_at.map(rfc3339),
            })
        })
        .collect();
    let file = json!({
        "exportedAt": chrono::Utc::now().to_rfc3339(),
        "account": account,
        "workspaces": workspaces,
        "signIns": sign_ins,
        "connectedApps": connected_apps,
        "mails": mails,
    });
    let name = format!(
        "kith-account-{}.json",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        serde_json::to_vec_pretty(&file).unwrap_or_default(),
    )
        .into_response())
}

/// One workspace as the account knows it: its role there, the tokens it made, its favourites and
/// its own saved views.
async fn workspace_part(
    state: &AppState,
    user_id: uuid::Uuid,
    workspace: kith_store::Workspace,
    role: kith_core::Role,
) -> AppResult<Value> {
    let mut part = json!({ "id": workspace.id, "name": workspace.name, "role": role });
    let Some(tenant) = state.db.enter_workspace(user_id, workspace.id).await? else {
        return Ok(part);
    };
    let store = state.db.workspace(&tenant);
    let (members, roles) = (store.members().await?, store.roles().await?);
    let tokens: Vec<Value> = store
        .tokens()
        .await?
        .iter()
        .filter(|t| t.created_by == Some(user_id) && t.oauth_client_id.is_none())
        .map(|t| crate::workspaces::tokens::token_json(t, &members, &roles))
        .collect();
    let data = store.data(policy(&tenant, None)).await?;
    let catalog = data.objects().await?;
    let principal = format!("user:{user_id}");
    let favorites: Vec<Value> = data
        .list_favorites(&catalog, &principal)
        .await?
        .iter()
        .map(crate::records::favorites::favorite_json)
        .collect();
    let views: Vec<Value> = data
        .list_views(None, &principal)
        .await?
        .into_iter()
        .filter(|v| v.owner.as_deref() == Some(principal.as_str()))
        .map(|v| {
            json!({
                "id": v.id, "objectId": v.object_id, "spec": v.spec,
                "createdAt": kith_core::fields::CellOutput(&v.created_at),
                "updatedAt": kith_core::fields::CellOutput(&v.updated_at),
            })
        })
        .collect();
    part["apiTokens"] = json!(tokens);
    part["favorites"] = json!(favorites);
    part["savedViews"] = json!(views);
    Ok(part)
}
