//! Custom roles: permission sets an admin defines for a workspace (per object read / change /
//! delete and hidden fields, sensitive fields in clear or not). A member or API token given one
//! ranks as a member for administration; what it may do with records is the role's.

use crate::workspaces::WorkspaceStore;
use crate::{Db, Millis, StoreError, now_millis};
use kith_core::access::Permissions;
use kith_core::{ApiError, Role};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct CustomRole {
    pub id: Uuid,
    pub name: String,
    pub permissions: Permissions,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: Uuid,
    name: String,
    permissions: String,
    created_at: Millis,
    updated_at: Millis,
}

impl TryFrom<RoleRow> for CustomRole {
    type Error = StoreError;
    fn try_from(row: RoleRow) -> Result<CustomRole, StoreError> {
        let permissions =
            serde_json::from_str(&row.permissions).map_err(|_| StoreError::Corrupt {
                column: "roles.permissions",
                value: row.permissions.clone(),
            })?;
        Ok(CustomRole {
            id: row.id,
            name: row.name,
            permissions,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn permissions_text(permissions: &Permissions) -> Result<String, StoreError> {
    serde_json::to_string(permissions).map_err(|e| StoreError::Corrupt {
        column: "roles.permissions",
        value: e.to_string(),
    })
}

impl Db {
    /// A custom role by id, whatever workspace (the caller has checked it belongs to the one asked).
    pub(crate) async fn custom_role(
        &self,
        workspace_id: Uuid,
        role_id: Uuid,
    ) -> Result<Option<CustomRole>, StoreError> {
        let mut conn = self.read().await?;
        let row = fetch!(
            conn.ex(),
            RoleRow,
            fetch_optional,
            "SELECT id, name, permissions, created_at, updated_at FROM roles WHERE id = $1 AND workspace_id = $2",
            role_id,
            workspace_id
        )?;
        row.map(CustomRole::try_from).transpose()
    }
}

impl WorkspaceStore<'_> {
    /// The workspace's custom roles, by name.
    pub async fn roles(&self) -> Result<Vec<CustomRole>, StoreError> {
        let mut conn = self.db().read().await?;
        let rows = fetch!(
            conn.ex(),
            RoleRow,
            fetch_all,
            "SELECT id, name, permissions, created_at, updated_at FROM roles WHERE workspace_id = $1 ORDER BY name, id",
            self.tenant().workspace_id()
        )?;
        rows.into_iter().map(CustomRole::try_from).collect()
    }

    pub async fn role(&self, role_id: Uuid) -> Result<Option<CustomRole>, StoreError> {
        self.db()
            .custom_role(self.tenant().workspace_id(), role_id)
            .await
    }

    pub async fn create_role(
        &self,
        name: &str,
        permissions: &Permissions,
    ) -> Result<CustomRole, StoreError> {
        let now = now_millis();
        let role = CustomRole {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            permissions: permissions.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db().write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO roles (id, workspace_id, name, permissions, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
            role.id,
            self.tenant().workspace_id(),
            &role.name,
            permissions_text(permissions)?,
            now
        )
        .map_err(StoreError::duplicate_as("role name"))?;
        Ok(role)
    }

    /// Renames a role and sets its permissions; `None` when there is no such role.
    pub async fn update_role(
        &self,
        role_id: Uuid,
        name: &str,
        permissions: &Permissions,
    ) -> Result<Option<CustomRole>, StoreError> {
        let mut conn = self.db().write().await?;
        let changed = exec!(
            conn.ex(),
            "UPDATE roles SET name = $1, permissions = $2, updated_at = $3 WHERE id = $4 AND workspace_id = $5",
            name,
            permissions_text(permissions)?,
            now_millis(),
            role_id,
            self.tenant().workspace_id()
        )
        .map_err(StoreError::duplicate_as("role name"))?;
        drop(conn);
        if changed == 0 {
            return Ok(None);
        }
        self.role(role_id).await
    }

    /// Deletes a role no member or live token holds; `false` when there is no such role.
    pub async fn delete_role(&self, role_id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.db().begin().await?;
        let holders = scalar!(
            tx.ex(),
            i64,
            fetch_one,
            "SELECT (SELECT COUNT(*) FROM memberships WHERE custom_role_id = $1) \
             + (SELECT COUNT(*) FROM api_tokens WHERE custom_role_id = $1 AND revoked_at IS NULL)",
            role_id
        )?;
        if holders > 0 {
            return Err(StoreError::Rejected(ApiError::conflict(format!(
                "{holders} members or API tokens hold this role: give them another role first"
            ))));
        }
        // Revoked tokens keep no hold on it.
        exec!(
            tx.ex(),
            "UPDATE api_tokens SET custom_role_id = NULL WHERE custom_role_id = $1",
            role_id
        )?;
        let deleted = exec!(
            tx.ex(),
            "DELETE FROM roles WHERE id = $1 AND workspace_id = $2",
            role_id,
            self.tenant().workspace_id()
        )?;
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Gives a member a custom role (they rank as a member); refuses to leave the workspace
    /// without an owner.
    pub async fn give_custom_role(&self, user_id: Uuid, role_id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.db().begin().await?;
        self.ensure_another_owner(&mut tx, user_id).await?;
        let changed = exec!(
            tx.ex(),
            "UPDATE memberships SET role = $1, custom_role_id = $2 WHERE workspace_id = $3 AND user_id = $4",
            Role::Member.as_str(),
            role_id,
            self.tenant().workspace_id(),
            user_id
        )?;
        tx.commit().await?;
        Ok(changed > 0)
    }
}
