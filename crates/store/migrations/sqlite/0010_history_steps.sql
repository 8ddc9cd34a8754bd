-- The steps a source lists as done (the USCIS Case Status API's hist_case_status), imported
-- with each successful reading. Apart from status_observations on purpose: a step is a
-- sentence ("We approved your Form I-129F…"), not a status, so it must never become the case's
-- latest status or be compared with one. Keep in step with the other backend's file.
CREATE TABLE history_steps (
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN ('ceac', 'uscis')),
    done_on      TEXT NOT NULL,
    text         TEXT NOT NULL,
    attempt_id   TEXT,
    recorded_ms  BIGINT NOT NULL,
    PRIMARY KEY (case_id, source, done_on, text)
);
