//! The authorization endpoint and the checks of an authorization request.
//!
//! `GET /oauth/authorize` checks the client's request and sends the browser on to the web app's
//! consent screen (`/oauth/consent` with the same parameters), which signs the person in if
//! needed and asks for their consent through `/api/v1/oauth/authorization` (`consent.rs`). A
//! client or redirect URI that cannot be trusted is never redirected to: the consent screen
//! shows why, as the API explains it. Other errors go back to the client (RFC 6749 section
//! 4.1.2.1).

use super::register::is_loopback;
use super::{Grant, our_resource, within_limit};
use crate::AppState;
use crate::http::{AppError, ClientInfo};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use kith_store::OAuthClient;
use serde::Deserialize;

/// The web app's consent screen.
pub const CONSENT_PAGE: &str = "/oauth/consent";

/// The parameters of an authorization request as clients send them; any others are ignored.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub resource: Option<String>,
}

impl AuthorizeParams {
    /// The parameters given, as name and value, in the order of the RFCs.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("state", &self.state),
            ("scope", &self.scope),
            ("resource", &self.resource),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|value| (name, value)))
        .collect()
    }
}

/// A request that passed every check.
pub struct Checked {
    pub client: OAuthClient,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub requested: Grant,
    pub resource: String,
}

/// Why a request cannot go on.
pub enum Refusal {
    /// The client or its redirect URI cannot be trusted: told to the person, never to the client.
    Untrusted(ApiError),
    /// Sent back to the client's redirect URI as `error`; `field` is the parameter at fault and
    /// `message` what is wrong with it.
    ToClient {
        redirect_uri: String,
        error: &'static str,
        field: &'static str,
        message: String,
    },
}

impl Refusal {
    /// The refusal in the API's error shape, naming the parameter at fault.
    pub fn into_api_error(self) -> ApiError {
        match self {
            Refusal::Untrusted(error) => error,
            // A resource is well formed and names another server: at odds, not malformed.
            Refusal::ToClient {
                error: "invalid_target",
                field,
                message,
                ..
            } => ApiError::refused_field(ErrorCode::Conflict, field, message),
            Refusal::ToClient { field, message, .. } => ApiError::invalid_field(field, message),
        }
    }
}

/// `GET /oauth/authorize`: on to the consent screen with the same parameters, or back to the
/// client with an error it may hear.
pub async fn show(
    State(state): State<AppState>,
    client: ClientInfo,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if let Err(limited) = within_limit(&state, &client).await {
        return limited.into_response();
    }
    match check(&state, &params).await {
        Ok(_) | Err(Refusal::Untrusted(_)) => see_other(&consent_page(&params)),
        Err(Refusal::ToClient {
            redirect_uri,
            error,
            field,
            message,
        }) => {
            let description = format!("{field} {message}");
            let pairs = [
                ("error", error),
                ("error_description", description.as_str()),
            ];
            match back_to_client(&state, &redirect_uri, params.state.as_deref(), &pairs) {
                Ok(url) => see_other(&url),
                Err(error) => AppError(error).into_response(),
            }
        }
    }
}

/// The consent screen's address for `params` (only the parameters Kith reads).
fn consent_page(params: &AuthorizeParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params.pairs() {
        query.append_pair(name, value);
    }
    format!("{CONSENT_PAGE}?{}", query.finish())
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => AppError(ApiError::bad_request(
            "the redirect address cannot be sent to a browser",
        ))
        .into_response(),
    }
}

/// Checks an authorization request in the order RFC 6749 section 4.1.2.1 asks: the client and
/// its redirect URI first (a bad one is never redirected to), then the rest.
pub async fn check(state: &AppState, params: &AuthorizeParams) -> Result<Checked, Refusal> {
    let client = registered_client(state, params.client_id.as_deref()).await?;
    let redirect_uri = registered_redirect(&client, params.redirect_uri.as_deref())?;
    let to_client = |error: &'static str, field: &'static str, message: String| Refusal::ToClient {
        redirect_uri: redirect_uri.clone(),
        error,
        field,
        message,
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(to_client(
            "unsupported_response_type",
            "response_type",
            "must be code".into(),
        ));
    }
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err(to_client(
            "invalid_request",
            "code_challenge_method",
            "must be S256: PKCE with S256 is required".into(),
        ));
    }
    let code_challenge = params
        .code_challenge
        .clone()
        .filter(|c| c.len() == 43 && c.bytes().all(is_base64url))
        .ok_or_else(|| {
            to_client(
                "invalid_request",
                "code_challenge",
                "must be the 43-character base64url SHA-256 of the verifier".into(),
            )
        })?;
    let requested = Grant::covering(params.scope.as_deref().unwrap_or(""))
        .map_err(|message| to_client("invalid_scope", "scope", message))?;
    let resource = our_resource(state, params.resource.as_deref())
        .map_err(|message| to_client("invalid_target", "resource", message))?;
    Ok(Checked {
        client,
        redirect_uri,
        code_challenge,
        requested,
        resource,
    })
}

async fn registered_client(state: &AppState, id: Option<&str>) -> Result<OAuthClient, Refusal> {
    let id = id.ok_or_else(|| {
        Refusal::Untrusted(ApiError::invalid_field(
            "client_id",
            "is missing: the app did not say who it is",
        ))
    })?;
    state
        .db
        .oauth_client(id)
        .await
        .map_err(|error| Refusal::Untrusted(AppError::from(error).0))?
        .ok_or_else(|| {
            Refusal::Untrusted(ApiError::refused_field(
                ErrorCode::NotFound,
                "client_id",
                "names no app registered with this Kith server",
            ))
        })
}

/// The redirect URI to use: the one given if it is registered (a loopback one on any port, as
/// RFC 8252 section 7.3 lets native apps pick theirs), or the only one registered.
fn registered_redirect(client: &OAuthClient, given: Option<&str>) -> Result<String, Refusal> {
    let untrusted = |message: &str| {
        Refusal::Untrusted(ApiError::refused_field(
            ErrorCode::Conflict,
            "redirect_uri",
            message,
        ))
    };
    match given {
        Some(given) if client.redirect_uris.iter().any(|r| same_redirect(r, given)) => {
            Ok(given.to_owned())
        }
        Some(_) => Err(untrusted(
            "is not an address the app registered: Kith will not send you there",
        )),
        None => match client.redirect_uris.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(untrusted(
                "is missing, and the app registered several addresses",
            )),
        },
    }
}

fn same_redirect(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    match (url::Url::parse(registered), url::Url::parse(given)) {
        (Ok(mut registered), Ok(mut given))
            if registered.scheme() == "http" && is_loopback(&registered) =>
        {
            let _ = registered.set_port(None);
            let _ = given.set_port(None);
            registered == given
        }
        _ => false,
    }
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Where the browser goes back to the client: its redirect URI with `pairs`, its `state` and
/// this issuer (RFC 9207).
pub fn back_to_client(
    state: &AppState,
    redirect_uri: &str,
    client_state: Option<&str>,
    pairs: &[(&str, &str)],
) -> Result<String, ApiError> {
    let mut url = url::Url::parse(redirect_uri).map_err(|_| {
        ApiError::refused_field(
            ErrorCode::Conflict,
            "redirect_uri",
            "is not a URL the browser can be sent to",
        )
    })?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
        query.append_pair("iss", &super::issuer(state));
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::{AuthorizeParams, consent_page, same_redirect};

    #[test]
    fn the_consent_page_carries_the_parameters_kith_reads() {
        let params = AuthorizeParams {
            client_id: Some("c 1".into()),
            state: Some("a&b=c".into()),
            ..AuthorizeParams::default()
        };
        assert_eq!(
            consent_page(&params),
            "/oauth/consent?client_id=c+1&state=a%26b%3Dc"
        );
    }

    #[test]
    fn a_loopback_redirect_may_change_its_port_and_nothing_else() {
        let registered = "http://127.0.0.1:33418/callback";
        assert!(same_redirect(registered, "http://127.0.0.1:5000/callback"));
        assert!(!same_redirect(registered, "http://127.0.0.1:5000/other"));
        assert!(!same_redirect(
            "https://app.example/cb",
            "https://app.example:444/cb"
        ));
    }
}
