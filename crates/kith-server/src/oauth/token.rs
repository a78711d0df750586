//! The token endpoint (authorization code with PKCE, refresh with rotation) and revocation
//! (RFC 7009). Both take form-encoded bodies, as OAuth clients send them.

use super::{
    ACCESS_LIFETIME_MS, OAuthError, REFRESH_LIFETIME_MS, our_resource, scope_text, within_limit,
};
use crate::AppState;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::ClientInfo;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use kith_store::{ApiToken, NewTokens, Redemption, Rotation, now_millis};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

/// A form body's fields; a field given twice is refused (RFC 6749 section 3.2).
struct Fields(HashMap<String, String>);

impl Fields {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Fields, OAuthError> {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return Err(OAuthError::request(
                "send the parameters as application/x-www-form-urlencoded",
            ));
        }
        let mut fields = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            if fields
                .insert(name.clone().into_owned(), value.into_owned())
                .is_some()
            {
                return Err(OAuthError::request(format!("{name} is given twice")));
            }
        }
        Ok(Fields(fields))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::request(format!("{name} is missing")))
    }
}

/// The client a request comes from: `client_id` in the body, or the user of HTTP Basic.
fn client_id(headers: &HeaderMap, fields: &Fields) -> Result<String, OAuthError> {
    if let Some(id) = fields.get("client_id") {
        return Ok(id.to_owned());
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok());
    match basic.as_deref().and_then(|v| v.split(':').next()) {
        Some(id) if !id.is_empty() => Ok(url::form_urlencoded::parse(id.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_else(|| id.to_owned())),
        _ => Err(OAuthError::new("invalid_client", "client_id is missing")),
    }
}

/// A request to the token or revocation endpoint: counted against the address's limit, its
/// form read, and the client it names.
async fn client_request(
    state: &AppState,
    client: &ClientInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Fields, String), OAuthError> {
    within_limit(state, client).await?;
    let fields = Fields::parse(headers, body)?;
    let client_id = client_id(headers, &fields)?;
    Ok((fields, client_id))
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let (fields, client_id) = client_request(&state, &client, &headers, &body).await?;
    if state.db.oauth_client(&client_id).await?.is_none() {
        return Err(OAuthError::new(
            "invalid_client",
            "this client_id is not registered here",
        ));
    }
    let grant = match fields.require("grant_type")? {
        "authorization_code" => redeem_code(&state, &fields, &client_id).await?,
        "refresh_token" => rotate_refresh(&state, &fields, &client_id).await?,
        other => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!(
                    "grant_type {other:?} is not supported; use authorization_code or refresh_token"
                ),
            ));
        }
    };
    issue(&state, &grant).await
}

async fn redeem_code(
    state: &AppState,
    fields: &Fields,
    client_id: &str,
) -> Result<ApiToken, OAuthError> {
    let code = fields.require("code")?;
    let verifier = fields.require("code_verifier")?;
    let redeemed = match state.db.redeem_oauth_code(&token_hash(code)).await? {
        Redemption::Redeemed(redeemed) => redeemed,
        Redemption::Reused(grant_id) => {
            state.token_cache.forget(grant_id);
            return Err(invalid_grant(
                "this code was used before; the access it gave is revoked",
            ));
        }
        Redemption::Unknown => return Err(invalid_grant("the code is unknown or expired")),
    };
    if redeemed.grant.oauth_client_id.as_deref() != Some(client_id) {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if fields
        .get("redirect_uri")
        .is_some_and(|uri| uri != redeemed.redirect_uri)
    {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    if !pkce_matches(verifier, &redeemed.code_challenge) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    check_resource(state, fields, &redeemed.grant)?;
    Ok(redeemed.grant)
}

async fn rotate_refresh(
    state: &AppState,
    fields: &Fields,
    client_id: &str,
) -> Result<ApiToken, OAuthError> {
    let refresh = fields.require("refresh_token")?;
    let grant = match state.db.rotate_oauth_refresh(&token_hash(refresh)).await? {
        Rotation::Rotated(grant) => *grant,
        Rotation::Reused(grant_id) => {
            state.token_cache.forget(grant_id);
            return Err(invalid_grant(
                "this refresh token was used before; the access it gave is revoked",
            ));
        }
        Rotation::Unknown => {
            return Err(invalid_grant(
                "the refresh token is unknown, expired or revoked",
            ));
        }
    };
    if grant.oauth_client_id.as_deref() != Some(client_id) {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    check_resource(state, fields, &grant)?;
    Ok(grant)
}

/// A `resource` sent to the token endpoint must be the one the grant is for (RFC 8707).
fn check_resource(state: &AppState, fields: &Fields, grant: &ApiToken) -> Result<(), OAuthError> {
    let Some(asked) = fields.get("resource") else {
        return Ok(());
    };
    match our_resource(state, Some(asked)) {
        Ok(resource) if Some(resource.as_str()) == grant.resource.as_deref() => Ok(()),
        Ok(_) => Err(OAuthError::new(
            "invalid_target",
            "the resource differs from the one the person granted",
        )),
        Err(message) => Err(OAuthError::new(
            "invalid_target",
            format!("resource {message}"),
        )),
    }
}

/// PKCE S256: the verifier is 43 to 128 unreserved characters and hashes to the challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new("invalid_grant", description)
}

/// Issues a new access token and refresh token for `grant`, while its person is still a
/// member of its workspace.
async fn issue(state: &AppState, grant: &ApiToken) -> Result<Response, OAuthError> {
    let person = grant.created_by.unwrap_or_default();
    if state
        .db
        .enter_workspace(person, grant.workspace_id)
        .await?
        .is_none()
    {
        return Err(invalid_grant(
            "the person who connected this app is no longer a member of the workspace",
        ));
    }
    let access = random_token();
    let refresh = random_token();
    let now = now_millis();
    state
        .db
        .issue_oauth_tokens(
            grant.id,
            &NewTokens {
                access_hash: &token_hash(&access),
                access_expires_at: now + ACCESS_LIFETIME_MS,
                refresh_hash: &token_hash(&refresh),
                refresh_expires_at: now + REFRESH_LIFETIME_MS,
            },
        )
        .await?;
    let body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_LIFETIME_MS / 1000,
        "refresh_token": refresh,
        "scope": scope_text(&grant.scopes),
    });
    Ok(Json(body).into_response())
}

/// `POST /oauth/revoke`: answers 200 whether or not the token was live (RFC 7009 section 2.2),
/// so that it tells nobody which tokens exist.
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let (fields, client_id) = client_request(&state, &client, &headers, &body).await?;
    let token = fields.require("token")?;
    if let Some(grant_id) = state
        .db
        .revoke_oauth_token(&token_hash(token), &client_id)
        .await?
    {
        state.token_cache.forget(grant_id);
    }
    Ok(Json(json!({})).into_response())
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn the_verifier_must_hash_to_the_challenge() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
