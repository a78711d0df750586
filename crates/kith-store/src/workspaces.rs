//! Workspaces, their members and invitations.
//!
//! Everything that belongs to one workspace is reached through [`WorkspaceStore`], which needs a
//! [`Tenant`]; a `Tenant` is only made by [`Db::enter_workspace`] after checking membership, so a
//! caller cannot read or change a workspace it is not a member of.

use crate::db::Tx;
use crate::{Backend, Db, Millis, StoreError, now_millis};
use kith_core::Role;
use uuid::Uuid;

/// Proof that `user_id` is a member of `workspace_id` with `role`, as of when it was checked.
#[derive(Debug, Clone)]
pub struct Tenant {
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
    /// The custom role the member (or token) holds, if any: its permissions replace the
    /// built-in role's over records.
    custom_role: Option<crate::CustomRole>,
}

impl Tenant {
    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn custom_role(&self) -> Option<&crate::CustomRole> {
        self.custom_role.as_ref()
    }

    /// The access of an API token, checked by [`Db::enter_workspace_with_token`].
    pub(crate) fn for_token(
        workspace_id: Uuid,
        user_id: Uuid,
        role: Role,
        custom_role: Option<crate::CustomRole>,
    ) -> Tenant {
        Tenant {
            workspace_id,
            user_id,
            role,
            custom_role,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Members without two-factor sign-in cannot enter it (set by an owner).
    pub require_two_factor: bool,
}

/// A workspace with counts, for administrators of the instance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    pub created_at: Millis,
    pub members: i64,
    pub owners: String,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The custom role's id and name, if the member holds one.
    pub custom_role: Option<(Uuid, String)>,
    pub joined_at: Millis,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: Uuid,
    name: String,
    email: String,
    role: String,
    custom_role_id: Option<Uuid>,
    custom_role_name: Option<String>,
    joined_at: Millis,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<Uuid>,
    pub created_at: Millis,
    pub expires_at: Millis,
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: Uuid,
    workspace_id: Uuid,
    email: String,
    role: String,
    invited_by: Option<Uuid>,
    created_at: Millis,
    expires_at: Millis,
}

/// An invitation looked up by its token, with what the invitee needs to see.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub invitation: Invitation,
    pub workspace_name: String,
    pub inviter_name: Option<String>,
}

fn parse_role(column: &'static str, value: String) -> Result<Role, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt { column, value })
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;
    fn try_from(row: MemberRow) -> Result<Member, StoreError> {
        Ok(Member {
            user_id: row.user_id,
            name: row.name,
            email: row.email,
            role: parse_role("memberships.role", row.role)?,
            custom_role: row.custom_role_id.zip(row.custom_role_name),
            joined_at: row.joined_at,
        })
    }
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(row: InvitationRow) -> Result<Invitation, StoreError> {
        Ok(Invitation {
            id: row.id,
            workspace_id: row.workspace_id,
            email: row.email,
            role: parse_role("invitations.role", row.role)?,
            invited_by: row.invited_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

const INVITATION_COLUMNS: &str =
    "i.id, i.workspace_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at";

impl Db {
    /// Creates a workspace with `owner` as its first owner.
    pub async fn create_workspace(&self, owner: Uuid, name: &str) -> Result<Workspace, StoreError> {
        let now = now_millis();
        let workspace = Workspace {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            created_at: now,
            updated_at: now,
            require_two_factor: false,
        };
        let mut tx = self.begin().await?;
        exec!(
            tx.ex(),
            "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            workspace.id,
            name,
            now
        )?;
        insert_membership(&mut tx, workspace.id, owner, Role::Owner).await?;
        tx.commit().await?;
        // Create the workspace's tables now rather than on its first request.
        crate::data::DataStore::open(self, kith_core::access::Access::system(workspace.id)).await?;
        Ok(workspace)
    }

    /// The workspaces `user_id` belongs to, with the role in each, oldest first.
    pub async fn workspaces_of(&self, user_id: Uuid) -> Result<Vec<(Workspace, Role)>, StoreError> {
        let mut conn = self.read().await?;
        let rows = fetch!(
            conn.ex(),
            (Uuid, String, Millis, Millis, bool, String),
            fetch_all,
            "SELECT w.id, w.name, w.created_at, w.updated_at, w.require_two_factor, m.role FROM memberships m \
             JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 AND w.deleted_at IS NULL \
             ORDER BY w.created_at, w.id",
            user_id
        )?;
        rows.into_iter()
            .map(
                |(id, name, created_at, updated_at, require_two_factor, role)| {
                    Ok((
                        Workspace {
                            id,
                            name,
                            created_at,
                            updated_at,
                            require_two_factor,
                        },
                        parse_role("memberships.role", role)?,
                    ))
                },
            )
            .collect()
    }

    /// Checks that `user_id` is a member of `workspace_id`; the returned [`Tenant`] is the only key
    /// to that workspace's data. `None` when not a member (or no such workspace: the caller cannot tell).
    pub async fn enter_workspace(
        &self,
        user_id: Uuid,
        workspace_id: Uuid,
    ) -> Result<Option<Tenant>, StoreError> {
        let Some((role, custom_role_id)) = self.membership(workspace_id, user_id).await? else {
            return Ok(None);
        };
        let custom_role = match custom_role_id {
            Some(id) => self.custom_role(workspace_id, id).await?,
            None => None,
        };
        Ok(Some(Tenant {
            workspace_id,
            user_id,
            role,
            custom_role,
        }))
    }

    /// A member's built-in role and custom role id, if they are a member. A member without
    /// two-factor sign-in in a workspace that requires it is refused here, so that no surface
    /// (session, API token, MCP) can let them in.
    pub(crate) async fn membership(
        &self,
        workspace_id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<(Role, Option<Uuid>)>, StoreError> {
        let mut conn = self.read().await?;
        let row = fetch!(
            conn.ex(),
            (String, Option<Uuid>, bool),
            fetch_optional,
            "SELECT m.role, m.custom_role_id, (w.require_two_factor AND u.totp_enabled_at IS NULL) \
             FROM memberships m JOIN workspaces w ON w.id = m.workspace_id JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND m.user_id = $2 AND w.deleted_at IS NULL",
            workspace_id,
            user_id
        )?;
        let Some((role, custom, lacks_two_factor)) = row else {
            return Ok(None);
        };
        if lacks_two_factor {
            return Err(StoreError::TwoFactorRequired);
        }
        Ok(Some((parse_role("memberships.role", role)?, custom)))
    }

    /// The store of one workspace's data.
    pub fn workspace<'a>(&'a self, tenant: &'a Tenant) -> WorkspaceStore<'a> {
        WorkspaceStore { db: self, tenant }
    }

    /// Every workspace on this instance, for `kith admin list-workspaces`.
    pub async fn all_workspaces(&self) -> Result<Vec<WorkspaceSummary>, StoreError> {
        let owners = match self.backend() {
            Backend::Sqlite => "group_concat(u.email, ', ')",
            Backend::Postgres => "string_agg(u.email, ', ' ORDER BY u.email)",
        };
        let sql = format!(
            "SELECT w.id, w.name, w.created_at, \
             (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id) AS members, \
             COALESCE((SELECT {owners} FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.workspace_id = w.id AND m.role = 'owner'), '') AS owners \
             FROM workspaces w ORDER BY w.created_at, w.id"
        );
        let mut conn = self.read().await?;
        Ok(fetch!(
            conn.ex(),
            WorkspaceSummary,
            fetch_all,
            sqlx::AssertSqlSafe(sql)
        )?)
    }

    /// The invitation with this token if it is still open (not accepted, revoked or expired).
    pub async fn pending_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<PendingInvitation>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i WHERE i.token_hash = $1 \
             AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2"
        );
        let Some(row) = fetch!(
            conn.ex(),
            InvitationRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            token_hash,
            now_millis()
        )?
        else {
            return Ok(None);
        };
        let invitation = Invitation::try_from(row)?;
        let (workspace_name, inviter_name) = fetch!(
            conn.ex(),
            (String, Option<String>),
            fetch_one,
            "SELECT w.name, (SELECT u.name FROM users u WHERE u.id = $2) FROM workspaces w WHERE w.id = $1",
            invitation.workspace_id,
            invitation.invited_by
        )?;
        Ok(Some(PendingInvitation {
            invitation,
            workspace_name,
            inviter_name,
        }))
    }

    /// Accepts an open invitation for `user_id`, inside the caller's transaction: marks it
    /// accepted and adds the membership. `None` when the token is not (or no longer) open.
    pub async fn accept_invitation(
        tx: &mut Tx,
        token_hash: &str,
        user_id: Uuid,
    ) -> Result<Option<Tenant>, StoreError> {
        let now = now_millis();
        let accepted = fetch!(
            tx.ex(),
            (Uuid, String),
            fetch_optional,
            "UPDATE invitations SET accepted_at = $1 WHERE token_hash = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1 RETURNING workspace_id, role",
            now,
            token_hash
        )?;
        let Some((workspace_id, role)) = accepted else {
            return Ok(None);
        };
        let role = parse_role("invitations.role", role)?;
        insert_membership(tx, workspace_id, user_id, role).await?;
        Ok(Some(Tenant {
            workspace_id,
            user_id,
            role,
            custom_role: None,
        }))
    }

    /// Moves an invitation's expiry (tests of expired invitations use this instead of waiting a week).
    pub async fn set_invitation_expiry(
        &self,
        invitation_id: Uuid,
        expires_at: Millis,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE invitations SET expires_at = $1 WHERE id = $2",
            expires_at,
            invitation_id
        )?;
        Ok(())
    }
}

async fn insert_membership(
    tx: &mut Tx,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<(), StoreError> {
    exec!(
        tx.ex(),
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
        workspace_id,
        user_id,
        role.as_str(),
        now_millis()
    )
    .map_err(StoreError::duplicate_as("membership"))?;
    Ok(())
}

/// One workspace's data, reachable only with a [`Tenant`] of that workspace.
pub struct WorkspaceStore<'a> {
    db: &'a Db,
    tenant: &'a Tenant,
}

impl WorkspaceStore<'_> {
    fn id(&self) -> Uuid {
        self.tenant.workspace_id
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        self.tenant
    }

    pub(crate) fn db(&self) -> &Db {
        self.db
    }

    pub async fn get(&self) -> Result<Workspace, StoreError> {
        let mut conn = self.db.read().await?;
        Ok(fetch!(
            conn.ex(),
            Workspace,
            fetch_one,
            "SELECT id, name, created_at, updated_at, require_two_factor FROM workspaces WHERE id = $1",
            self.id()
        )?)
    }

    /// Requires (or stops requiring) two-factor sign-in of every member. Turning it on is refused
    /// while the owner asking has no two-factor sign-in of their own.
    pub async fn set_require_two_factor(&self, required: bool) -> Result<Workspace, StoreError> {
        if required && !self.db.two_factor_enabled(self.tenant.user_id()).await? {
            return Err(StoreError::Rejected(kith_core::ApiError::refused_field(
                kith_core::ErrorCode::Conflict,
                "requireTwoFactor",
                "turn on two-factor sign-in for your own account first (Settings → Security), or you could not enter the workspace either",
            )));
        }
        {
            let mut conn = self.db.write().await?;
            exec!(
                conn.ex(),
                "UPDATE workspaces SET require_two_factor = $1, updated_at = $2 WHERE id = $3",
                required,
                now_millis(),
                self.id()
            )?;
        }
        self.get().await
    }

    pub async fn rename(&self, name: &str) -> Result<Workspace, StoreError> {
        {
            let mut conn = self.db.write().await?;
            exec!(
                conn.ex(),
                "UPDATE workspaces SET name = $1, updated_at = $2 WHERE id = $3",
                name,
                now_millis(),
                self.id()
            )?;
        }
        self.get().await
    }

    /// Deletes the workspace: from now on nobody enters it (its members, its tokens), and once
    /// the grace period is over [`Db::purge_deleted_workspaces`] deletes it with all its data.
    /// Until then an owner can restore it ([`Db::restore_workspace`]).
    pub async fn delete(&self) -> Result<(), StoreError> {
        let mut conn = self.db.write().await?;
        exec!(
            conn.ex(),
            "UPDATE workspaces SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            now_millis(),
            self.id()
        )?;
        Ok(())
    }

    pub async fn members(&self) -> Result<Vec<Member>, StoreError> {
        let mut conn = self.db.read().await?;
        let rows = fetch!(
            conn.ex(),
            MemberRow,
            fetch_all,
            "SELECT u.id AS user_id, u.name, u.email, m.role, m.custom_role_id, r.name AS custom_role_name, \
             m.created_at AS joined_at FROM memberships m JOIN users u ON u.id = m.user_id \
             LEFT JOIN roles r ON r.id = m.custom_role_id WHERE m.workspace_id = $1 ORDER BY m.created_at, u.id",
            self.id()
        )?;
        rows.into_iter().map(Member::try_from).collect()
    }

    pub async fn member(&self, user_id: Uuid) -> Result<Option<Member>, StoreError> {
        let mut conn = self.db.read().await?;
        let row = fetch!(
            conn.ex(),
            MemberRow,
            fetch_optional,
            "SELECT u.id AS user_id, u.name, u.email, m.role, m.custom_role_id, r.name AS custom_role_name, \
             m.created_at AS joined_at FROM memberships m JOIN users u ON u.id = m.user_id \
             LEFT JOIN roles r ON r.id = m.custom_role_id WHERE m.workspace_id = $1 AND m.user_id = $2",
            self.id(),
            user_id
        )?;
        row.map(Member::try_from).transpose()
    }

    /// Whether someone with this email is already a member.
    pub async fn has_member_with_email(&self, email: &str) -> Result<bool, StoreError> {
        let mut conn = self.db.read().await?;
        let count = scalar!(
            conn.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND u.email = $2",
            self.id(),
            email
        )?;
        Ok(count > 0)
    }

    /// Changes a member's role; refuses to leave the workspace without an owner.
    pub async fn set_role(&self, user_id: Uuid, role: Role) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        if role != Role::Owner {
            self.ensure_another_owner(&mut tx, user_id).await?;
        }
        let changed = exec!(
            tx.ex(),
            "UPDATE memberships SET role = $1, custom_role_id = NULL WHERE workspace_id = $2 AND user_id = $3",
            role.as_str(),
            self.id(),
            user_id
        )?;
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// Removes a member (or, for the tenant's own user, leaves); refuses to remove the last owner.
    pub async fn remove_member(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        self.ensure_another_owner(&mut tx, user_id).await?;
        let removed = exec!(
            tx.ex(),
            "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2",
            self.id(),
            user_id
        )?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// Makes `new_owner` an owner and the tenant's user an admin, in one step.
    pub async fn transfer_ownership(&self, new_owner: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        lock_workspace(&mut tx, self.id()).await?;
        let promoted = exec!(
            tx.ex(),
            "UPDATE memberships SET role = 'owner' WHERE workspace_id = $1 AND user_id = $2",
            self.id(),
            new_owner
        )?;
        if promoted == 0 {
            return Ok(false);
        }
        exec!(
            tx.ex(),
            "UPDATE memberships SET role = 'admin' WHERE workspace_id = $1 AND user_id = $2",
            self.id(),
            self.tenant.user_id
        )?;
        tx.commit().await?;
        Ok(true)
    }

    /// Fails with [`StoreError::LastOwner`] if `user_id` is the only owner. Locks the workspace
    /// first so two owners demoting each other at once cannot both pass.
    pub(crate) async fn ensure_another_owner(
        &self,
        tx: &mut Tx,
        user_id: Uuid,
    ) -> Result<(), StoreError> {
        lock_workspace(tx, self.id()).await?;
        let other_owners = scalar!(
            tx.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner' AND user_id <> $2",
            self.id(),
            user_id
        )?;
        let is_owner = scalar!(
            tx.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner' AND user_id = $2",
            self.id(),
            user_id
        )?;
        if is_owner > 0 && other_owners == 0 {
            return Err(StoreError::LastOwner);
        }
        Ok(())
    }

    /// Records an invitation whose token (hashed here) is mailed to `email`.
    pub async fn create_invitation(
        &self,
        email: &str,
        role: Role,
        token_hash: &str,
        expires_at: Millis,
    ) -> Result<Invitation, StoreError> {
        let invitation = Invitation {
            id: Uuid::now_v7(),
            workspace_id: self.id(),
            email: email.to_owned(),
            role,
            invited_by: Some(self.tenant.user_id),
            created_at: now_millis(),
            expires_at,
        };
        let mut conn = self.db.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            invitation.id,
            invitation.workspace_id,
            email,
            role.as_str(),
            token_hash,
            invitation.invited_by,
            invitation.created_at,
            expires_at
        )?;
        Ok(invitation)
    }

    /// Open invitations (not accepted, revoked or expired), newest first.
    pub async fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        let mut conn = self.db.read().await?;
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i WHERE i.workspace_id = $1 AND i.accepted_at IS NULL \
             AND i.revoked_at IS NULL AND i.expires_at > $2 ORDER BY i.created_at DESC, i.id DESC"
        );
        let rows = fetch!(
            conn.ex(),
            InvitationRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            self.id(),
            now_millis()
        )?;
        rows.into_iter().map(Invitation::try_from).collect()
    }

    /// Revokes an open invitation; false when there is no such open invitation in this workspace.
    pub async fn revoke_invitation(&self, invitation_id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.db.write().await?;
        let revoked = exec!(
            conn.ex(),
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 \
             AND accepted_at IS NULL AND revoked_at IS NULL",
            now_millis(),
            invitation_id,
            self.id()
        )?;
        Ok(revoked > 0)
    }
}

/// Serialises changes to one workspace's memberships. On SQLite the single writer already does.
pub(crate) async fn lock_workspace(tx: &mut Tx, workspace_id: Uuid) -> Result<(), StoreError> {
    if tx.backend() == Backend::Postgres {
        scalar!(
            tx.ex(),
            Uuid,
            fetch_optional,
            "SELECT id FROM workspaces WHERE id = $1 FOR UPDATE",
            workspace_id
        )?;
    }
    Ok(())
}

impl WorkspaceStore<'_> {
    /// This workspace's records and their metadata, as `access` may reach them (it must be for
    /// this workspace).
    pub async fn data(
        &self,
        access: kith_core::access::Access,
    ) -> Result<crate::data::DataStore, StoreError> {
        if access.workspace_id != self.tenant.workspace_id {
            return Err(StoreError::Rejected(kith_core::ApiError::not_found(
                "workspace",
            )));
        }
        crate::data::DataStore::open(self.db, access).await
    }
}

/// A deleted workspace an owner may still restore.
#[derive(Debug, Clone)]
pub struct DeletedWorkspace {
    pub workspace: Workspace,
    pub deleted_at: Millis,
}

impl Db {
    /// The deleted workspaces `user_id` owns, latest deleted first.
    pub async fn deleted_workspaces_of(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<DeletedWorkspace>, StoreError> {
        let mut conn = self.read().await?;
        let rows = fetch!(
            conn.ex(),
            (Uuid, String, Millis, Millis, bool, Millis),
            fetch_all,
            "SELECT w.id, w.name, w.created_at, w.updated_at, w.require_two_factor, w.deleted_at FROM memberships m \
             JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 AND m.role = 'owner' AND w.deleted_at IS NOT NULL \
             ORDER BY w.deleted_at DESC, w.id",
            user_id
        )?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, created_at, updated_at, require_two_factor, deleted_at)| {
                    DeletedWorkspace {
                        workspace: Workspace {
                            id,
                            name,
                            created_at,
                            updated_at,
                            require_two_factor,
                        },
                        deleted_at,
                    }
                },
            )
            .collect())
    }

    /// Restores a deleted workspace `user_id` owns; false when there is none such.
    pub async fn restore_workspace(
        &self,
        user_id: Uuid,
        workspace_id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let restored = exec!(
            conn.ex(),
            "UPDATE workspaces SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = $1 AND m.user_id = $2 \
             AND m.role = 'owner')",
            workspace_id,
            user_id
        )?;
        Ok(restored == 1)
    }

    /// Deletes for good the workspaces deleted before `before`: their memberships, invitations
    /// and tokens (by cascade) and their whole data file or schema. How many.
    pub async fn purge_deleted_workspaces(&self, before: Millis) -> Result<u64, StoreError> {
        let ids = {
            let mut conn = self.read().await?;
            scalar!(
                conn.ex(),
                Uuid,
                fetch_all,
                "SELECT id FROM workspaces WHERE deleted_at IS NOT NULL AND deleted_at < $1",
                before
            )?
        };
        for id in &ids {
            self.discard_workspace(*id).await?;
        }
        Ok(ids.len() as u64)
    }

    /// Deletes a workspace at once, with its memberships, invitations and tokens (by cascade) and
    /// its whole data file or schema: a purge, or a restore that failed.
    pub async fn discard_workspace(&self, id: Uuid) -> Result<(), StoreError> {
        {
            let mut conn = self.write().await?;
            exec!(conn.ex(), "DELETE FROM workspaces WHERE id = $1", id)?;
        }
        crate::data::DataStore::destroy(self, id).await
    }

    /// Whether `user_id` is a member of `workspace_id` (relations to members are checked with it).
    pub async fn is_member(&self, workspace_id: Uuid, user_id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        let count = scalar!(
            conn.ex(),
            i64,
            fetch_one,
            "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND user_id = $2",
            workspace_id,
            user_id
        )?;
        Ok(count > 0)
    }
}

/// The capability to act on any workspace's data for nobody: Kith's own background jobs (the
/// trash purge, reindexing). There is one per [`Db`], taken once by whoever runs the jobs
/// ([`Db::take_job_runner`]); requests never reach it.
#[derive(Clone)]
pub struct JobRunner {
    db: Db,
}

impl JobRunner {
    /// A workspace's data with every right (`Access::system`).
    pub async fn data(&self, workspace_id: Uuid) -> Result<crate::data::DataStore, StoreError> {
        crate::data::DataStore::open(&self.db, kith_core::access::Access::system(workspace_id))
            .await
    }

    /// Every workspace's id, for jobs that visit them all.
    pub async fn workspace_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        self.db.workspace_ids().await
    }
}

impl Db {
    /// The [`JobRunner`], the first time it is asked for; `None` after.
    pub fn take_job_runner(&self) -> Option<JobRunner> {
        let taken = self
            .job_runner_taken
            .swap(true, std::sync::atomic::Ordering::SeqCst);
        (!taken).then(|| JobRunner { db: self.clone() })
    }
}
