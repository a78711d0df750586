-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238). The secret is sealed with the
-- instance key; totp_enabled_at stays NULL while it is being set up (the first right code turns it
-- on); totp_last_step is the time step of the last accepted code, so no code is accepted twice.
ALTER TABLE users ADD COLUMN totp_secret BLOB;
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- One-time recovery codes, kept as SHA-256 digests; a used code is deleted.
CREATE TABLE recovery_codes (
    user_id   BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- Set by an owner: members without two-factor sign-in cannot enter the workspace.
ALTER TABLE workspaces ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
