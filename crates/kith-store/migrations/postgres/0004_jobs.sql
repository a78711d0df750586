-- Background jobs: due times live here, so schedules survive restarts and instances share them.
CREATE TABLE jobs (
    kind         TEXT PRIMARY KEY NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_until BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    last_run_at  BIGINT,
    last_error   TEXT
);
