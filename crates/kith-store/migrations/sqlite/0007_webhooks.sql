-- Webhooks: an admin's URL and the events it wants, per workspace; the deliveries owed to it
-- (one per webhook and event: the unique key is what makes a delivery happen once, whichever
-- instance turns the event into it) and every attempt at one, the delivery log.

CREATE TABLE webhooks (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    -- A JSON list of event patterns (person.created, *.deleted, *).
    events          TEXT NOT NULL,
    -- The signing secret, sealed with the key of sensitive fields (version | nonce | ciphertext).
    secret          BLOB NOT NULL,
    -- Deliveries carry what this member's role may read; they stop when the member leaves.
    created_by      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT,
    -- Deliveries in a row that failed every attempt.
    failures        INTEGER NOT NULL DEFAULT 0,
    -- Every event up to this id has been turned into deliveries (or did not match).
    event_cursor    BLOB NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks(workspace_id);

CREATE TABLE webhook_deliveries (
    id              BLOB PRIMARY KEY NOT NULL,
    webhook_id      BLOB NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        BLOB NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);

CREATE TABLE webhook_attempts (
    id          BLOB PRIMARY KEY NOT NULL,
    delivery_id BLOB NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
