//! Browser sessions, sign-in history, failed sign-in counters and password-reset tokens.
//! Every secret token is stored as a hash: a database leak does not hand out sessions.

use crate::users::UserRow;
use crate::{Db, Millis, StoreError, User, now_millis};
use uuid::Uuid;

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Uuid,
    pub csrf_token: &'a str,
    pub expires_at: Millis,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// A live session and the account it belongs to.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub token_hash: String,
    pub csrf_token: String,
    pub user: User,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    csrf_token: String,
    last_seen_at: Millis,
    #[sqlx(flatten)]
    user: UserRow,
}

/// One entry of an account's sign-in history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginEvent {
    pub kind: String,
    pub at: Millis,
    pub ip: String,
    pub user_agent: String,
}

/// How often a session's last-seen time is written; finer would turn every read into a write.
const TOUCH_EVERY_MS: Millis = 60_000;

impl Db {
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<(), StoreError> {
        let now = now_millis();
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
            new.token_hash,
            new.user_id,
            new.csrf_token,
            now,
            new.expires_at,
            new.ip,
            new.user_agent
        )?;
        Ok(())
    }

    /// The session with this token hash if it has neither passed its absolute expiry nor been
    /// idle for longer than `idle_ms`; marks it as seen now.
    pub async fn live_session(
        &self,
        token_hash: &str,
        idle_ms: Millis,
    ) -> Result<Option<SessionUser>, StoreError> {
        let now = now_millis();
        let row = {
            let mut conn = self.read().await?;
            fetch!(
                conn.ex(),
                SessionRow,
                fetch_optional,
                "SELECT s.csrf_token, s.last_seen_at, u.id, u.email, u.name, u.theme, \
                 (u.avatar IS NOT NULL) AS has_avatar, (u.totp_enabled_at IS NOT NULL) AS two_factor, \
                 u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
                token_hash,
                now,
                now - idle_ms
            )?
        };
        let Some(row) = row else { return Ok(None) };
        if now - row.last_seen_at > TOUCH_EVERY_MS {
            let mut conn = self.write().await?;
            exec!(
                conn.ex(),
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
                now,
                token_hash
            )?;
        }
        Ok(Some(SessionUser {
            token_hash: token_hash.to_owned(),
            csrf_token: row.csrf_token,
            user: User::try_from(row.user)?,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "DELETE FROM sessions WHERE token_hash = $1",
            token_hash
        )?;
        Ok(())
    }

    /// Ends every session of the account except `keep`; returns how many ended.
    pub async fn delete_other_sessions(
        &self,
        user_id: Uuid,
        keep: &str,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        Ok(exec!(
            conn.ex(),
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            user_id,
            keep
        )?)
    }

    /// Sets a session's last-seen and expiry times (tests of expiry use this instead of waiting).
    pub async fn set_session_times(
        &self,
        token_hash: &str,
        last_seen_at: Millis,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
            last_seen_at,
            expires_at,
            token_hash
        )?;
        Ok(())
    }

    pub async fn record_login_event(
        &self,
        user_id: Uuid,
        kind: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO login_events (id, user_id, kind, at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)",
            Uuid::now_v7(),
            user_id,
            kind,
            now_millis(),
            ip,
            user_agent
        )?;
        Ok(())
    }

    /// The account's sign-in history, newest first.
    pub async fn login_events(
        &self,
        user_id: Uuid,
        limit: i64,
    ) -> Result<Vec<LoginEvent>, StoreError> {
        let mut conn = self.read().await?;
        Ok(fetch!(
            conn.ex(),
            LoginEvent,
            fetch_all,
            "SELECT kind, at, ip, user_agent FROM login_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            user_id,
            limit
        )?)
    }

    pub async fn record_login_failure(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO login_failures (key, at) VALUES ($1, $2)",
            key,
            now_millis()
        )?;
        Ok(())
    }

    /// How many failures `key` has since `since`, and when the oldest of them happened.
    pub async fn login_failures(
        &self,
        key: &str,
        since: Millis,
    ) -> Result<(i64, Option<Millis>), StoreError> {
        let mut conn = self.read().await?;
        Ok(fetch!(
            conn.ex(),
            (i64, Option<Millis>),
            fetch_one,
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at > $2",
            key,
            since
        )?)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(conn.ex(), "DELETE FROM login_failures WHERE key = $1", key)?;
        Ok(())
    }

    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: Uuid,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            token_hash,
            user_id,
            now_millis(),
            expires_at
        )?;
        Ok(())
    }

    /// Sets a new password with a reset token, if the token is unused and unexpired: marks it
    /// used, replaces the hash and ends every session, all at once. Returns the account's id.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let user_id = scalar!(
            tx.ex(),
            Uuid,
            fetch_optional,
            "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
            now,
            token_hash
        )?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        exec!(
            tx.ex(),
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
            password_hash,
            now,
            user_id
        )?;
        exec!(tx.ex(), "DELETE FROM sessions WHERE user_id = $1", user_id)?;
        // A reset proves control of the mailbox: earlier unused links are of no further use.
        exec!(
            tx.ex(),
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
            now,
            user_id
        )?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Moves a reset token's expiry (tests of expired links use this instead of waiting an hour).
    pub async fn set_password_reset_expiry(
        &self,
        token_hash: &str,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE password_resets SET expires_at = $1 WHERE token_hash = $2",
            expires_at,
            token_hash
        )?;
        Ok(())
    }

    /// Deletes what has expired: sessions past their expiry or idle longer than `session_idle_ms`,
    /// reset tokens, old failure counters, and sign-in history older than `history_keep_ms`.
    /// Returns how many rows went.
    pub async fn purge_expired(
        &self,
        session_idle_ms: Millis,
        failure_window_ms: Millis,
        history_keep_ms: Millis,
    ) -> Result<u64, StoreError> {
        let now = now_millis();
        let mut conn = self.write().await?;
        let mut purged = exec!(
            conn.ex(),
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
            now,
            now - session_idle_ms
        )?;
        purged += exec!(
            conn.ex(),
            "DELETE FROM password_resets WHERE expires_at <= $1",
            now
        )?;
        purged += exec!(
            conn.ex(),
            "DELETE FROM login_failures WHERE at <= $1",
            now - failure_window_ms
        )?;
        purged += exec!(
            conn.ex(),
            "DELETE FROM login_events WHERE at <= $1",
            now - history_keep_ms
        )?;
        Ok(purged)
    }
}
