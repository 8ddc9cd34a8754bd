-- visanav initial schema (PostgreSQL). Keep in step with migrations/sqlite/0001_initial.sql.
-- Ids are UUIDv7 text; instants are unix milliseconds; civil dates are 'YYYY-MM-DD' text.
-- Personal data lives only in the *_enc columns, encrypted by the application.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('local', 'applicant', 'attorney', 'admin')),
    created_ms  BIGINT NOT NULL
);

-- The local default account that owns cases created from the command line.
INSERT INTO accounts (id, name, kind, created_ms)
VALUES ('00000000-0000-7000-8000-000000000001', 'local', 'local', 0);

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    owner_id             TEXT NOT NULL REFERENCES accounts (id),
    visa                 TEXT NOT NULL,
    post                 TEXT NOT NULL,
    ceac_case_number     TEXT,
    ds160_id             TEXT,
    uscis_receipt        TEXT,
    petition_approved_on TEXT,
    interview_on         TEXT,
    visa_issued_on       TEXT,
    entered_us_on        TEXT,
    -- K-2 only: the K-1 parent's visa issue date (follow-to-join runs from it)
    principal_visa_issued_on TEXT,
    -- people, passport number and surname, as encrypted JSON
    pii_enc              BYTEA NOT NULL,
    -- keyed hash of the passport number, to find a case without decrypting every row
    passport_hash        TEXT,
    created_ms           BIGINT NOT NULL,
    updated_ms           BIGINT NOT NULL
);
CREATE INDEX cases_owner ON cases (owner_id, created_ms);
CREATE INDEX cases_passport_hash ON cases (passport_hash);

-- Append-only: a reading of a status page is a fact about the past.
CREATE TABLE status_observations (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    observed_on  TEXT NOT NULL,
    status       TEXT NOT NULL,
    last_updated TEXT,
    source       TEXT NOT NULL CHECK (source IN ('ceac', 'uscis')),
    recorded_ms  BIGINT NOT NULL
);
CREATE INDEX status_observations_case ON status_observations (case_id, observed_on);
CREATE FUNCTION status_observations_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'status_observations is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER status_observations_append_only
BEFORE UPDATE ON status_observations
FOR EACH ROW EXECUTE FUNCTION status_observations_append_only();

CREATE TABLE refusals (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    refused_on    TEXT NOT NULL,
    sections      TEXT NOT NULL,  -- JSON array
    requested     TEXT NOT NULL,  -- JSON array of document ids
    submitted_on  TEXT,
    notes_enc     BYTEA,
    created_ms    BIGINT NOT NULL
);
CREATE INDEX refusals_case ON refusals (case_id, refused_on);

CREATE TABLE case_documents (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT,
    issued_on   TEXT,
    expires_on  TEXT,
    status      TEXT NOT NULL CHECK (status IN ('needed', 'gathered', 'submitted'))
);
CREATE INDEX case_documents_case ON case_documents (case_id, position);
