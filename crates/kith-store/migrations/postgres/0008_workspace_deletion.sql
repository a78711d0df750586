-- A deleted workspace is kept, closed to everyone, for the grace period (KITH_WORKSPACE_RETENTION_DAYS)
-- during which its owners can restore it; then the purge job deletes it with all its data.
ALTER TABLE workspaces ADD COLUMN deleted_at BIGINT;
