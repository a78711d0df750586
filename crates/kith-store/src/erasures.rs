//! The control plane's part of data-subject requests: the webhook deliveries that carried a
//! person's data, and the erasure log, which records that an address was erased without holding
//! it (a salted SHA-256 of it).

use crate::{Db, Millis, StoreError, now_millis};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One entry of the erasure log.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub id: Uuid,
    pub erased_at: Millis,
    /// What went, in counts.
    pub counts: Value,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest the log keeps of `email` (already normalised) with `salt`.
fn email_hash(salt: &str, email: &str) -> String {
    hex(&Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(email.as_bytes())
        .finalize())
}

impl Db {
    /// The deliveries of the workspace's webhooks whose body holds `email` (lower case) or names
    /// one of `records`: `{id, webhookId, event, createdAt}`.
    pub async fn webhook_deliveries_naming(
        &self,
        workspace_id: Uuid,
        email: &str,
        records: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        let mut needles: Vec<String> = records.iter().map(Uuid::to_string).collect();
        needles.push(email.to_owned());
        let mut found: Vec<Value> = Vec::new();
        let mut conn = self.read().await?;
        for needle in needles {
            let rows = fetch!(
                conn.ex(),
                (Uuid, Uuid, String, String, Millis),
                fetch_all,
                "SELECT d.id, d.webhook_id, d.event, d.payload, d.created_at FROM webhook_deliveries d \
                 JOIN webhooks w ON w.id = d.webhook_id WHERE w.workspace_id = $1 AND lower(d.payload) LIKE $2 \
                 ORDER BY d.id",
                workspace_id,
                format!("%{needle}%")
            )?;
            for (id, webhook, event, payload, created_at) in rows {
                let known = found.iter().any(|d| d["id"] == json!(id));
                if !known && payload.to_lowercase().contains(&needle) {
                    found.push(json!({
                        "id": id, "webhookId": webhook, "event": event, "createdAt": created_at,
                    }));
                }
            }
        }
        Ok(found)
    }

    /// Deletes deliveries (with their attempts) by id; how many went.
    pub async fn delete_webhook_deliveries(&self, ids: &[Uuid]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut deleted = 0;
        for id in ids {
            exec!(
                tx.ex(),
                "DELETE FROM webhook_attempts WHERE delivery_id = $1",
                id
            )?;
            deleted += exec!(tx.ex(), "DELETE FROM webhook_deliveries WHERE id = $1", id)?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Logs that `email` (normalised) was erased from the workspace by `erased_by`.
    pub async fn record_erasure(
        &self,
        workspace_id: Uuid,
        email: &str,
        erased_by: Option<Uuid>,
        counts: &Value,
    ) -> Result<Erasure, StoreError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| StoreError::Crypto(format!("no random salt: {e}")))?;
        let salt = hex(&salt);
        let erasure = Erasure {
            id: Uuid::now_v7(),
            erased_at: now_millis(),
            counts: counts.clone(),
        };
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO erasures (id, workspace_id, salt, email_hash, erased_by, erased_at, counts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            erasure.id,
            workspace_id,
            &salt,
            email_hash(&salt, email),
            erased_by,
            erasure.erased_at,
            counts.to_string()
        )?;
        Ok(erasure)
    }

    /// The workspace's erasure log, newest first.
    pub async fn erasures(&self, workspace_id: Uuid) -> Result<Vec<Erasure>, StoreError> {
        let mut conn = self.read().await?;
        let rows = fetch!(
            conn.ex(),
            (Uuid, Millis, String),
            fetch_all,
            "SELECT id, erased_at, counts FROM erasures WHERE workspace_id = $1 ORDER BY erased_at DESC, id DESC",
            workspace_id
        )?;
        Ok(rows
            .into_iter()
            .map(|(id, erased_at, counts)| Erasure {
                id,
                erased_at,
                counts: serde_json::from_str(&counts).unwrap_or(Value::Null),
            })
            .collect())
    }

    /// Copies the erasure log of workspace `from` to workspace `to` (a restored archive of it),
    /// so that the people erased from the one stay erased in the other.
    pub async fn copy_erasures(&self, from: Uuid, to: Uuid) -> Result<u64, StoreError> {
        let rows = {
            let mut conn = self.read().await?;
            fetch!(
                conn.ex(),
                (String, String, Option<Uuid>, Millis, String),
                fetch_all,
                "SELECT salt, email_hash, erased_by, erased_at, counts FROM erasures WHERE workspace_id = $1",
                from
            )?
        };
        let mut conn = self.write().await?;
        for (salt, hash, erased_by, erased_at, counts) in &rows {
            exec!(
                conn.ex(),
                "INSERT INTO erasures (id, workspace_id, salt, email_hash, erased_by, erased_at, counts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                Uuid::now_v7(),
                to,
                salt,
                hash,
                erased_by,
                erased_at,
                counts
            )?;
        }
        Ok(rows.len() as u64)
    }

    /// Whether the log of the workspace holds `email` (normalised).
    pub async fn was_erased(&self, workspace_id: Uuid, email: &str) -> Result<bool, StoreError> {
        Ok(self.erasure_log(workspace_id).await?.holds(email))
    }

    /// The workspace's log as salts and digests, read once to check many addresses against.
    pub async fn erasure_log(&self, workspace_id: Uuid) -> Result<ErasureLog, StoreError> {
        let mut conn = self.read().await?;
        let entries = fetch!(
            conn.ex(),
            (String, String),
            fetch_all,
            "SELECT salt, email_hash FROM erasures WHERE workspace_id = $1",
            workspace_id
        )?;
        Ok(ErasureLog(entries))
    }
}

/// A workspace's erasure log: each entry's salt and digest.
pub struct ErasureLog(Vec<(String, String)>);

impl ErasureLog {
    /// Whether an entry is of `email` (normalised): each entry's salt is tried.
    pub fn holds(&self, email: &str) -> bool {
        self.0
            .iter()
            .any(|(salt, hash)| email_hash(salt, email) == *hash)
    }
}
