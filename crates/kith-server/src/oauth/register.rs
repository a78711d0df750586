//! Dynamic client registration (RFC 7591): any client may register itself, and so is a public
//! client, authenticated by PKCE alone.

use super::{OAuthError, within_limit};
use crate::AppState;
use crate::auth::tokens::random_token;
use crate::http::ClientInfo;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kith_store::{OAuthClient, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};

const MAX_NAME_CHARS: usize = 200;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_URI_CHARS: usize = 2000;

#[derive(Deserialize)]
pub struct Registration {
    redirect_uris: Option<Value>,
    client_name: Option<Value>,
    client_uri: Option<Value>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    within_limit(&state, &client).await?;
    let registration: Registration = serde_json::from_slice(&body).map_err(|e| {
        OAuthError::new(
            "invalid_client_metadata",
            format!("the body must be a JSON object of client metadata: {e}"),
        )
    })?;
    let redirect_uris = redirect_uris(registration.redirect_uris.as_ref())?;
    let name = optional_text(registration.client_name.as_ref(), "client_name")?
        .unwrap_or_else(|| "An MCP client".to_owned());
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(metadata(format!(
            "client_name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    let client_uri = optional_text(registration.client_uri.as_ref(), "client_uri")?;
    if let Some(uri) = &client_uri
        && !url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    {
        return Err(metadata(format!(
            "client_uri {uri:?} is not an http(s) URL"
        )));
    }
    check_subset(
        registration.grant_types.as_deref(),
        "grant_types",
        &["authorization_code", "refresh_token"],
    )?;
    check_subset(
        registration.response_types.as_deref(),
        "response_types",
        &["code"],
    )?;
    let registered = OAuthClient {
        id: random_token(),
        name,
        redirect_uris,
        client_uri,
        created_at: now_millis(),
    };
    state.db.register_oauth_client(&registered).await?;
    Ok((StatusCode::CREATED, Json(client_json(&registered))).into_response())
}

/// The registered metadata, as RFC 7591 answers it: what the client asked for, as kept.
fn client_json(client: &OAuthClient) -> Value {
    json!({
        "client_id": client.id,
        "client_id_issued_at": client.created_at / 1000,
        "client_name": client.name,
        "client_uri": client.client_uri,
        "redirect_uris": client.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        // Every client is public: PKCE proves it is the one that asked for the code.
        "token_endpoint_auth_method": "none",
    })
}

fn metadata(description: String) -> OAuthError {
    OAuthError::new("invalid_client_metadata", description)
}

fn optional_text(value: Option<&Value>, field: &str) -> Result<Option<String>, OAuthError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim().to_owned())),
        Some(_) => Err(metadata(format!("{field} must be a string"))),
    }
}

fn check_subset(
    asked: Option<&[String]>,
    field: &str,
    supported: &[&str],
) -> Result<(), OAuthError> {
    let unsupported: Vec<&String> = asked
        .unwrap_or_default()
        .iter()
        .filter(|value| !supported.contains(&value.as_str()))
        .collect();
    match unsupported.first() {
        None => Ok(()),
        Some(value) => Err(metadata(format!(
            "{field} {value:?} is not supported; this server supports {}",
            supported.join(", ")
        ))),
    }
}

/// The redirect URIs: at least one, each absolute and without a fragment; plain `http` only to
/// this machine (RFC 8252's loopback redirect), other schemes for native apps.
fn redirect_uris(value: Option<&Value>) -> Result<Vec<String>, OAuthError> {
    let refuse = |description: String| OAuthError::new("invalid_redirect_uri", description);
    let Some(Value::Array(items)) = value else {
        return Err(refuse(
            "redirect_uris must be an array of one or more URIs".into(),
        ));
    };
    if items.is_empty() || items.len() > MAX_REDIRECT_URIS {
        return Err(refuse(format!(
            "redirect_uris must hold between 1 and {MAX_REDIRECT_URIS} URIs"
        )));
    }
    items
        .iter()
        .map(|item| {
            let Value::String(text) = item else {
                return Err(refuse("every redirect URI must be a string".into()));
            };
            check_redirect_uri(text).map_err(refuse)?;
            Ok(text.clone())
        })
        .collect()
}

fn check_redirect_uri(text: &str) -> Result<(), String> {
    if text.len() > MAX_URI_CHARS {
        return Err(format!(
            "a redirect URI is longer than {MAX_URI_CHARS} characters"
        ));
    }
    let uri = url::Url::parse(text).map_err(|e| format!("{text:?} is not an absolute URI: {e}"))?;
    if uri.fragment().is_some() {
        return Err(format!(
            "{text:?} has a fragment, which redirect URIs may not"
        ));
    }
    match uri.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&uri) => Ok(()),
        "http" => Err(format!(
            "{text:?} is plain http to another machine; use https (http is for 127.0.0.1 and localhost)"
        )),
        "javascript" | "data" | "file" | "vbscript" => {
            Err(format!("{text:?} is not a scheme a redirect may use"))
        }
        _ => Ok(()),
    }
}

pub fn is_loopback(uri: &url::Url) -> bool {
    match uri.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_are_https_loopback_or_an_apps_own_scheme() {
        for good in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
            "http://localhost:6274/oauth/callback",
            "http://[::1]:8080/cb",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(()), "{good}");
        }
        for bad in [
            "http://example.com/callback",
            "https://example.com/cb#fragment",
            "javascript:alert(1)",
            "/relative/path",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
