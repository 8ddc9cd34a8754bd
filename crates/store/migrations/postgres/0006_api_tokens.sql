-- Personal access tokens for the JSON API (`Authorization: Bearer`). Keep in step with the
-- other backend's file of the same name. Only the SHA-256 of a token is stored, as for
-- sessions: a copy of the database opens nothing. A token acts for its account with the
-- scope it was given, until it expires or is revoked; a revoked token stays listed (with when)
-- so its owner can tell what stopped working.
CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hash           TEXT NOT NULL,
    -- What its owner called it ("laptop script"): a label, not personal data.
    name           TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('read', 'read write')),
    -- Whether the second factor had been given where it was made (a session that gave it, or
    -- the operator): cases shared with a firm are visible to its members only then.
    second_factor  BOOLEAN NOT NULL,
    created_ms     BIGINT NOT NULL,
    expires_ms     BIGINT NOT NULL,
    last_used_ms   BIGINT,
    revoked_ms     BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (hash);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_ms);
