-- 221(g) notices as received: the original file and the reading the user confirmed, both
-- encrypted (they name people and documents). Keep in step with migrations/postgres.
CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    refusal_id   TEXT REFERENCES refusals (id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    original_enc BLOB NOT NULL,
    reading_enc  BLOB NOT NULL,
    created_ms   BIGINT NOT NULL
);
CREATE INDEX notices_case ON notices (case_id, created_ms);
