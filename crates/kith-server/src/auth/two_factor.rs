//! Two-factor sign-in with an authenticator app: TOTP codes (RFC 6238: HMAC-SHA1, 30-second
//! steps, 6 digits, one step of clock drift either way) and ten one-time recovery codes.
//!
//! Setting up takes the password and gives the secret (base32, and as an `otpauth://` link for a
//! QR code); the first right code turns it on and answers the recovery codes, shown only then.
//! Signing in then takes the password and a code (`code` in the login body). Each code is
//! accepted once, and wrong codes are counted per account: after five in 15 minutes every code
//! is refused (429) until the window passes, so six digits cannot be guessed.

use super::me::check_current_password;
use super::session::CurrentUser;
use super::tokens::token_hash;
use crate::AppState;
use crate::http::{AppResult, ClientInfo, Json};
use axum::extract::State;
use axum::http::StatusCode;
use hmac::{KeyInit, Mac};
use kith_core::{ApiError, ErrorCode};
use kith_store::{User, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};

const STEP_SECS: u64 = 30;
const DIGITS: u32 = 6;
/// 160 bits, the size RFC 4226 recommends for an HMAC-SHA1 key.
const SECRET_BYTES: usize = 20;
const RECOVERY_CODES: usize = 10;
const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Wrong codes for one account within the window before every code is refused.
const FAILURE_LIMIT: i64 = 5;

/// The code an authenticator app shows for time step `step` (Unix seconds / 30).
pub fn code_at(secret: &[u8], step: u64) -> String {
    let mut mac =
        hmac::Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // RFC 4226's dynamic truncation: four bytes at the offset the last nibble names.
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        word % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The time step of the moment `unix_secs`.
pub fn step_of(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// The step whose code `code` is, among the current one and its two neighbours.
fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let now = step_of(now_secs);
    [now, now.saturating_sub(1), now + 1]
        .into_iter()
        .find(|step| constant_time_eq(code_at(secret, *step).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn now_secs() -> u64 {
    u64::try_from(now_millis() / 1000).unwrap_or(0)
}

/// A recovery code as people type it: without spaces or dashes, in lower case.
fn normalized_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten fresh recovery codes (`xxxxx-xxxxx`, 50 random bits each) and their digests.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 7];
            getrandom::fill(&mut bytes)
                .expect("the operating system's random number generator failed");
            let text = data_encoding::BASE32_NOPAD
                .encode(&bytes)
                .to_ascii_lowercase();
            let code = format!("{}-{}", &text[..5], &text[5..10]);
            let hash = token_hash(&normalized_recovery_code(&code));
            (code, hash)
        })
        .unzip()
}

fn failure_key(user: &User) -> String {
    format!("2fa:{}", user.id)
}

/// Refuses with 429 once the account has had too many wrong codes lately.
async fn before_code(state: &AppState, user: &User) -> AppResult<()> {
    let (failures, oldest) = state
        .db
        .login_failures(&failure_key(user), now_millis() - WINDOW_MS)
        .await?;
    if failures >= FAILURE_LIMIT {
        let retry_after_ms =
            (oldest.unwrap_or_else(now_millis) + WINDOW_MS - now_millis()).max(1000);
        return Err(
            ApiError::rate_limited(u64::try_from(retry_after_ms / 1000).unwrap_or(1)).into(),
        );
    }
    Ok(())
}

async fn record_wrong_code(state: &AppState, user: &User, client: &ClientInfo) -> AppResult<()> {
    state.db.record_login_failure(&failure_key(user)).await?;
    state
        .db
        .record_login_event(user.id, "two_factor_failed", &client.ip, &client.user_agent)
        .await?;
    Ok(())
}

/// The second step of signing in: `code` (from the app, or a recovery code) for an account with
/// two-factor sign-in on. Without a code the answer asks for one.
pub async fn check_sign_in_code(
    state: &AppState,
    user: &User,
    code: Option<&str>,
    client: &ClientInfo,
) -> AppResult<()> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(
            ErrorCode::TwoFactorRequired,
            "enter the 6-digit code from your authenticator app (or one of your recovery codes) as `code`",
        )
        .into());
    };
    before_code(state, user).await?;
    if !code_is_right(state, user, code).await? {
        record_wrong_code(state, user, client).await?;
        return Err(ApiError::new(
            ErrorCode::Unauthenticated,
            "wrong or already used two-factor code",
        )
        .into());
    }
    state.db.clear_login_failures(&failure_key(user)).await?;
    Ok(())
}

/// Whether `code` is the app's current code, not used before, or an unused recovery code (which
/// it then uses up).
async fn code_is_right(state: &AppState, user: &User, code: &str) -> AppResult<bool> {
    let digits = code.len() == DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit());
    if digits {
        let Some(secret) = state.db.totp_secret(user.id).await?.filter(|s| s.enabled) else {
            return Ok(false);
        };
        return match matching_step(&secret.secret, code, now_secs()) {
            Some(step) => Ok(state.db.use_totp_step(user.id, step_as_i64(step)).await?),
            None => Ok(false),
        };
    }
    let hash = token_hash(&normalized_recovery_code(code));
    let used = state.db.use_recovery_code(user.id, &hash).await?;
    if used {
        let left = state.db.recovery_codes_left(user.id).await?;
        tracing::info!(user = %user.id, left, "signed in with a recovery code");
    }
    Ok(used)
}

fn step_as_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// `GET /api/v1/me/two-factor`: whether it is on, and how many recovery codes are left.
pub async fn status(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Value>> {
    let secret = state.db.totp_secret(me.user.id).await?;
    let left = state.db.recovery_codes_left(me.user.id).await?;
    Ok(Json(json!({
        "enabled": secret.as_ref().is_some_and(|s| s.enabled),
        "settingUp": secret.as_ref().is_some_and(|s| !s.enabled),
        "recoveryCodesLeft": left,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    #[serde(default)]
    current_password: String,
}

async fn confirm_password(
    state: &AppState,
    me: &CurrentUser,
    client: &ClientInfo,
    body: &PasswordBody,
    action: &str,
) -> AppResult<()> {
    if body.current_password.is_empty() {
        return Err(
            ApiError::invalid_field("currentPassword", format!("is required to {action}")).into(),
        );
    }
    check_current_password(state, me, client, &body.current_password).await
}

/// `POST /api/v1/me/two-factor/setup`: a new secret for the authenticator app, not yet required.
pub async fn setup(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<PasswordBody>,
) -> AppResult<Json<Value>> {
    confirm_password(&state, &me, &client, &body, "set up two-factor sign-in").await?;
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|_| ApiError::internal())?;
    state.db.begin_totp_setup(me.user.id, &secret).await?;
    let encoded = data_encoding::BASE32_NOPAD.encode(&secret);
    let label: String =
        url::form_urlencoded::byte_serialize(format!("Kith:{}", me.user.email).as_bytes())
            .collect();
    Ok(Json(json!({
        "secret": encoded,
        "otpauthUri": format!(
            "otpauth://totp/{label}?secret={encoded}&issuer=Kith&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
        ),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    #[serde(default)]
    code: String,
}

/// `POST /api/v1/me/two-factor/enable`: the app's first right code turns two-factor sign-in on;
/// the answer holds the recovery codes, which are not shown again.
pub async fn enable(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<CodeBody>,
) -> AppResult<Json<Value>> {
    let secret = match state.db.totp_secret(me.user.id).await? {
        Some(secret) if secret.enabled => {
            return Err(ApiError::conflict("two-factor sign-in is already on").into());
        }
        Some(secret) => secret,
        None => {
            return Err(ApiError::conflict(
                "nothing is being set up: start with POST /api/v1/me/two-factor/setup",
            )
            .into());
        }
    };
    before_code(&state, &me.user).await?;
    let Some(step) = matching_step(&secret.secret, body.code.trim(), now_secs()) else {
        record_wrong_code(&state, &me.user, &client).await?;
        return Err(ApiError::refused_field(
            ErrorCode::Forbidden,
            "code",
            "is not the code the authenticator app shows now: check the app holds the new secret and the device's clock is right",
        )
        .into());
    };
    let (codes, hashes) = new_recovery_codes();
    state
        .db
        .enable_totp(me.user.id, step_as_i64(step), &hashes)
        .await?;
    state
        .db
        .record_login_event(
            me.user.id,
            "two_factor_enabled",
            &client.ip,
            &client.user_agent,
        )
        .await?;
    // A session signed in with the password alone (perhaps by whoever the code now keeps out)
    // ends; this one, which has just shown a code, stays.
    let ended = state
        .db
        .delete_other_sessions(me.user.id, &me.session_hash)
        .await?;
    Ok(Json(
        json!({ "recoveryCodes": codes, "endedSessions": ended }),
    ))
}

/// `POST /api/v1/me/two-factor/recovery-codes`: ten new recovery codes; the old ones stop working.
pub async fn new_codes(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<PasswordBody>,
) -> AppResult<Json<Value>> {
    confirm_password(&state, &me, &client, &body, "make new recovery codes").await?;
    if !me.user.two_factor {
        return Err(
            ApiError::conflict("two-factor sign-in is off: there are no recovery codes").into(),
        );
    }
    let (codes, hashes) = new_recovery_codes();
    state.db.replace_recovery_codes(me.user.id, &hashes).await?;
    Ok(Json(json!({ "recoveryCodes": codes })))
}

/// `POST /api/v1/me/two-factor/disable`: back to the password alone.
pub async fn disable(
    State(state): State<AppState>,
    me: CurrentUser,
    client: ClientInfo,
    Json(body): Json<PasswordBody>,
) -> AppResult<StatusCode> {
    confirm_password(&state, &me, &client, &body, "turn off two-factor sign-in").await?;
    state.db.disable_totp(me.user.id).await?;
    state
        .db
        .record_login_event(
            me.user.id,
            "two_factor_disabled",
            &client.ip,
            &client.user_agent,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret is the ASCII of "12345678901234567890"; the RFC
    /// lists 8 digits, of which the app shows the last 6.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (unix_secs, eight_digits) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(secret, step_of(unix_secs)), eight_digits[2..]);
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_early_or_late_and_no_further() {
        let secret = b"another secret of twenty";
        let now = 1_700_000_000;
        let step = step_of(now);
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let other = step.checked_add_signed(offset).expect("step");
            let code = code_at(secret, other);
            assert_eq!(
                matching_step(secret, &code, now).is_some(),
                accepted,
                "offset {offset}"
            );
        }
        assert_eq!(matching_step(secret, "12345", now), None);
    }

    #[test]
    fn recovery_codes_are_fresh_and_typed_loosely() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let typed = format!(" {} ", codes[0].to_uppercase().replace('-', " "));
        assert_eq!(token_hash(&normalized_recovery_code(&typed)), hashes[0]);
    }
}
