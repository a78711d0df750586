-- Background jobs: due times live here, so schedules survive restarts and instances share them.
CREATE TABLE jobs (
    kind         TEXT PRIMARY KEY NOT NULL,
    run_at       INTEGER NOT NULL,
    locked_until INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_run_at  INTEGER,
    last_error   TEXT
);
