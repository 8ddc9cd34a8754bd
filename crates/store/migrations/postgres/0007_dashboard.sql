-- A firm's dashboard (issue 11). Keep in step with the other backend's file of the same name.
--
-- case_summaries: one row per case, what the dashboard shows and sorts by, derived from the
-- case's plan. Written in the same transaction as every change to the case and refreshed by a
-- daily sweep as dates pass, so a dashboard of 10,000 cases is one indexed query instead of
-- 10,000 plans. Nothing in it is personal data (knowledge titles, CEAC status names, dates).
CREATE TABLE case_summaries (
    case_id             TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    -- Legal-help urgency: 0 none, 1 consider, 2 soon, 3 now. 4: not summarised yet (sorted
    -- first, so a case whose urgency is unknown never hides at the bottom).
    urgency_rank        BIGINT NOT NULL CHECK (urgency_rank BETWEEN 0 AND 4),
    next_deadline_on    TEXT,
    next_deadline_title TEXT,
    -- next_deadline_on, or '9999-12-31' when there is none: never NULL, so one index gives
    -- the dashboard's order on both backends (they sort NULLs differently).
    deadline_key        TEXT NOT NULL,
    latest_status       TEXT,
    -- The date of the reading where the latest status last changed.
    status_since        TEXT,
    -- status_since, or '' when there is none (sorts last in descending order).
    since_key           TEXT NOT NULL,
    -- Titles of the legal-help reasons, most urgent first (JSON array).
    help_reasons        TEXT NOT NULL,
    -- The day at the post the summary holds for, and when that day ends there (the sweep
    -- computes it again from then on); NULL while not summarised yet.
    computed_for        TEXT,
    valid_until_ms      BIGINT,
    computed_ms         BIGINT
);
-- The dashboard's order: most urgent, then the nearest deadline, then the latest change.
CREATE INDEX case_summaries_order
    ON case_summaries (urgency_rank DESC, deadline_key, since_key DESC, case_id);
CREATE INDEX case_summaries_deadline ON case_summaries (deadline_key);
CREATE INDEX case_summaries_valid_until ON case_summaries (valid_until_ms);

-- The dashboard asks, for each case in its order, whether the firm has it: one lookup by
-- case, not a walk through all of the firm's shares.
CREATE INDEX case_shares_case_firm ON case_shares (case_id, grantee_firm, status);
-- A search by case number finds the case without reading every case.
CREATE INDEX cases_ceac_case_number ON cases (ceac_case_number);

-- Cases that exist already get a row that says "not summarised yet"; the sweep (at server
-- start, then as each post's day ends, and `visanav sweep`) computes them.
INSERT INTO case_summaries (case_id, urgency_rank, deadline_key, since_key, help_reasons)
SELECT id, 4, '9999-12-31', '', '[]' FROM cases;

-- Keyed hashes of the normalised names (each word and the whole name) of a case's
-- beneficiary and petitioner: a firm searches clients by name without decrypting every case.
-- Kept in the same transaction as the case; filled for older cases by the sweep.
CREATE TABLE case_name_hashes (
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    name_hash  TEXT NOT NULL,
    PRIMARY KEY (case_id, name_hash)
);
CREATE INDEX case_name_hashes_hash ON case_name_hashes (name_hash, case_id);

-- Who in a firm works a case the firm was given: one member per (case, firm).
CREATE TABLE case_assignments (
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    firm_id      TEXT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    assignee_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    assigned_by  TEXT NOT NULL REFERENCES accounts (id),
    assigned_ms  BIGINT NOT NULL,
    PRIMARY KEY (case_id, firm_id)
);
CREATE INDEX case_assignments_firm ON case_assignments (firm_id, assignee_id);
