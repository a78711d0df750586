//! API tokens recently seen, so a busy token costs no database read per request. An entry lives
//! [`TTL`]: a token revoked on this instance is dropped at once, and other instances stop
//! accepting it within that time. Expiry is checked on every use.

use kith_store::{ApiToken, Tenant};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

/// A token's access by the digest of its secret, with when it was read.
type Entries = HashMap<String, (Instant, Tenant, ApiToken)>;

#[derive(Clone, Default)]
pub struct TokenCache {
    entries: Arc<Mutex<Entries>>,
}

impl TokenCache {
    /// The access of a token by the digest of its secret, if seen less than [`TTL`] ago.
    pub fn get(&self, token_hash: &str) -> Option<(Tenant, ApiToken)> {
        let entries = self.entries.lock().ok()?;
        let (seen, tenant, token) = entries.get(token_hash)?;
        (seen.elapsed() < TTL).then(|| (tenant.clone(), token.clone()))
    }

    pub fn put(&self, token_hash: &str, tenant: &Tenant, token: &ApiToken) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (seen, _, _)| seen.elapsed() < TTL);
            }
            entries.insert(
                token_hash.to_owned(),
                (Instant::now(), tenant.clone(), token.clone()),
            );
        }
    }

    /// Drops every token of a deleted workspace.
    pub fn forget_workspace(&self, workspace_id: uuid::Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, _, token)| token.workspace_id != workspace_id);
        }
    }

    /// Drops a revoked token.
    pub fn forget(&self, token_id: uuid::Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, _, token)| token.id != token_id);
        }
    }
}
