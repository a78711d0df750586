//! Browser sessions: the cookies, and the [`CurrentUser`] extractor that every signed-in route
//! takes. Cookie-authenticated writes must echo the CSRF cookie in the `X-CSRF-Token` header.

use super::tokens::{random_token, token_hash};
use crate::AppState;
use crate::http::{AppError, AppResult, ClientInfo};
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use kith_core::ApiError;
use kith_store::{NewSession, User, now_millis};

pub const SESSION_COOKIE: &str = "kith_session";
pub const CSRF_COOKIE: &str = "kith_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The digest of this request's session token (to end it, or to keep it when ending the others).
    pub session_hash: String,
}

/// Opens a session for `user_id` and returns the cookies that carry it.
pub async fn start_session(
    state: &AppState,
    user_id: uuid::Uuid,
    client: &ClientInfo,
    jar: CookieJar,
) -> AppResult<CookieJar> {
    let token = random_token();
    let csrf = random_token();
    let max = state.config.session_max;
    state
        .db
        .create_session(&NewSession {
            token_hash: &token_hash(&token),
            user_id,
            csrf_token: &csrf,
            expires_at: now_millis() + state.config.session_max_ms(),
            ip: &client.ip,
            user_agent: &client.user_agent,
        })
        .await?;
    let max_age =
        cookie::time::Duration::seconds(i64::try_from(max.as_secs()).unwrap_or(i64::MAX / 2));
    let secure = state.config.served_over_tls();
    let session = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(max_age);
    // Readable by the page's scripts on purpose: they copy it into the X-CSRF-Token header.
    let csrf = Cookie::build((CSRF_COOKIE, csrf))
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(max_age);
    Ok(jar.add(session).add(csrf))
}

/// The cookies that end a session in the browser.
pub fn clear_session_cookies(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
        .remove(Cookie::build(CSRF_COOKIE).path("/"))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(SESSION_COOKIE)
            .map(Cookie::value)
            .ok_or_else(ApiError::unauthenticated)?;
        let session_hash = token_hash(token);
        let session = state
            .db
            .live_session(&session_hash, state.config.session_idle_ms())
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    kith_core::ErrorCode::Unauthenticated,
                    "your session has ended; sign in again",
                )
            })?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            let cookie = jar.get(CSRF_COOKIE).map(Cookie::value);
            let matches =
                header.is_some() && header == cookie && header == Some(session.csrf_token.as_str());
            if !matches {
                return Err(AppError(ApiError::forbidden(
                    "missing or wrong X-CSRF-Token header: send the value of the kith_csrf cookie with every change",
                )));
            }
        }
        Ok(CurrentUser {
            user: session.user,
            session_hash,
        })
    }
}
