//! Stored answers for `Idempotency-Key`: a retried POST gets the first answer instead of doing
//! the work twice. The first request claims the key (status 0) before it runs, so two copies
//! racing each other cannot both run.

use crate::{Db, Millis, StoreError, now_millis};

/// What is stored under a key.
#[derive(Debug, Clone)]
pub enum Claim {
    /// The key was free and is now this request's.
    Claimed,
    /// A request with this key is still running.
    InProgress { request_hash: String },
    /// The answer to the first request.
    Done {
        request_hash: String,
        status: u16,
        body: Vec<u8>,
    },
}

impl Db {
    /// Claims `key` for a request, or says what holds it. Keys older than `ttl_ms` are free again.
    pub async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        ttl_ms: Millis,
    ) -> Result<Claim, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        exec!(
            tx.ex(),
            "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at < $3",
            scope,
            key,
            now - ttl_ms
        )?;
        let inserted = exec!(
            tx.ex(),
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (scope, key) DO NOTHING",
            scope,
            key,
            request_hash,
            now
        )?;
        let claim = if inserted == 1 {
            Claim::Claimed
        } else {
            let (hash, status, body) = fetch!(
                tx.ex(),
                (String, i64, Option<Vec<u8>>),
                fetch_one,
                "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
                scope,
                key
            )?;
            match status {
                0 => Claim::InProgress { request_hash: hash },
                status => Claim::Done {
                    request_hash: hash,
                    status: u16::try_from(status).unwrap_or(500),
                    body: body.unwrap_or_default(),
                },
            }
        };
        tx.commit().await?;
        Ok(claim)
    }

    /// Stores the answer of a request that claimed `key`.
    pub async fn finish_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE idempotency_keys SET status = $1, body = $2 WHERE scope = $3 AND key = $4",
            i64::from(status),
            body,
            scope,
            key
        )?;
        Ok(())
    }

    /// Frees a key whose request failed on the server's side, so a retry runs again.
    pub async fn release_idempotency_key(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2",
            scope,
            key
        )?;
        Ok(())
    }

    pub async fn purge_idempotency_keys(&self, before: Millis) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        Ok(exec!(
            conn.ex(),
            "DELETE FROM idempotency_keys WHERE created_at < $1",
            before
        )?)
    }
}
