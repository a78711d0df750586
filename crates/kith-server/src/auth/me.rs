use super::session::{CurrentUser, clear_session_cookies};
use super::{FieldCheck, throttle};
use crate::AppState;
use crate::http::{AppResult, ClientInfo, Json, Query, rfc3339};
use crate::views::me_json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use kith_core::{ApiError, ErrorCode, validate};
use kith_store::{ProfileChange, Theme};
use serde::Deserialize;
use serde_json::{Value, json};

const AVATAR_MAX_BYTES: usize = 1024 * 1024;

pub async fn show(me: CurrentUser) -> Json<Value> {
    Json(me_json(&me.user))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBody {
    name: Option<String>,
    email: Option<String>,
    theme: Option<Theme>,
    /// Needed to change the email address, which is how the account is recovered.
    current_password: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<UpdateBody>,
) -> AppResult<Json<Value>> {
    let mut check = FieldCheck::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| check.check("name", validate::name(n)));
    let email = body
        .email
        .as_deref()
        .and_then(|e| check.check("email", validate::email(e)));
    check.finish()?;
    let email = email.filter(|e| *e != me.user.email);
    if email.is_some() {
        let password = body.current_password.as_deref().unwrap_or_default();
        if password.is_empty() {
            return Err(ApiError::invalid_field(
                "currentPassword",
                "is required to change the email address",
            )
            .into());
        }
        check_current_password(&state, &me, &client, password).await?;
    }
    let change = ProfileChange {
        name: name.as_deref(),
        email: email.as_deref(),
        theme: body.theme,
    };
    state.db.update_profile(me.user.id, &change).await?;
    let user = state
        .db
        .user_by_id(me.user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(me_json(&user)))
}

/// Checks the account's current password, under the same throttle as signing in.
pub(super) async fn check_current_password(
    state: &AppState,
    me: &CurrentUser,
    client: &ClientInfo,
    password: &str,
) -> AppResult<()> {
    throttle::before_attempt(state, &me.user.email, client).await?;
    let stored = state
        .db
        .password_hash(me.user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if state.hasher.verify(password, &stored).await? {
        return Ok(());
    }
    throttle::record_failure(state, &me.user.email, client).await?;
    // Not a malformed request but one the caller failed to prove they may make.
    Err(ApiError::refused_field(ErrorCode::Forbidden, "currentPassword", "is wrong").into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteBody {
    #[serde(default)]
    current_password: String,
}

/// Deletes the account for good once its password is confirmed, and signs this browser out.
/// Refused (409, naming them) while the account is the only owner of a workspace.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    jar: CookieJar,
    Json(body): Json<DeleteBody>,
) -> AppResult<(CookieJar, StatusCode)> {
    if body.current_password.is_empty() {
        return Err(ApiError::invalid_field(
            "currentPassword",
            "is required to delete the account",
        )
        .into());
    }
    check_current_password(&state, &me, &client, &body.current_password).await?;
    state.db.delete_user(me.user.id).await?;
    tracing::info!(user = %me.user.id, "account deleted");
    Ok((clear_session_cookies(jar), StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the password and signs out every other session.
pub async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<PasswordBody>,
) -> AppResult<StatusCode> {
    validate::new_password(&body.new_password, &me.user.email)
        .map_err(|message| ApiError::invalid_field("newPassword", message))?;
    check_current_password(&state, &me, &client, &body.current_password).await?;
    let hash = state.hasher.hash(&body.new_password).await?;
    state
        .db
        .set_password(me.user.id, &hash, Some(&me.session_hash))
        .await?;
    state
        .db
        .record_login_event(
            me.user.id,
            "password_changed",
            &client.ip,
            &client.user_agent,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores the body as the avatar: a PNG, JPEG, GIF or WebP image of at most 1 MiB whose bytes
/// match its Content-Type.
pub async fn put_avatar(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<StatusCode> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(sniffed) = image_type(&body) else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the avatar must be a PNG, JPEG, GIF or WebP image",
        )
        .into());
    };
    if declared != sniffed {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the body is {sniffed} but Content-Type says {declared:?}"),
        )
        .into());
    }
    if body.len() > AVATAR_MAX_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the avatar must be at most 1 MiB",
        )
        .into());
    }
    state
        .db
        .set_avatar(me.user.id, Some((&body, sniffed)))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub async fn get_avatar(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    let (bytes, content_type) = state
        .db
        .avatar(me.user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("avatar"))?;
    let content_type = HeaderValue::from_str(&content_type).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=60"),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn delete_avatar(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<StatusCode> {
    state.db.set_avatar(me.user.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct LoginsQuery {
    limit: Option<i64>,
}

/// The account's sign-in history (sign-ups, sign-ins, failed attempts, password changes), newest first.
pub async fn logins(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<LoginsQuery>,
) -> AppResult<Json<Value>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 500").into());
    }
    let events = state.db.login_events(me.user.id, limit).await?;
    let data: Vec<Value> = events
        .into_iter()
        .map(|e| json!({ "kind": e.kind, "at": rfc3339(e.at), "ip": e.ip, "userAgent": e.user_agent }))
        .collect();
    Ok(Json(json!({ "data": data })))
}
