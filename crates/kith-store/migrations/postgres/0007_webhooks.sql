-- Webhooks: an admin's URL and the events it wants, per workspace; the deliveries owed to it
-- (one per webhook and event: the unique key is what makes a delivery happen once, whichever
-- instance turns the event into it) and every attempt at one, the delivery log.

CREATE TABLE webhooks (
    id              UUID PRIMARY KEY NOT NULL,
    workspace_id    UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    -- A JSON list of event patterns (person.created, *.deleted, *).
    events          TEXT NOT NULL,
    -- The signing secret, sealed with the key of sensitive fields (version | nonce | ciphertext).
    secret          BYTEA NOT NULL,
    -- Deliveries carry what this member's role may read; they stop when the member leaves.
    created_by      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    disabled_at     BIGINT,
    disabled_reason TEXT,
    -- Deliveries in a row that failed every attempt.
    failures        BIGINT NOT NULL DEFAULT 0,
    -- Every event up to this id has been turned into deliveries (or did not match).
    event_cursor    UUID NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks(workspace_id);

CREATE TABLE webhook_deliveries (
    id              UUID PRIMARY KEY NOT NULL,
    webhook_id      UUID NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        UUID NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);

CREATE TABLE webhook_attempts (
    id          UUID PRIMARY KEY NOT NULL,
    delivery_id UUID NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
