//! The web app's side of a consent (`/api/v1/oauth/authorization`): what the consent screen
//! shows (the client, where the answer goes, the grants it may be given) and the person's
//! answer, which makes the grant and a one-time code and says where the browser goes next.
//!
//! Only the signed-in person answers, and only from Kith's own pages: the answer is a session
//! write, so it needs the `X-CSRF-Token` header, which only a page of Kith's origin can copy from
//! the `kith_csrf` cookie, and `reject_cross_origin` refuses another site's `Origin` before that.

use super::authorize::{AuthorizeParams, Checked, back_to_client, check};
use super::{CODE_LIFETIME_MS, Grant};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::routes::Routes;
use crate::http::{AppError, AppResult, Json};
use axum::extract::{Query, State};
use kith_core::{ApiError, ErrorCode, FieldError};
use kith_store::{NewCode, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PATH: &str = "/api/v1/oauth/authorization";

pub fn routes() -> Routes {
    Routes::default().get(PATH, show).post(PATH, decide)
}

/// An authorization request as the consent screen passes it on: the parameters of
/// `/oauth/authorize` that Kith reads (the screen's address carries no others), none unknown.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationRequest {
    response_type: String,
    client_id: String,
    redirect_uri: Option<String>,
    code_challenge: String,
    code_challenge_method: String,
    state: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
}

impl From<AuthorizationRequest> for AuthorizeParams {
    fn from(request: AuthorizationRequest) -> AuthorizeParams {
        AuthorizeParams {
            response_type: Some(request.response_type),
            client_id: Some(request.client_id),
            redirect_uri: request.redirect_uri,
            code_challenge: Some(request.code_challenge),
            code_challenge_method: Some(request.code_challenge_method),
            state: request.state,
            scope: request.scope,
            resource: request.resource,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Allow,
    Deny,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionBody {
    request: AuthorizationRequest,
    decision: Decision,
    /// The workspace the client may work in; allowing needs it.
    workspace_id: Option<Uuid>,
    /// What the client may do there (`read`, `write`, `schema`); allowing needs it.
    grant: Option<String>,
}

/// `GET`: what the consent screen asks the person about.
async fn show(
    State(state): State<AppState>,
    _me: CurrentUser,
    Query(request): Query<AuthorizationRequest>,
) -> AppResult<Json<Value>> {
    let checked = check(&state, &request.into())
        .await
        .map_err(|refusal| refusal.into_api_error())?;
    Ok(Json(prompt(&checked)))
}

fn prompt(checked: &Checked) -> Value {
    let grants: Vec<Value> = Grant::ALL
        .into_iter()
        .map(|grant| {
            let scopes: Vec<&str> = grant.scopes().iter().map(|s| s.as_str()).collect();
            json!({ "name": grant.name(), "description": grant.describe(), "scopes": scopes })
        })
        .collect();
    json!({
        "client": { "id": checked.client.id, "name": checked.client.name },
        "redirectHost": redirect_host(&checked.redirect_uri),
        "requested": checked.requested.name(),
        "grants": grants,
    })
}

/// Where the answer goes, as a person can judge it: `https://claude.ai`, `cursor://…`'s scheme
/// and host, or the scheme alone for an address without a host.
fn redirect_host(redirect_uri: &str) -> String {
    url::Url::parse(redirect_uri)
        .map(|url| match url.host_str() {
            Some(host) => format!("{}://{host}", url.scheme()),
            None => format!("{}:", url.scheme()),
        })
        .unwrap_or_default()
}

/// `POST`: the person's answer. Allowing makes the grant and a code for the client; denying
/// sends it `access_denied`. Either way the answer is where the browser goes: `redirectTo`.
async fn decide(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<DecisionBody>,
) -> AppResult<Json<Value>> {
    let choice = match body.decision {
        Decision::Allow => Some(chosen(body.workspace_id, body.grant.as_deref())?),
        Decision::Deny => None,
    };
    let params = AuthorizeParams::from(body.request);
    let checked = check(&state, &params)
        .await
        .map_err(|refusal| under("request", refusal.into_api_error()))?;
    let client_state = params.state.as_deref();
    let redirect_to = match choice {
        Some((workspace_id, level)) => {
            let code = grant(&state, &checked, me.user.id, workspace_id, level).await?;
            back_to_client(
                &state,
                &checked.redirect_uri,
                client_state,
                &[("code", &code)],
            )?
        }
        None => back_to_client(
            &state,
            &checked.redirect_uri,
            client_state,
            &[
                ("error", "access_denied"),
                ("error_description", "the person declined"),
            ],
        )?,
    };
    Ok(Json(json!({ "redirectTo": redirect_to })))
}

/// The workspace and grant an allowing answer names, both needed.
fn chosen(workspace_id: Option<Uuid>, grant: Option<&str>) -> Result<(Uuid, Grant), ApiError> {
    let level = grant.and_then(Grant::from_name);
    if let (Some(workspace_id), Some(level)) = (workspace_id, level) {
        return Ok((workspace_id, level));
    }
    let mut wrong = Vec::new();
    if workspace_id.is_none() {
        wrong.push(FieldError {
            field: "workspaceId".into(),
            message: "is needed to allow: choose a workspace".into(),
        });
    }
    if level.is_none() {
        wrong.push(FieldError {
            field: "grant".into(),
            message: "must be read, write or schema to allow".into(),
        });
    }
    Err(ApiError::invalid_fields(wrong))
}

/// The refusal of a check of the object at `prefix`, its fields named under it.
fn under(prefix: &str, error: ApiError) -> ApiError {
    if error.details.is_empty() {
        return error;
    }
    let details = error
        .details
        .into_iter()
        .map(|detail| FieldError {
            field: format!("{prefix}.{}", detail.field),
            message: detail.message,
        })
        .collect();
    ApiError::refused_fields(error.code, details)
}

/// Makes the grant the person chose in `workspace_id` and a one-time code for it.
async fn grant(
    state: &AppState,
    checked: &Checked,
    user_id: Uuid,
    workspace_id: Uuid,
    level: Grant,
) -> AppResult<String> {
    let tenant = state
        .db
        .enter_workspace(user_id, workspace_id)
        .await?
        .ok_or_else(|| {
            AppError(ApiError::refused_field(
                ErrorCode::NotFound,
                "workspaceId",
                "names no workspace you are a member of",
            ))
        })?;
    let grant_id = state
        .db
        .workspace(&tenant)
        .create_grant(&checked.client, level.scopes(), &checked.resource)
        .await?;
    let code = random_token();
    state
        .db
        .issue_oauth_code(&NewCode {
            code_hash: &token_hash(&code),
            grant_id,
            redirect_uri: &checked.redirect_uri,
            code_challenge: &checked.code_challenge,
            expires_at: now_millis() + CODE_LIFETIME_MS,
        })
        .await?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::redirect_host;

    #[test]
    fn the_redirect_is_shown_by_scheme_and_host() {
        assert_eq!(
            redirect_host("http://127.0.0.1:33418/callback?x=1"),
            "http://127.0.0.1"
        );
        assert_eq!(
            redirect_host("cursor://anysphere.cursor-retrieval/oauth/callback"),
            "cursor://anysphere.cursor-retrieval"
        );
        assert_eq!(
            redirect_host("com.example.app:/callback"),
            "com.example.app:"
        );
    }
}
