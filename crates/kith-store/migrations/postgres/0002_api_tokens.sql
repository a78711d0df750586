-- API tokens (bound to one workspace, stored hashed) and rate-limit counters shared by instances.

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY NOT NULL,
    workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    objects      TEXT,
    created_by   UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_workspace ON api_tokens(workspace_id);

CREATE TABLE rate_counters (
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
