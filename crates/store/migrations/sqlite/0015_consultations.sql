-- Issue 14, consultations: what each attorney offers and when, the requests applicants make,
-- and the time those requests hold. Keep in step with the other backend's file of the same
-- name.
--
-- No double booking is a rule of the database, not only of the code: a consultation that
-- holds time (unverified, pending or confirmed) claims every 15-minute block of it, its
-- buffers included, as one row per (attorney, block) under a primary key. Two requests that
-- overlap by a single minute claim a common block, and the second insert fails whatever
-- order or process they come in. Claims go when the consultation stops holding time
-- (declined, cancelled, expired) in the same transaction as that change.

-- An attorney's availability at a firm: visanav_core::consult::Availability as JSON (zone,
-- weekly hours, date overrides, buffers, minimum notice, horizon, most per day).
CREATE TABLE consult_settings (
    firm_id       TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The name applicants see: the attorney's own choice.
    display_name  TEXT NOT NULL,
    availability  TEXT NOT NULL,
    -- Whether the attorney takes new requests now.
    accepting     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_ms    BIGINT NOT NULL,
    PRIMARY KEY (firm_id, account_id)
);
CREATE INDEX consult_settings_account ON consult_settings (account_id);

-- The kinds of consultation an attorney offers.
CREATE TABLE consult_types (
    id          TEXT PRIMARY KEY,
    firm_id     TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    minutes     BIGINT NOT NULL CHECK (minutes > 0 AND minutes % 15 = 0),
    price_text  TEXT NOT NULL,
    -- Where it happens: a video link, a phone call, or an address.
    location    TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX consult_types_attorney ON consult_types (firm_id, account_id);

CREATE TABLE consultations (
    id                 TEXT PRIMARY KEY,
    firm_id            TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    attorney_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type_id            TEXT NOT NULL REFERENCES consult_types (id),
    -- The applicant's account: NULL only while a request from the public booking page waits
    -- for its email to be verified.
    applicant_id       TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    -- The case the request was made from, if any (the intake is a copy: the firm sees what
    -- was sent, not the case).
    case_id            TEXT REFERENCES cases (id) ON DELETE SET NULL,
    -- A public request's address (encrypted, and its keyed hash for rate limits).
    email_enc          BLOB,
    email_hash         TEXT,
    -- Hash of the single-use link that verifies a public request's address.
    verify_hash        TEXT UNIQUE,
    start_ms           BIGINT NOT NULL,
    end_ms             BIGINT NOT NULL,
    -- The time it keeps from other consultations: its buffers included.
    occupied_from_ms   BIGINT NOT NULL,
    occupied_until_ms  BIGINT NOT NULL,
    applicant_zone     TEXT NOT NULL,
    attorney_zone      TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN
                         ('unverified', 'pending', 'proposed', 'confirmed', 'declined', 'cancelled',
                          'expired')),
    -- unverified: waits for its email address to be verified (holds its time minutes only);
    -- pending: waits for the attorney (holds its time); proposed: the attorney offered other
    -- times (holds nothing; the applicant picks one); confirmed; and the ends.
    -- Until when an unverified, pending or proposed request stands.
    hold_until_ms      BIGINT,
    -- The intake (case facts and the applicant's question), JSON, encrypted.
    intake_enc         BLOB NOT NULL,
    -- The attorney's review (conflicts cleared, matter accepted, by whom, when), JSON.
    review             TEXT,
    -- Times the attorney proposed instead (JSON array of Unix milliseconds).
    proposals          TEXT,
    -- The decline or cancellation message, encrypted.
    message_enc        BLOB,
    cancelled_by       TEXT CHECK (cancelled_by IN ('applicant', 'attorney')),
    -- iCalendar SEQUENCE: raised at every change of time or status the calendars see.
    sequence           BIGINT NOT NULL DEFAULT 0,
    created_ms         BIGINT NOT NULL,
    updated_ms         BIGINT NOT NULL,
    CHECK (start_ms < end_ms AND occupied_from_ms <= start_ms AND end_ms <= occupied_until_ms),
    CHECK (applicant_id IS NOT NULL OR status IN ('unverified', 'expired'))
);
CREATE INDEX consultations_attorney ON consultations (attorney_id, start_ms);
CREATE INDEX consultations_applicant ON consultations (applicant_id, start_ms);
CREATE INDEX consultations_firm ON consultations (firm_id, status, start_ms);
CREATE INDEX consultations_hold ON consultations (hold_until_ms);
CREATE INDEX consultations_email ON consultations (email_hash, created_ms);

-- The time consultations hold, one row per attorney and 15-minute block (Unix seconds / 900).
CREATE TABLE consult_claims (
    attorney_id      TEXT NOT NULL,
    block            BIGINT NOT NULL,
    consultation_id  TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    PRIMARY KEY (attorney_id, block)
);
CREATE INDEX consult_claims_consultation ON consult_claims (consultation_id);
