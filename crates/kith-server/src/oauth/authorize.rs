//! The authorization endpoint: checks the client's request, signs the person in if needed, asks
//! for their consent (workspace and grant), and sends the client back with a one-time code.
//!
//! Plain HTML forms, no script: the consent form carries the session's CSRF token, and the
//! session cookie is `SameSite=Lax`, so no other site can post a consent.

use super::page::{self, Consent};
use super::register::is_loopback;
use super::{CODE_LIFETIME_MS, Grant, our_resource, within_limit};
use crate::AppState;
use crate::auth::session::SESSION_COOKIE;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::{AppError, ClientInfo};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use kith_store::{NewCode, OAuthClient, SessionUser, now_millis};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The parameters of an authorization request, carried through the sign-in and consent forms.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
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

/// A request that passed every check.
pub struct Checked {
    pub client: OAuthClient,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub requested: Grant,
    pub resource: String,
}

/// Why a request cannot go on: shown to the person when the client or its redirect cannot be
/// trusted, otherwise sent back to the client.
enum Refusal {
    Page(String),
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
    },
}

/// `GET /oauth/authorize`: the sign-in form, or the consent form.
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let checked = match check(&state, &params).await {
        Ok(checked) => checked,
        Err(refusal) => return refuse(&state, &params, refusal),
    };
    match signed_in(&state, &jar).await {
        Ok(Some(session)) => consent_page(&state, &params, &checked, &session, None).await,
        Ok(None) => page::sign_in(&params, &checked.client, None, StatusCode::OK),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// `POST /oauth/login`: signs the person in, then back to the consent form.
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    let checked = match checked_post(&state, &client, &form.params).await {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    match crate::auth::sign_in(&state, &form.email, &form.password, &client, jar).await {
        Ok((_, jar)) => (jar, Redirect::to(&authorize_url(&form.params))).into_response(),
        Err(AppError(error)) => {
            let status =
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            page::sign_in(&form.params, &checked.client, Some(&error.message), status)
        }
    }
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: String,
    decision: String,
    workspace: Option<String>,
    grant: Option<String>,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// `POST /oauth/authorize`: the person's answer. Allowing makes the grant and sends the client
/// a code; denying sends it `access_denied`.
pub async fn decide(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<ConsentForm>,
) -> Response {
    let checked = match checked_post(&state, &client, &form.params).await {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    let session = match signed_in(&state, &jar).await {
        Ok(Some(session)) if session.csrf_token == form.csrf => session,
        Ok(Some(_)) => {
            return page::problem("This form has expired. Go back to the app and connect again.");
        }
        Ok(None) => return page::sign_in(&form.params, &checked.client, None, StatusCode::OK),
        Err(error) => return error.into_response(),
    };
    if form.decision != "allow" {
        return back_to_client(
            &state,
            &checked.redirect_uri,
            &form.params,
            &[
                ("error", "access_denied"),
                ("error_description", "the person declined"),
            ],
        );
    }
    match grant(&state, &form, &checked, &session).await {
        Ok(code) => back_to_client(
            &state,
            &checked.redirect_uri,
            &form.params,
            &[("code", &code)],
        ),
        Err(GrantError::Invalid(message)) => {
            consent_page(&state, &form.params, &checked, &session, Some(&message)).await
        }
        Err(GrantError::Failed(error)) => error.into_response(),
    }
}

enum GrantError {
    /// The form's choice is not one the person can make; shown on the form again.
    Invalid(String),
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for GrantError {
    fn from(error: E) -> GrantError {
        GrantError::Failed(error.into())
    }
}

/// Makes the grant the person chose and a code for it.
async fn grant(
    state: &AppState,
    form: &ConsentForm,
    checked: &Checked,
    session: &SessionUser,
) -> Result<String, GrantError> {
    let level = form
        .grant
        .as_deref()
        .and_then(Grant::from_name)
        .ok_or_else(|| GrantError::Invalid("Choose what the app may do.".into()))?;
    let workspace_id = form
        .workspace
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| GrantError::Invalid("Choose a workspace.".into()))?;
    let tenant = state
        .db
        .enter_workspace(session.user.id, workspace_id)
        .await?
        .ok_or_else(|| GrantError::Invalid("You are not a member of that workspace.".into()))?;
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

async fn consent_page(
    state: &AppState,
    params: &AuthorizeParams,
    checked: &Checked,
    session: &SessionUser,
    problem: Option<&str>,
) -> Response {
    let workspaces = match state.db.workspaces_of(session.user.id).await {
        Ok(workspaces) => workspaces,
        Err(error) => return AppError::from(error).into_response(),
    };
    page::consent(&Consent {
        params,
        client: &checked.client,
        redirect_uri: &checked.redirect_uri,
        requested: checked.requested,
        person: &session.user,
        csrf: &session.csrf_token,
        workspaces: &workspaces,
        problem,
    })
}

/// A form posted back to the authorization endpoint: counted against the address's limit, and
/// its authorization request checked again (a form can be edited).
async fn checked_post(
    state: &AppState,
    client: &ClientInfo,
    params: &AuthorizeParams,
) -> Result<Checked, Response> {
    within_limit(state, client)
        .await
        .map_err(IntoResponse::into_response)?;
    check(state, params)
        .await
        .map_err(|refusal| refuse(state, params, refusal))
}

/// The person's live session, if the request carries one.
async fn signed_in(state: &AppState, jar: &CookieJar) -> Result<Option<SessionUser>, AppError> {
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state
        .db
        .live_session(&token_hash(cookie.value()), state.config.session_idle_ms())
        .await?)
}

/// Checks an authorization request in the order RFC 6749 section 4.1.2.1 asks: the client and
/// its redirect URI first (a bad one is never redirected to), then the rest.
async fn check(state: &AppState, params: &AuthorizeParams) -> Result<Checked, Refusal> {
    let client_id = params
        .client_id
        .as_deref()
        .ok_or_else(|| Refusal::Page("The app did not say who it is (no client_id).".into()))?;
    let client = state
        .db
        .oauth_client(client_id)
        .await
        .map_err(|_| Refusal::Page("Kith could not look up the app; try again.".into()))?
        .ok_or_else(|| {
            Refusal::Page(
                "This app is not registered with this Kith server (unknown client_id).".into(),
            )
        })?;
    let redirect_uri = registered_redirect(&client, params.redirect_uri.as_deref())?;
    let to_client = |error: &'static str, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description,
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(to_client(
            "unsupported_response_type",
            "response_type must be code".into(),
        ));
    }
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err(to_client(
            "invalid_request",
            "PKCE is required: send code_challenge_method=S256 and a code_challenge".into(),
        ));
    }
    let code_challenge = params
        .code_challenge
        .clone()
        .filter(|c| c.len() == 43 && c.bytes().all(is_base64url))
        .ok_or_else(|| {
            to_client(
                "invalid_request",
                "code_challenge must be the 43-character base64url SHA-256 of the verifier".into(),
            )
        })?;
    let requested = Grant::covering(params.scope.as_deref().unwrap_or(""))
        .map_err(|message| to_client("invalid_scope", message))?;
    let resource = our_resource(state, params.resource.as_deref())
        .map_err(|message| to_client("invalid_target", message))?;
    Ok(Checked {
        client,
        redirect_uri,
        code_challenge,
        requested,
        resource,
    })
}

/// The redirect URI to use: the one given if it is registered (a loopback one on any port, as
/// RFC 8252 section 7.3 lets native apps pick theirs), or the only one registered.
fn registered_redirect(client: &OAuthClient, given: Option<&str>) -> Result<String, Refusal> {
    match given {
        Some(given) if client.redirect_uris.iter().any(|r| same_redirect(r, given)) => {
            Ok(given.to_owned())
        }
        Some(_) => Err(Refusal::Page(
            "The app asked to be sent back to an address it did not register (redirect_uri)."
                .into(),
        )),
        None => match client.redirect_uris.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(Refusal::Page(
                "The app registered several addresses and did not say which to use (redirect_uri)."
                    .into(),
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

fn refuse(state: &AppState, params: &AuthorizeParams, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(message) => page::problem(&message),
        Refusal::Redirect {
            redirect_uri,
            error,
            description,
        } => back_to_client(
            state,
            &redirect_uri,
            params,
            &[("error", error), ("error_description", &description)],
        ),
    }
}

/// Sends the browser back to the client with `pairs`, its `state` and this issuer (RFC 9207).
fn back_to_client(
    state: &AppState,
    redirect_uri: &str,
    params: &AuthorizeParams,
    pairs: &[(&str, &str)],
) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return page::problem("The app's redirect address is not a URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(client_state) = &params.state {
            query.append_pair("state", client_state);
        }
        query.append_pair("iss", &super::issuer(state));
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => {
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => page::problem("The app's redirect address cannot be sent to a browser."),
    }
}

/// The authorization endpoint with the same request, to come back to after signing in.
fn authorize_url(params: &AuthorizeParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in page::param_pairs(params) {
        query.append_pair(name, value);
    }
    format!("{}?{}", super::AUTHORIZE_PATH, query.finish())
}
