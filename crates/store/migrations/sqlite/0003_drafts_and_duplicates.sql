-- Notices saved twice are found by a keyed hash of the file (nothing readable is stored),
-- and an uploaded notice waits server-side, encrypted, between reading and saving.
-- Keep in step with the other backend's file of the same name.
ALTER TABLE notices ADD COLUMN original_hash TEXT;
CREATE UNIQUE INDEX notices_case_original_key ON notices (case_id, original_hash);

CREATE TABLE notice_drafts (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES accounts (id),
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    media_type   TEXT NOT NULL,
    original_enc BLOB NOT NULL,
    text_enc     BLOB NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL
);
CREATE INDEX notice_drafts_expiry ON notice_drafts (expires_ms);

-- Import checks for a case number the person already has.
CREATE INDEX cases_owner_case_number ON cases (owner_id, ceac_case_number);
