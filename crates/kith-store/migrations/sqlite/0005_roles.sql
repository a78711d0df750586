-- Custom roles: per object read / change / delete and hidden fields, defined by a workspace's
-- admins. A member or an API token with one keeps a built-in rank (member) for administration.

CREATE TABLE roles (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    permissions  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

ALTER TABLE memberships ADD COLUMN custom_role_id BLOB REFERENCES roles(id);
-- A token's built-in role (NULL for tokens made before roles: member) or custom role.
ALTER TABLE api_tokens ADD COLUMN role TEXT CHECK (role IN ('owner', 'admin', 'member', 'viewer'));
ALTER TABLE api_tokens ADD COLUMN custom_role_id BLOB REFERENCES roles(id);
