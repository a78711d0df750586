use super::session::{CurrentUser, clear_session_cookies, start_session};
use super::tokens::{random_token, token_hash};
use super::{FieldCheck, throttle};
use crate::AppState;
use crate::config::SignupPolicy;
use crate::http::{AppError, AppResult, ClientInfo, Json};
use crate::views::me_json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::cookie::CookieJar;
use kith_core::{ApiError, ErrorCode, validate};
use kith_store::{Db, NewUser, User, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};

const RESET_TOKEN_LIFETIME_MS: i64 = 60 * 60 * 1000;

// Every body refuses keys it does not know (400 naming the key): a misspelt `inviteToken` must
// not be read as no invitation.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignupBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// Joins the workspace that sent it; required when sign-up is by invitation.
    invite_token: Option<String>,
}

/// The sign-up policy in force: the configured one, or open until the first account exists.
pub async fn effective_signup_policy(state: &AppState) -> AppResult<SignupPolicy> {
    Ok(match state.config.signup {
        Some(policy) => policy,
        None if state.db.count_users().await? == 0 => SignupPolicy::Open,
        None => SignupPolicy::Invite,
    })
}

pub async fn signup(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(body): Json<SignupBody>,
) -> AppResult<(StatusCode, CookieJar, Json<Value>)> {
    let mut check = FieldCheck::default();
    let name = check.check("name", validate::name(&body.name));
    let email = check.check("email", validate::email(&body.email));
    check.check(
        "password",
        validate::new_password(&body.password, &body.email),
    );
    check.finish()?;
    let (Some(name), Some(email)) = (name, email) else {
        return Err(ApiError::internal().into());
    };

    let invitation = match effective_signup_policy(&state).await? {
        SignupPolicy::Closed => {
            return Err(ApiError::forbidden(
                "sign-up is closed on this server: an administrator creates accounts with `kith admin create-user`",
            )
            .into());
        }
        SignupPolicy::Invite if body.invite_token.is_none() => {
            return Err(ApiError::forbidden(
                "sign-up on this server needs an invitation: ask a workspace admin to invite you",
            )
            .into());
        }
        _ => body.invite_token.as_deref().map(token_hash),
    };
    if let Some(hash) = &invitation {
        let pending = state
            .db
            .pending_invitation(hash)
            .await?
            .ok_or_else(invalid_invitation)?;
        if pending.invitation.email != email {
            // As for accepting it signed in: a well-formed request the invitation does not allow.
            return Err(ApiError::refused_field(
                ErrorCode::Forbidden,
                "email",
                "must be the address the invitation was sent to",
            )
            .into());
        }
    }

    let password_hash = state.hasher.hash(&body.password).await?;
    let mut tx = state.db.begin().await?;
    let user = Db::insert_user(
        &mut tx,
        &NewUser {
            email: &email,
            name: &name,
            password_hash: &password_hash,
        },
    )
    .await?;
    if let Some(hash) = &invitation {
        Db::accept_invitation(&mut tx, hash, user.id)
            .await?
            .ok_or_else(invalid_invitation)?;
    }
    tx.commit().await?;

    state
        .db
        .record_login_event(user.id, "signup", &client.ip, &client.user_agent)
        .await?;
    let jar = start_session(&state, user.id, &client, jar).await?;
    Ok((StatusCode::CREATED, jar, Json(me_json(&user))))
}

pub fn invalid_invitation() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidToken,
        "this invitation has expired, was revoked or was already used; ask for a new one",
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
    /// The authenticator app's code, or a recovery code, for an account with two-factor sign-in.
    #[serde(default)]
    code: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    jar: CookieJar,
    Json(body): Json<LoginBody>,
) -> AppResult<(CookieJar, Json<Value>)> {
    let (user, jar) = sign_in(
        &state,
        &body.email,
        &body.password,
        body.code.as_deref(),
        &client,
        jar,
    )
    .await?;
    Ok((jar, Json(me_json(&user))))
}

/// Checks a password (throttled, with its sign-in history) and, for an account with two-factor
/// sign-in, its code; then opens a session.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    code: Option<&str>,
    client: &ClientInfo,
    jar: CookieJar,
) -> AppResult<(User, CookieJar)> {
    let email = email.trim().to_lowercase();
    throttle::before_attempt(state, &email, client).await?;
    let account = state.db.credentials(&email).await?;
    let verified = match &account {
        Some((_, hash)) => state.hasher.verify(password, hash).await?,
        None => {
            state.hasher.verify_decoy(password).await?;
            false
        }
    };
    let user = match account {
        Some((user, _)) if verified => user,
        other => {
            throttle::record_failure(state, &email, client).await?;
            if let Some((user, _)) = other {
                state
                    .db
                    .record_login_event(user.id, "login_failed", &client.ip, &client.user_agent)
                    .await?;
            }
            return Err(
                ApiError::new(ErrorCode::Unauthenticated, "wrong email or password").into(),
            );
        }
    };
    throttle::record_success(state, &email).await?;
    if user.two_factor {
        super::two_factor::check_sign_in_code(state, &user, code, client).await?;
    }
    state
        .db
        .record_login_event(user.id, "login", &client.ip, &client.user_agent)
        .await?;
    let jar = start_session(state, user.id, client, jar).await?;
    Ok((user, jar))
}

pub async fn logout(
    State(state): State<AppState>,
    me: CurrentUser,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    state.db.delete_session(&me.session_hash).await?;
    Ok((clear_session_cookies(jar), StatusCode::NO_CONTENT))
}

pub async fn logout_others(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Value>> {
    let ended = state
        .db
        .delete_other_sessions(me.user.id, &me.session_hash)
        .await?;
    Ok(Json(json!({ "endedSessions": ended })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    #[serde(default)]
    email: String,
}

/// Mails a single-use reset link. Answers the same whether or not the account exists, so the
/// form cannot be used to find out who has an account.
pub async fn request_password_reset(
    State(state): State<AppState>,
    Json(body): Json<ResetRequestBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let email = validate::email(&body.email)
        .map_err(|message| ApiError::invalid_field("email", message))?;
    if let Some(user) = state.db.user_by_email(&email).await?
        && throttle::allow_reset_mail(&state, &email).await?
    {
        let token = random_token();
        state
            .db
            .create_password_reset(
                &token_hash(&token),
                user.id,
                now_millis() + RESET_TOKEN_LIFETIME_MS,
            )
            .await?;
        let link = state.link("reset-password", &token);
        let text = format!(
            "Hello {name},\n\nSomeone (hopefully you) asked to reset the password of your Kith account.\n\
             Open this link within an hour to choose a new one:\n\n{link}\n\nor use this code: {token}\n\n\
             If you did not ask, ignore this mail: your password stays as it is.\n",
            name = user.name
        );
        state
            .mailer
            .send(&email, "Reset your Kith password", &text)
            .await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({ "message": "if an account exists for that address, a reset link is on its way" }),
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmBody {
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn confirm_password_reset(
    State(state): State<AppState>,
    Json(body): Json<ResetConfirmBody>,
) -> AppResult<Json<Value>> {
    validate::new_password(&body.password, "")
        .map_err(|message| ApiError::invalid_field("password", message))?;
    let password_hash = state.hasher.hash(&body.password).await?;
    let user_id = state
        .db
        .reset_password(&token_hash(body.token.trim()), &password_hash)
        .await?
        .ok_or_else(|| {
            AppError(ApiError::new(
                ErrorCode::InvalidToken,
                "this password reset link has expired or was already used; ask for a new one",
            ))
        })?;
    if let Some(user) = state.db.user_by_id(user_id).await? {
        throttle::record_success(&state, &user.email).await?;
    }
    Ok(Json(
        json!({ "message": "password changed; every session was signed out, sign in with the new password" }),
    ))
}
