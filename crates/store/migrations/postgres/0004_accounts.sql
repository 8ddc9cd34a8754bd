-- Accounts that sign in, their sessions and single-use links, firms and their members, cases
-- shared with people and firms, firm notes, and the audit log. Keep in step with the other
-- backend's file of the same name. Email addresses are personal data: stored encrypted, found
-- by a keyed hash.

ALTER TABLE accounts ADD COLUMN email_hash TEXT;
ALTER TABLE accounts ADD COLUMN email_enc BYTEA;
ALTER TABLE accounts ADD COLUMN email_verified_ms BIGINT;
ALTER TABLE accounts ADD COLUMN password_hash TEXT;
-- The TOTP secret, encrypted; set once the person has confirmed a first code.
ALTER TABLE accounts ADD COLUMN totp_secret_enc BYTEA;
-- The last TOTP time step accepted: a code is never accepted twice.
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
ALTER TABLE accounts ADD COLUMN disabled_ms BIGINT;
CREATE UNIQUE INDEX accounts_email_key ON accounts (email_hash);

CREATE TABLE recovery_codes (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    used_ms     BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

-- Server-side sessions. The cookie holds a random id; only its hash is stored.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_ms    BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    expires_ms    BIGINT NOT NULL,
    -- When the second factor was given in this session (NULL: first factor only).
    mfa_ms        BIGINT,
    -- For the per-form CSRF token (HMAC of the session with this secret).
    csrf_secret   TEXT NOT NULL,
    -- What the person sees in "my sessions": browser family, no address.
    label         TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Single-use links: verify an email, reset a password, sign in once, join a firm, accept a
-- shared case. Only the hash of the token is stored.
CREATE TABLE tokens (
    hash         TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'sign_in', 'firm_invite', 'case_share', 'change_email')),
    account_id   TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    -- Who the link was sent to (keyed hash of the address): the wrong account cannot use it.
    email_hash   TEXT,
    -- What it is about: a firm id, a share id, or (change_email) the new address, encrypted.
    subject      TEXT,
    subject_enc  BYTEA,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    used_ms      BIGINT
);
CREATE INDEX tokens_account ON tokens (account_id);

CREATE TABLE firms (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE firm_members (
    firm_id     TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'attorney', 'paralegal')),
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (firm_id, account_id)
);
CREATE INDEX firm_members_account ON firm_members (account_id);

-- Who else may see a case: a co-applicant (an account) or a firm. Pending until the other
-- side accepts; revoked at once by the owner.
CREATE TABLE case_shares (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    grantee_account   TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    grantee_firm      TEXT REFERENCES firms (id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'revoked')),
    created_ms        BIGINT NOT NULL,
    decided_ms        BIGINT,
    CHECK (status <> 'active' OR ((grantee_account IS NULL) <> (grantee_firm IS NULL)))
);
CREATE INDEX case_shares_case ON case_shares (case_id, status);
CREATE INDEX case_shares_account ON case_shares (grantee_account, status);
CREATE INDEX case_shares_firm ON case_shares (grantee_firm, status);

-- Notes a firm keeps on a case it works: the firm's members see them, nobody else.
CREATE TABLE firm_notes (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    firm_id     TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES accounts (id),
    body_enc    BYTEA NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX firm_notes_case ON firm_notes (case_id, firm_id, created_ms);

-- Who viewed, changed, exported, shared or deleted what, when, from which session.
-- Append-only. case_id is kept (not a foreign key) so the trail outlives a deleted case.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at_ms        BIGINT NOT NULL,
    account_id   TEXT,
    session_ref  TEXT,
    action       TEXT NOT NULL,
    case_id      TEXT,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_case ON audit_log (case_id, at_ms);
CREATE INDEX audit_log_account ON audit_log (account_id, at_ms);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only
BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
