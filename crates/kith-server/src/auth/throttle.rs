//! Slows, then refuses, repeated failed password checks. Counters live in the database so that
//! every instance behind a load balancer sees the same ones.

use crate::AppState;
use crate::http::{AppResult, ClientInfo};
use kith_core::ApiError;
use kith_store::now_millis;
use std::time::Duration;

const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures for one account before each further attempt is delayed.
const ACCOUNT_SLOW_AFTER: i64 = 3;
/// Failures for one account before attempts are refused until the window passes.
const ACCOUNT_LIMIT: i64 = 10;
/// Failures from one IP address (over every account) before it is refused.
const IP_LIMIT: i64 = 100;
const MAX_DELAY: Duration = Duration::from_secs(3);

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Call before checking a password: refuses with 429 past the limits, otherwise waits longer
/// the more failures the account has.
pub async fn before_attempt(state: &AppState, email: &str, client: &ClientInfo) -> AppResult<()> {
    let since = now_millis() - WINDOW_MS;
    let (account_failures, account_oldest) =
        state.db.login_failures(&account_key(email), since).await?;
    let (ip_failures, ip_oldest) = state.db.login_failures(&ip_key(&client.ip), since).await?;
    let blocked_since = if account_failures >= ACCOUNT_LIMIT {
        account_oldest
    } else if ip_failures >= IP_LIMIT {
        ip_oldest
    } else {
        None
    };
    if let Some(oldest) = blocked_since {
        let retry_after_ms = (oldest + WINDOW_MS - now_millis()).max(1000);
        return Err(
            ApiError::rate_limited(u64::try_from(retry_after_ms / 1000).unwrap_or(1)).into(),
        );
    }
    if account_failures >= ACCOUNT_SLOW_AFTER {
        let steps = u32::try_from(account_failures - ACCOUNT_SLOW_AFTER + 1).unwrap_or(u32::MAX);
        tokio::time::sleep((Duration::from_millis(250) * steps).min(MAX_DELAY)).await;
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, email: &str, client: &ClientInfo) -> AppResult<()> {
    state.db.record_login_failure(&account_key(email)).await?;
    state.db.record_login_failure(&ip_key(&client.ip)).await?;
    Ok(())
}

/// A correct password clears the account's failures (not the IP's: one good account must not
/// unlock guessing at others).
pub async fn record_success(state: &AppState, email: &str) -> AppResult<()> {
    state.db.clear_login_failures(&account_key(email)).await?;
    Ok(())
}

/// Counts a password-reset request for an account; false once an hour's allowance is used, so
/// nobody can flood a mailbox with reset mails.
pub async fn allow_reset_mail(state: &AppState, email: &str) -> AppResult<bool> {
    let key = format!("reset:{email}");
    let (sent, _) = state
        .db
        .login_failures(&key, now_millis() - 60 * 60 * 1000)
        .await?;
    if sent >= 5 {
        return Ok(false);
    }
    state.db.record_login_failure(&key).await?;
    Ok(true)
}

/// How long failure counters matter; older ones are purged.
pub const FAILURE_RETENTION_MS: i64 = 60 * 60 * 1000;
