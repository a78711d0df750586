//! OAuth 2.1 for remote MCP clients: registered clients, the grants people consent to (rows of
//! `api_tokens` naming their client, so that a grant is checked and revoked like a token),
//! one-time authorization codes, and the grants' access and rotating refresh tokens. Every
//! code and token is stored as a hash.

use crate::tokens::{TOKEN_COLUMNS, TokenRow};
use crate::workspaces::WorkspaceStore;
use crate::{ApiToken, Db, Millis, StoreError, now_millis};
use kith_core::Role;
use kith_core::scope::Scope;
use uuid::Uuid;

/// A client that registered itself (RFC 7591).
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub client_uri: Option<String>,
    pub created_at: Millis,
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: String,
    name: String,
    redirect_uris: String,
    client_uri: Option<String>,
    created_at: Millis,
}

impl TryFrom<ClientRow> for OAuthClient {
    type Error = StoreError;
    fn try_from(row: ClientRow) -> Result<OAuthClient, StoreError> {
        let redirect_uris =
            serde_json::from_str(&row.redirect_uris).map_err(|_| StoreError::Corrupt {
                column: "oauth_clients.redirect_uris",
                value: row.redirect_uris.clone(),
            })?;
        Ok(OAuthClient {
            id: row.id,
            name: row.name,
            redirect_uris,
            client_uri: row.client_uri,
            created_at: row.created_at,
        })
    }
}

/// A grant as its person or the workspace's admins see it among connected apps.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    pub grant: ApiToken,
    pub client_name: String,
    pub workspace_name: String,
    pub person_email: Option<String>,
}

/// What showing an authorization code found.
#[derive(Debug)]
pub enum Redemption {
    /// The code was live and is now spent.
    Redeemed(Box<CodeGrant>),
    /// The code was spent before: its grant (this one) has been revoked (the code leaked).
    Reused(Uuid),
    /// No such code, or it expired.
    Unknown,
}

/// A live code's grant and what the code was bound to.
#[derive(Debug)]
pub struct CodeGrant {
    pub grant: ApiToken,
    pub redirect_uri: String,
    pub code_challenge: String,
}

/// What showing a refresh token found.
#[derive(Debug)]
pub enum Rotation {
    /// The token was live and is now spent: issue the next one for this grant.
    Rotated(Box<ApiToken>),
    /// The token was spent before: its grant (this one) has been revoked (the token leaked).
    Reused(Uuid),
    /// No such token, it expired, or its grant was revoked.
    Unknown,
}

pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub grant_id: Uuid,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub expires_at: Millis,
}

/// The hashes and expiry times of a freshly issued access and refresh token.
pub struct NewTokens<'a> {
    pub access_hash: &'a str,
    pub access_expires_at: Millis,
    pub refresh_hash: &'a str,
    pub refresh_expires_at: Millis,
}

const CLIENT_COLUMNS: &str = "id, name, redirect_uris, client_uri, created_at";

impl Db {
    pub async fn register_oauth_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        let redirect_uris = serde_json::Value::from(client.redirect_uris.clone()).to_string();
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO oauth_clients (id, name, redirect_uris, client_uri, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &client.id,
            &client.name,
            redirect_uris,
            &client.client_uri,
            client.created_at
        )?;
        Ok(())
    }

    pub async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE id = $1");
        fetch!(
            conn.ex(),
            ClientRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            id
        )?
        .map(OAuthClient::try_from)
        .transpose()
    }

    pub async fn issue_oauth_code(&self, code: &NewCode<'_>) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            code.code_hash,
            code.grant_id,
            code.redirect_uri,
            code.code_challenge,
            code.expires_at
        )?;
        Ok(())
    }

    /// Spends an authorization code. A code shown a second time revokes its grant, and with it
    /// every token issued for the first showing (OAuth 2.1, section 4.1.3).
    pub async fn redeem_oauth_code(&self, code_hash: &str) -> Result<Redemption, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let code = fetch!(
            tx.ex(),
            (Uuid, String, String, Millis, Option<Millis>),
            fetch_optional,
            "SELECT grant_id, redirect_uri, code_challenge, expires_at, used_at FROM oauth_codes \
             WHERE code_hash = $1",
            code_hash
        )?;
        let Some((grant_id, redirect_uri, code_challenge, expires_at, used_at)) = code else {
            return Ok(Redemption::Unknown);
        };
        if used_at.is_some() {
            revoke_grant_in(&mut tx, grant_id, now).await?;
            tx.commit().await?;
            return Ok(Redemption::Reused(grant_id));
        }
        if expires_at <= now {
            return Ok(Redemption::Unknown);
        }
        exec!(
            tx.ex(),
            "UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2",
            now,
            code_hash
        )?;
        let Some(grant) = live_grant_in(&mut tx, grant_id).await? else {
            return Ok(Redemption::Unknown);
        };
        tx.commit().await?;
        Ok(Redemption::Redeemed(Box::new(CodeGrant {
            grant,
            redirect_uri,
            code_challenge,
        })))
    }

    pub async fn issue_oauth_tokens(
        &self,
        grant_id: Uuid,
        tokens: &NewTokens<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (hash, kind, expires_at) in [
            (tokens.access_hash, "access", tokens.access_expires_at),
            (tokens.refresh_hash, "refresh", tokens.refresh_expires_at),
        ] {
            exec!(
                tx.ex(),
                "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at) VALUES ($1, $2, $3, $4)",
                hash,
                grant_id,
                kind,
                expires_at
            )?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Spends a refresh token so that the next one can be issued. One shown after it was spent
    /// revokes its grant: only a thief or a confused client holds an old one.
    pub async fn rotate_oauth_refresh(&self, token_hash: &str) -> Result<Rotation, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let token = fetch!(
            tx.ex(),
            (Uuid, Millis, Option<Millis>),
            fetch_optional,
            "SELECT grant_id, expires_at, used_at FROM oauth_tokens \
             WHERE token_hash = $1 AND kind = 'refresh'",
            token_hash
        )?;
        let Some((grant_id, expires_at, used_at)) = token else {
            return Ok(Rotation::Unknown);
        };
        if used_at.is_some() {
            revoke_grant_in(&mut tx, grant_id, now).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused(grant_id));
        }
        if expires_at <= now {
            return Ok(Rotation::Unknown);
        }
        exec!(
            tx.ex(),
            "UPDATE oauth_tokens SET used_at = $1 WHERE token_hash = $2",
            now,
            token_hash
        )?;
        let Some(grant) = live_grant_in(&mut tx, grant_id).await? else {
            return Ok(Rotation::Unknown);
        };
        tx.commit().await?;
        Ok(Rotation::Rotated(Box::new(grant)))
    }

    /// Revokes what an OAuth token stands for (RFC 7009), if `client_id` holds it: an access
    /// token alone, or a refresh token's whole grant. Answers the grant's id.
    pub async fn revoke_oauth_token(
        &self,
        token_hash: &str,
        client_id: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.begin().await?;
        let found = fetch!(
            tx.ex(),
            (Uuid, String),
            fetch_optional,
            "SELECT o.grant_id, o.kind FROM oauth_tokens o JOIN api_tokens t ON t.id = o.grant_id \
             WHERE o.token_hash = $1 AND t.oauth_client_id = $2",
            token_hash,
            client_id
        )?;
        let Some((grant_id, kind)) = found else {
            return Ok(None);
        };
        if kind == "refresh" {
            revoke_grant_in(&mut tx, grant_id, now_millis()).await?;
        } else {
            exec!(
                tx.ex(),
                "DELETE FROM oauth_tokens WHERE token_hash = $1",
                token_hash
            )?;
        }
        tx.commit().await?;
        Ok(Some(grant_id))
    }

    /// The live grants a person gave, in every workspace, newest first.
    pub async fn connected_apps_of(&self, user_id: Uuid) -> Result<Vec<ConnectedApp>, StoreError> {
        self.connected_apps("t.created_by = $1", user_id).await
    }

    /// Revokes a grant the person gave; false if they gave no such live grant.
    pub async fn revoke_grant_of(&self, user_id: Uuid, grant_id: Uuid) -> Result<bool, StoreError> {
        self.revoke_grant_where("created_by = $2", grant_id, user_id)
            .await
    }

    async fn connected_apps(
        &self,
        condition: &str,
        id: Uuid,
    ) -> Result<Vec<ConnectedApp>, StoreError> {
        let columns = TOKEN_COLUMNS
            .split(", ")
            .map(|column| format!("t.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, c.name AS client_name, w.name AS workspace_name, u.email \
             FROM api_tokens t JOIN oauth_clients c ON c.id = t.oauth_client_id \
             JOIN workspaces w ON w.id = t.workspace_id LEFT JOIN users u ON u.id = t.created_by \
             WHERE {condition} AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id DESC"
        );
        let mut conn = self.read().await?;
        let rows = fetch!(
            conn.ex(),
            ConnectedAppRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            id
        )?;
        rows.into_iter()
            .map(|row| {
                Ok(ConnectedApp {
                    grant: ApiToken::try_from(row.token)?,
                    client_name: row.client_name,
                    workspace_name: row.workspace_name,
                    person_email: row.email,
                })
            })
            .collect()
    }

    async fn revoke_grant_where(
        &self,
        condition: &str,
        grant_id: Uuid,
        owner: Uuid,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND {condition} \
             AND oauth_client_id IS NOT NULL AND revoked_at IS NULL"
        );
        let mut tx = self.begin().await?;
        let revoked = exec!(
            tx.ex(),
            sqlx::AssertSqlSafe(sql),
            grant_id,
            owner,
            now_millis()
        )?;
        if revoked > 0 {
            exec!(
                tx.ex(),
                "DELETE FROM oauth_tokens WHERE grant_id = $1",
                grant_id
            )?;
        }
        tx.commit().await?;
        Ok(revoked > 0)
    }
}

#[derive(sqlx::FromRow)]
struct ConnectedAppRow {
    #[sqlx(flatten)]
    token: TokenRow,
    client_name: String,
    workspace_name: String,
    email: Option<String>,
}

async fn live_grant_in(tx: &mut crate::Tx, grant_id: Uuid) -> Result<Option<ApiToken>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND revoked_at IS NULL \
         AND oauth_client_id IS NOT NULL"
    );
    fetch!(
        tx.ex(),
        TokenRow,
        fetch_optional,
        sqlx::AssertSqlSafe(sql),
        grant_id
    )?
    .map(ApiToken::try_from)
    .transpose()
}

async fn revoke_grant_in(
    tx: &mut crate::Tx,
    grant_id: Uuid,
    now: Millis,
) -> Result<(), StoreError> {
    exec!(
        tx.ex(),
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        now,
        grant_id
    )?;
    exec!(
        tx.ex(),
        "DELETE FROM oauth_tokens WHERE grant_id = $1",
        grant_id
    )?;
    Ok(())
}

impl WorkspaceStore<'_> {
    /// Records the signed-in person's consent for `client` in this workspace: a grant acting as
    /// them (with their role at each use) narrowed to `scopes`, good for `resource`.
    pub async fn create_grant(
        &self,
        client: &OAuthClient,
        scopes: &[Scope],
        resource: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut conn = self.db().write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO api_tokens (id, workspace_id, name, token_hash, scopes, created_by, \
             created_at, role, oauth_client_id, resource) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            id,
            self.tenant().workspace_id(),
            &client.name,
            // A grant has no secret of its own: this can never be the digest of one.
            format!("oauth-grant:{id}"),
            scopes.join(" "),
            self.tenant().user_id(),
            now_millis(),
            // The person's role caps it at every use.
            Role::Owner.as_str(),
            &client.id,
            resource
        )?;
        Ok(id)
    }

    /// The workspace's live grants (for its admins), newest first.
    pub async fn connected_apps(&self) -> Result<Vec<ConnectedApp>, StoreError> {
        self.db()
            .connected_apps("t.workspace_id = $1", self.tenant().workspace_id())
            .await
    }

    /// Revokes one of the workspace's grants; false if it has no such live grant.
    pub async fn revoke_grant(&self, grant_id: Uuid) -> Result<bool, StoreError> {
        self.db()
            .revoke_grant_where("workspace_id = $2", grant_id, self.tenant().workspace_id())
            .await
    }
}
