-- Calendar feeds (iCalendar over a secret URL) and the versions of the events they carry.
-- Keep in step with the other backend's file of the same name.
--
-- A feed's link holds a secret token; only its keyed hash is stored (found by that hash, as
-- api_tokens and tokens are found by theirs), so a copy of the database opens no feed. The
-- token itself is derived from the feed's id with the instance's key, so the account page
-- can show the link again without it being stored in any form. A feed covers every case its
-- account can see (case_id NULL) or one case; it acts for its account with the second factor
-- it was made with (cases shared with a firm show only then). Regenerating revokes the old
-- feed: a revoked feed answers 404, and stays listed with when it was revoked.
CREATE TABLE calendar_feeds (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    case_id        TEXT REFERENCES cases (id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL,
    second_factor  BOOLEAN NOT NULL,
    created_ms     BIGINT NOT NULL,
    revoked_ms     BIGINT
);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (token_hash);
-- At most one live feed per account and case (or per account for all its cases).
CREATE UNIQUE INDEX calendar_feeds_live_key ON calendar_feeds (account_id, COALESCE(case_id, ''))
    WHERE revoked_ms IS NULL;

-- Each event's RFC 5545 SEQUENCE: when a feed is served and an event's content (its
-- fingerprint) differs from the one stored, the sequence goes up by one, so calendar clients
-- take the new version. Keyed by the event's UID, which names its case and date kind.
CREATE TABLE calendar_event_versions (
    uid          TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL,
    sequence     BIGINT NOT NULL CHECK (sequence >= 0),
    updated_ms   BIGINT NOT NULL
);
CREATE INDEX calendar_event_versions_case ON calendar_event_versions (case_id);
