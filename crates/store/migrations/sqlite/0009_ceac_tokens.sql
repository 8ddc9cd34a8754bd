-- A third kind of personal token (issue 12, assisted checks): `ceac`, which may only hand
-- visanav a CEAC result page through the bookmarklet (POST /ceac/bookmarklet). It opens no
-- page and no API endpoint, so a bookmark that leaks lets nobody read a case. Keep in step
-- with the other backend's file of the same name.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the new list
-- and the same rows, columns and indexes (nothing references api_tokens).
CREATE TABLE api_tokens_0009 (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hash           TEXT NOT NULL,
    name           TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('read', 'read write', 'ceac')),
    second_factor  BOOLEAN NOT NULL,
    created_ms     BIGINT NOT NULL,
    expires_ms     BIGINT NOT NULL,
    last_used_ms   BIGINT,
    revoked_ms     BIGINT
);
INSERT INTO api_tokens_0009 (id, account_id, hash, name, scope, second_factor, created_ms,
    expires_ms, last_used_ms, revoked_ms)
SELECT id, account_id, hash, name, scope, second_factor, created_ms, expires_ms, last_used_ms,
    revoked_ms
FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_0009 RENAME TO api_tokens;
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (hash);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_ms);
