-- OAuth 2.1 for remote MCP clients. A person's consent is a grant: a row of api_tokens that
-- names its client (so it acts through the same checks as a token, as its person, and is
-- revoked the same way) and has no secret of its own; the grant's short-lived access tokens and
-- rotating refresh tokens live in oauth_tokens, stored as hashes like every secret.

CREATE TABLE oauth_clients (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    client_uri    TEXT,
    created_at    INTEGER NOT NULL
);

ALTER TABLE api_tokens ADD COLUMN oauth_client_id TEXT REFERENCES oauth_clients(id) ON DELETE CASCADE;
-- The resource (RFC 8707) the grant's tokens are good for.
ALTER TABLE api_tokens ADD COLUMN resource TEXT;

CREATE TABLE oauth_codes (
    code_hash      TEXT PRIMARY KEY NOT NULL,
    grant_id       BLOB NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);

CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    grant_id   BLOB NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at INTEGER NOT NULL,
    -- When a refresh token was exchanged for the next one; showing it again revokes the grant.
    used_at    INTEGER
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);
