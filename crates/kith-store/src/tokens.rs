//! API tokens: bound to one workspace, stored as a hash, limited by scopes and optionally to some
//! objects; and the rate-limit counters every instance shares.

use crate::workspaces::{Tenant, WorkspaceStore};
use crate::{Db, Millis, StoreError, now_millis};
use kith_core::Role;
use kith_core::scope::Scope;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Plural object names the token is limited to; `None` for every object.
    pub objects: Option<Vec<String>>,
    pub created_by: Option<Uuid>,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    /// The built-in role it acts with (at most its creator's, checked at every use).
    pub role: Role,
    /// The custom role it acts with instead, if any.
    pub custom_role_id: Option<Uuid>,
    /// The OAuth client whose grant this is (its person's consent), if it is one. A grant acts
    /// with its person's current role, built-in or custom, narrowed by its scopes.
    pub oauth_client_id: Option<String>,
    /// The resource (RFC 8707) a grant's tokens are good for.
    pub resource: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    scopes: String,
    objects: Option<String>,
    created_by: Option<Uuid>,
    created_at: Millis,
    expires_at: Option<Millis>,
    last_used_at: Option<Millis>,
    role: Option<String>,
    custom_role_id: Option<Uuid>,
    oauth_client_id: Option<String>,
    resource: Option<String>,
}

pub(crate) const TOKEN_COLUMNS: &str = "id, workspace_id, name, scopes, objects, created_by, \
     created_at, expires_at, last_used_at, role, custom_role_id, oauth_client_id, resource";

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(row: TokenRow) -> Result<ApiToken, StoreError> {
        let scopes = row
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| {
                Scope::parse(s).ok_or_else(|| StoreError::Corrupt {
                    column: "api_tokens.scopes",
                    value: s.to_owned(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let objects = match row.objects {
            Some(text) => Some(
                serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
                    column: "api_tokens.objects",
                    value: text,
                })?,
            ),
            None => None,
        };
        Ok(ApiToken {
            id: row.id,
            workspace_id: row.workspace_id,
            name: row.name,
            scopes,
            objects,
            created_by: row.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            // Tokens made before roles act as members, as they did.
            role: match row.role {
                Some(role) => role.parse().map_err(|_| StoreError::Corrupt {
                    column: "api_tokens.role",
                    value: role,
                })?,
                None => Role::Member,
            },
            custom_role_id: row.custom_role_id,
            oauth_client_id: row.oauth_client_id,
            resource: row.resource,
        })
    }
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a [Scope],
    pub objects: Option<&'a [String]>,
    pub expires_at: Option<Millis>,
    pub role: Role,
    pub custom_role_id: Option<Uuid>,
}

/// How often a token's last use is written; finer would turn every read into a write.
const TOUCH_EVERY_MS: Millis = 60_000;

impl WorkspaceStore<'_> {
    pub async fn create_token(&self, new: &NewToken<'_>) -> Result<ApiToken, StoreError> {
        let token = ApiToken {
            id: Uuid::now_v7(),
            workspace_id: self.tenant().workspace_id(),
            name: new.name.to_owned(),
            scopes: new.scopes.to_vec(),
            objects: new.objects.map(<[String]>::to_vec),
            created_by: Some(self.tenant().user_id()),
            created_at: now_millis(),
            expires_at: new.expires_at,
            last_used_at: None,
            role: new.role,
            custom_role_id: new.custom_role_id,
            oauth_client_id: None,
            resource: None,
        };
        let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
        let objects = token
            .objects
            .as_ref()
            .map(|o| serde_json::Value::from(o.clone()).to_string());
        let mut conn = self.db().write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO api_tokens (id, workspace_id, name, token_hash, scopes, objects, created_by, created_at, expires_at, role, custom_role_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            token.id,
            token.workspace_id,
            &token.name,
            new.token_hash,
            scopes.join(" "),
            objects,
            token.created_by,
            token.created_at,
            token.expires_at,
            token.role.as_str(),
            token.custom_role_id
        )?;
        Ok(token)
    }

    /// Tokens not revoked, newest first (expired ones included, marked by `expires_at`); OAuth
    /// grants are listed as connected apps instead.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let mut conn = self.db().read().await?;
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = $1 AND revoked_at IS NULL \
             AND oauth_client_id IS NULL ORDER BY created_at DESC, id DESC"
        );
        let rows = fetch!(
            conn.ex(),
            TokenRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            self.tenant().workspace_id()
        )?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    pub async fn revoke_token(&self, token_id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.db().write().await?;
        let revoked = exec!(
            conn.ex(),
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 \
             AND revoked_at IS NULL AND oauth_client_id IS NULL",
            now_millis(),
            token_id,
            self.tenant().workspace_id()
        )?;
        Ok(revoked > 0)
    }
}

impl Db {
    /// The workspace a live token (not revoked, not expired) opens, and the token: an API token,
    /// or an OAuth access token, which opens its grant (returned with the access token's
    /// expiry). A token acts with its role, never above its creator's role now (a token whose
    /// creator left the workspace opens nothing); a grant acts with its person's current role.
    /// Scopes and objects narrow what either may do.
    pub async fn enter_workspace_with_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Tenant, ApiToken)>, StoreError> {
        let now = now_millis();
        let token = match self.api_token_by_hash(token_hash, now).await? {
            Some(token) => token,
            None => match self.grant_by_access_token(token_hash, now).await? {
                Some(grant) => grant,
                None => return Ok(None),
            },
        };
        if token
            .last_used_at
            .is_none_or(|at| now - at > TOUCH_EVERY_MS)
        {
            let mut conn = self.write().await?;
            exec!(
                conn.ex(),
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                now,
                token.id
            )?;
        }
        let Some(creator) = token.created_by else {
            return Ok(None);
        };
        let Some((creator_role, creator_custom_role)) =
            self.membership(token.workspace_id, creator).await?
        else {
            return Ok(None);
        };
        let custom_role_id = match token.oauth_client_id {
            Some(_) => creator_custom_role,
            None => token.custom_role_id,
        };
        let custom_role = match custom_role_id {
            Some(id) => self.custom_role(token.workspace_id, id).await?,
            None => None,
        };
        let tenant = Tenant::for_token(
            token.workspace_id,
            creator,
            token.role.min(creator_role),
            custom_role,
        );
        Ok(Some((tenant, token)))
    }

    async fn api_token_by_hash(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)"
        );
        self.token_by_hash(sql, token_hash, now).await
    }

    /// The live grant an OAuth access token belongs to, expiring when the access token does.
    async fn grant_by_access_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<ApiToken>, StoreError> {
        let columns = TOKEN_COLUMNS
            .split(", ")
            .map(|column| match column {
                "expires_at" => "o.expires_at".to_owned(),
                other => format!("t.{other}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM oauth_tokens o JOIN api_tokens t ON t.id = o.grant_id \
             WHERE o.token_hash = $1 AND o.kind = 'access' AND o.expires_at > $2 \
             AND t.revoked_at IS NULL"
        );
        self.token_by_hash(sql, token_hash, now).await
    }

    /// The token row `sql` finds for a secret's digest (`$1`) at `now` (`$2`).
    async fn token_by_hash(
        &self,
        sql: String,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<ApiToken>, StoreError> {
        let mut conn = self.read().await?;
        fetch!(
            conn.ex(),
            TokenRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            token_hash,
            now
        )?
        .map(ApiToken::try_from)
        .transpose()
    }

    /// Adds `hits` to `key`'s count in the window starting at `window_start`; returns the
    /// window's total over every instance.
    pub async fn add_rate_hits(
        &self,
        key: &str,
        window_start: Millis,
        hits: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.write().await?;
        Ok(scalar!(
            conn.ex(),
            i64,
            fetch_one,
            "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, $3) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counters.hits + $3 RETURNING hits",
            key,
            window_start,
            hits
        )?)
    }

    /// The hits of `key` in the window starting at `window_start`, over every instance.
    pub async fn rate_hits(&self, key: &str, window_start: Millis) -> Result<i64, StoreError> {
        let mut conn = self.read().await?;
        let hits = scalar!(
            conn.ex(),
            i64,
            fetch_optional,
            "SELECT hits FROM rate_counters WHERE key = $1 AND window_start = $2",
            key,
            window_start
        )?;
        Ok(hits.unwrap_or(0))
    }

    /// Deletes rate-limit windows that started before `before`.
    pub async fn purge_rate_counters(&self, before: Millis) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        Ok(exec!(
            conn.ex(),
            "DELETE FROM rate_counters WHERE window_start < $1",
            before
        )?)
    }
}
