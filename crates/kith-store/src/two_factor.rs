//! Two-factor sign-in: an account's TOTP secret (sealed with the instance key, like sensitive
//! field values) and its one-time recovery codes (kept as digests). The codes themselves are
//! checked by the server; the store makes each use count once, atomically, so two requests
//! racing with the same code cannot both pass.

use crate::{Db, StoreError, now_millis};
use uuid::Uuid;

/// The secret is sealed with no workspace: its associated data is the nil id and the account's.
fn sealing_place(user_id: Uuid) -> (Uuid, Uuid) {
    (Uuid::nil(), user_id)
}

/// An account's two-factor secret as stored.
#[derive(Debug, Clone)]
pub struct TotpSecret {
    /// The raw secret (the bytes the authenticator app holds, before base32).
    pub secret: Vec<u8>,
    /// Whether a right code has turned it on (false while it is being set up).
    pub enabled: bool,
}

impl Db {
    /// Stores a new secret being set up (not yet required at sign-in). Refused once two-factor
    /// sign-in is on: turning it off comes first.
    pub async fn begin_totp_setup(&self, user_id: Uuid, secret: &[u8]) -> Result<(), StoreError> {
        let (workspace, owner) = sealing_place(user_id);
        let sealed = self.cipher.encrypt_bytes(workspace, owner, secret)?;
        let mut conn = self.write().await?;
        let changed = exec!(
            conn.ex(),
            "UPDATE users SET totp_secret = $1, totp_last_step = NULL, updated_at = $2 \
             WHERE id = $3 AND totp_enabled_at IS NULL",
            sealed,
            now_millis(),
            user_id
        )?;
        if changed == 0 {
            return Err(already_on());
        }
        Ok(())
    }

    /// The account's secret, if one is set up or on.
    pub async fn totp_secret(&self, user_id: Uuid) -> Result<Option<TotpSecret>, StoreError> {
        let mut conn = self.read().await?;
        let row = fetch!(
            conn.ex(),
            (Option<Vec<u8>>, Option<i64>),
            fetch_optional,
            "SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1",
            user_id
        )?;
        let Some((Some(sealed), enabled_at)) = row else {
            return Ok(None);
        };
        let (workspace, owner) = sealing_place(user_id);
        Ok(Some(TotpSecret {
            secret: self.cipher.decrypt_bytes(workspace, owner, &sealed)?,
            enabled: enabled_at.is_some(),
        }))
    }

    /// Whether the account signs in with a second factor.
    pub async fn two_factor_enabled(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            bool,
            fetch_optional,
            "SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1",
            user_id
        )?
        .unwrap_or(false))
    }

    /// Marks the code of time step `step` used; false if it (or a later one) already was, which
    /// makes every code good once.
    pub async fn use_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let changed = exec!(
            conn.ex(),
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
            step,
            user_id
        )?;
        Ok(changed == 1)
    }

    /// Turns two-factor sign-in on after a right code (of time step `step`), with fresh recovery
    /// codes (their digests) replacing any earlier ones.
    pub async fn enable_totp(
        &self,
        user_id: Uuid,
        step: i64,
        recovery_code_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let changed = exec!(
            tx.ex(),
            "UPDATE users SET totp_enabled_at = $1, totp_last_step = $2, updated_at = $1 \
             WHERE id = $3 AND totp_enabled_at IS NULL AND totp_secret IS NOT NULL",
            now_millis(),
            step,
            user_id
        )?;
        if changed == 0 {
            return Err(already_on());
        }
        replace_codes(&mut tx, user_id, recovery_code_hashes).await?;
        tx.commit().await
    }

    /// Replaces the account's recovery codes (their digests).
    pub async fn replace_recovery_codes(
        &self,
        user_id: Uuid,
        recovery_code_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        replace_codes(&mut tx, user_id, recovery_code_hashes).await?;
        tx.commit().await
    }

    /// Uses up the recovery code with this digest; false if the account has no such code (left).
    pub async fn use_recovery_code(
        &self,
        user_id: Uuid,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let deleted = exec!(
            conn.ex(),
            "DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2",
            user_id,
            code_hash
        )?;
        Ok(deleted == 1)
    }

    pub async fn recovery_codes_left(&self, user_id: Uuid) -> Result<i64, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1",
            user_id
        )?)
    }

    /// Turns two-factor sign-in off, forgetting the secret and the recovery codes. Refused,
    /// naming them, while a workspace the account is in requires it.
    pub async fn disable_totp(&self, user_id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let requiring = scalar!(
            tx.ex(),
            String,
            fetch_all,
            "SELECT w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 AND w.require_two_factor AND w.deleted_at IS NULL ORDER BY w.name",
            user_id
        )?;
        if !requiring.is_empty() {
            let names: Vec<String> = requiring.iter().map(|n| format!("{n:?}")).collect();
            return Err(StoreError::Rejected(kith_core::ApiError::conflict(
                format!(
                    "two-factor sign-in stays on while {} requires it",
                    names.join(", ")
                ),
            )));
        }
        exec!(
            tx.ex(),
            "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, \
             updated_at = $1 WHERE id = $2",
            now_millis(),
            user_id
        )?;
        exec!(
            tx.ex(),
            "DELETE FROM recovery_codes WHERE user_id = $1",
            user_id
        )?;
        tx.commit().await
    }
}

async fn replace_codes(
    tx: &mut crate::Tx,
    user_id: Uuid,
    recovery_code_hashes: &[String],
) -> Result<(), StoreError> {
    exec!(
        tx.ex(),
        "DELETE FROM recovery_codes WHERE user_id = $1",
        user_id
    )?;
    for hash in recovery_code_hashes {
        exec!(
            tx.ex(),
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)",
            user_id,
            hash
        )?;
    }
    Ok(())
}

fn already_on() -> StoreError {
    StoreError::Rejected(kith_core::ApiError::conflict(
        "two-factor sign-in is already on for this account: turn it off first to set up another app",
    ))
}
