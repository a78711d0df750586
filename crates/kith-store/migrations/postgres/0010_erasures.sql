-- The erasure log of data-subject requests: that an address was erased from a workspace, and what
-- went, with no personal data: the address only as SHA-256 of a random salt and the address, so
-- that an archive made before the erasure can be checked against it when imported. Kept when the
-- workspace is purged (it names nobody).
CREATE TABLE erasures (
    id           UUID PRIMARY KEY NOT NULL,
    workspace_id UUID NOT NULL,
    salt         TEXT NOT NULL,
    email_hash   TEXT NOT NULL,
    erased_by    UUID,
    erased_at    BIGINT NOT NULL,
    -- What was erased, in counts (JSON).
    counts       TEXT NOT NULL
);
CREATE INDEX erasures_workspace ON erasures(workspace_id, erased_at);
