-- Reminders for every open deadline and every document's expiry (issue 13). Keep in step
-- with the other backend's file of the same name.
--
-- case_dates: each case's live dates (open deadlines, documents' expiries ahead, the day to
-- have a new document by), derived from its plan like case_summaries and written in the same
-- transaction, so the hourly reminder sweep reads one index on due_on instead of planning or
-- decrypting every case. Nothing in it is personal data: knowledge-base ids and titles, dates.
CREATE TABLE case_dates (
    case_id   TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    -- Unique within the case: the deadline kind ('221g_reconsideration'), 'expiry-passport',
    -- 'renew-passport' (with '-2'… for a second document of a kind).
    key       TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('deadline', 'expiry', 'renew_by')),
    -- The knowledge-base id it is about: the deadline kind or the document.
    subject   TEXT NOT NULL,
    -- YYYY-MM-DD, a civil date at the case's post.
    due_on    TEXT NOT NULL,
    -- The deadline's title or the document's name, from the knowledge base.
    title     TEXT NOT NULL,
    PRIMARY KEY (case_id, key)
);
CREATE INDEX case_dates_due ON case_dates (due_on, case_id);

-- Older cases have no dates yet: mark their summaries out of date, so the next sweep (any
-- sweep: at server start, as each post's day ends, `visanav sweep`) computes them again and
-- writes their dates. Cases not summarised yet (NULL) are swept anyway.
UPDATE case_summaries SET valid_until_ms = 0 WHERE valid_until_ms IS NOT NULL;
