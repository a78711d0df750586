//! Accounts.

use crate::{Db, Millis, StoreError, now_millis};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    System,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    fn parse(value: &str) -> Result<Theme, StoreError> {
        match value {
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            "system" => Ok(Theme::System),
            other => Err(StoreError::Corrupt {
                column: "users.theme",
                value: other.to_owned(),
            }),
        }
    }
}

/// An account as the application sees it (the password hash stays in the store unless asked for).
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub theme: Theme,
    pub has_avatar: bool,
    /// Signs in with a code from an authenticator app after the password.
    pub two_factor: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    email: String,
    name: String,
    theme: String,
    has_avatar: bool,
    two_factor: bool,
    created_at: Millis,
    updated_at: Millis,
}

const USER_COLUMNS: &str = "id, email, name, theme, (avatar IS NOT NULL) AS has_avatar, \
     (totp_enabled_at IS NOT NULL) AS two_factor, created_at, updated_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            theme: Theme::parse(&row.theme)?,
            has_avatar: row.has_avatar,
            two_factor: row.two_factor,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// Profile fields to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProfileChange<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub theme: Option<Theme>,
}

impl Db {
    pub async fn create_user(&self, new: &NewUser<'_>) -> Result<User, StoreError> {
        let mut tx = self.begin().await?;
        let user = Self::insert_user(&mut tx, new).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Inserts an account inside a caller's transaction (sign-up through an invitation joins a
    /// workspace in the same transaction).
    pub async fn insert_user(tx: &mut crate::Tx, new: &NewUser<'_>) -> Result<User, StoreError> {
        let now = now_millis();
        let id = Uuid::now_v7();
        exec!(
            tx.ex(),
            "INSERT INTO users (id, email, name, password_hash, theme, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'system', $5, $5)",
            id,
            new.email,
            new.name,
            new.password_hash,
            now
        )
        .map_err(StoreError::duplicate_as("email"))?;
        Ok(User {
            id,
            email: new.email.to_owned(),
            name: new.name.to_owned(),
            theme: Theme::System,
            has_avatar: false,
            two_factor: false,
            created_at: now,
            updated_at: now,
        })
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM users"
        )?)
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        fetch!(
            conn.ex(),
            UserRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            id
        )?
        .map(User::try_from)
        .transpose()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        fetch!(
            conn.ex(),
            UserRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            email
        )?
        .map(User::try_from)
        .transpose()
    }

    /// The account with this email and its password hash, for signing in.
    pub async fn credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let Some(row) = fetch!(
            conn.ex(),
            UserRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            email
        )?
        else {
            return Ok(None);
        };
        let hash = scalar!(
            conn.ex(),
            String,
            fetch_one,
            "SELECT password_hash FROM users WHERE id = $1",
            row.id
        )?;
        Ok(Some((User::try_from(row)?, hash)))
    }

    pub async fn password_hash(&self, user_id: Uuid) -> Result<Option<String>, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            String,
            fetch_optional,
            "SELECT password_hash FROM users WHERE id = $1",
            user_id
        )?)
    }

    pub async fn update_profile(
        &self,
        user_id: Uuid,
        change: &ProfileChange<'_>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email), \
             theme = COALESCE($3, theme), updated_at = $4 WHERE id = $5",
            change.name,
            change.email,
            change.theme.map(Theme::as_str),
            now_millis(),
            user_id
        )
        .map_err(StoreError::duplicate_as("email"))?;
        Ok(())
    }

    /// Replaces the password hash and signs the account out of every session but `keep_session`.
    pub async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        exec!(
            tx.ex(),
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
            password_hash,
            now_millis(),
            user_id
        )?;
        exec!(
            tx.ex(),
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> COALESCE($2, '')",
            user_id,
            keep_session
        )?;
        tx.commit().await
    }

    /// Deletes an account for good, with its sessions, sign-in history, reset tokens,
    /// memberships, avatar and the mail addressed to it. Refuses, naming them, while it is the
    /// only owner of a workspace: that workspace needs another owner or deleting first.
    pub async fn delete_user(&self, user_id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let owned = scalar!(
            tx.ex(),
            Uuid,
            fetch_all,
            "SELECT workspace_id FROM memberships WHERE user_id = $1 AND role = 'owner' ORDER BY workspace_id",
            user_id
        )?;
        // Locked so that another owner leaving at the same moment cannot leave a workspace with
        // no owner at all.
        for workspace_id in &owned {
            crate::workspaces::lock_workspace(&mut tx, *workspace_id).await?;
        }
        let only_owner_of = scalar!(
            tx.ex(),
            String,
            fetch_all,
            "SELECT w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 AND m.role = 'owner' AND w.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM memberships o \
             WHERE o.workspace_id = m.workspace_id AND o.role = 'owner' AND o.user_id <> $1) ORDER BY w.name",
            user_id
        )?;
        if !only_owner_of.is_empty() {
            return Err(StoreError::OnlyOwner(only_owner_of));
        }
        let email = scalar!(
            tx.ex(),
            String,
            fetch_optional,
            "SELECT email FROM users WHERE id = $1",
            user_id
        )?;
        if let Some(email) = email {
            exec!(tx.ex(), "DELETE FROM outbox WHERE to_addr = $1", email)?;
        }
        exec!(tx.ex(), "DELETE FROM users WHERE id = $1", user_id)?;
        tx.commit().await
    }

    /// Stores (or with `None`, removes) the account's avatar image.
    pub async fn set_avatar(
        &self,
        user_id: Uuid,
        image: Option<(&[u8], &str)>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE users SET avatar = $1, avatar_type = $2, updated_at = $3 WHERE id = $4",
            image.map(|(bytes, _)| bytes),
            image.map(|(_, content_type)| content_type),
            now_millis(),
            user_id
        )?;
        Ok(())
    }

    /// The avatar image and its content type.
    pub async fn avatar(&self, user_id: Uuid) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        let mut conn = self.read().await?;
        let row = fetch!(
            conn.ex(),
            (Option<Vec<u8>>, Option<String>),
            fetch_optional,
            "SELECT avatar, avatar_type FROM users WHERE id = $1",
            user_id
        )?;
        Ok(match row {
            Some((Some(bytes), Some(content_type))) => Some((bytes, content_type)),
            _ => None,
        })
    }
}
