-- Status monitoring (issue 12). Keep in step with the other backend's file of the same name.
-- Nothing here is personal data except the encrypted *_enc columns: statuses, dates, error
-- names and the operator's detail line (written without case identifiers).

-- One row per case and source that visanav watches: when to check next, who holds the work,
-- and how recent checks went. A worker takes due rows by setting a lease (on PostgreSQL with
-- FOR UPDATE SKIP LOCKED), so any number of workers share the work and none checks a case
-- another one holds.
CREATE TABLE monitors (
    case_id              TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    source               TEXT NOT NULL CHECK (source IN ('ceac', 'uscis')),
    enabled              BOOLEAN NOT NULL,
    -- NULL: nothing scheduled (monitoring ran its course, days after "Issued").
    next_check_ms        BIGINT,
    lease_owner          TEXT,
    lease_until_ms       BIGINT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    -- The person was told that checks keep failing (once per run of failures).
    failure_notified     BOOLEAN NOT NULL DEFAULT FALSE,
    last_attempt_ms      BIGINT,
    last_change_ms       BIGINT,
    issued_ms            BIGINT,
    updated_ms           BIGINT NOT NULL,
    PRIMARY KEY (case_id, source)
);
CREATE INDEX monitors_due ON monitors (next_check_ms);

-- Every check, successful or not: what was asked, how long it took, what came back. The
-- answer itself is kept encrypted for a while (raw_expires_ms), so a person or an attorney
-- can see exactly what the source said.
CREATE TABLE check_attempts (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    source         TEXT NOT NULL CHECK (source IN ('ceac', 'uscis')),
    via            TEXT NOT NULL CHECK (via IN ('direct', 'assisted', 'uscis_api')),
    started_ms     BIGINT NOT NULL,
    duration_ms    BIGINT NOT NULL,
    ok             BOOLEAN NOT NULL,
    error          TEXT,
    detail         TEXT,
    status         TEXT,
    last_updated   TEXT,
    changed        BOOLEAN NOT NULL DEFAULT FALSE,
    -- The worker that ran it, or the account that asked for it ("check now", a saved page).
    worker         TEXT,
    requested_by   TEXT,
    raw_enc        BLOB,
    raw_expires_ms BIGINT
);
CREATE INDEX check_attempts_case ON check_attempts (case_id, started_ms);
CREATE INDEX check_attempts_requested_by ON check_attempts (requested_by, started_ms);
CREATE INDEX check_attempts_raw_expiry ON check_attempts (raw_expires_ms);

-- Where each reading came from, and the check it came from (NULL for typed ones).
ALTER TABLE status_observations ADD COLUMN via TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE status_observations ADD COLUMN attempt_id TEXT;

-- Per provider: a block (Cloudflare) pauses every check until blocked_until_ms; next_slot_ms
-- spaces requests out across all workers (the global rate limit).
CREATE TABLE provider_state (
    provider         TEXT PRIMARY KEY,
    blocked_since_ms BIGINT,
    blocked_until_ms BIGINT,
    next_slot_ms     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO provider_state (provider) VALUES ('ceac');
INSERT INTO provider_state (provider) VALUES ('uscis');

-- What happened, written in the same transaction as the change that caused it: the outbox
-- the notifications deliver from. The payload names statuses and dates, never people.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    case_id     TEXT REFERENCES cases (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX events_case ON events (case_id, created_ms);
CREATE INDEX events_created ON events (created_ms);

-- A CEAC form fetched for a person to read its captcha (the manual strategy): the session
-- and hidden inputs, encrypted, for a few minutes.
CREATE TABLE captcha_challenges (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    state_enc   BLOB NOT NULL,
    expires_ms  BIGINT NOT NULL
);
