-- Notifications: who hears about each event, through which channel, and whether it arrived.
-- Keep in step with the other backend's file of the same name.

-- When the dispatcher turned the event into deliveries (NULL: not yet). Written in the same
-- transaction as the deliveries, so an event is fanned out once.
ALTER TABLE events ADD COLUMN fanned_out_ms BIGINT;
CREATE INDEX events_to_fan_out ON events (created_ms) WHERE fanned_out_ms IS NULL;

-- A person's choices. No row: the defaults (email on, UTC, no quiet hours, 90/30/14/7/1 days).
CREATE TABLE notification_prefs (
    account_id       TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email_enabled    BOOLEAN NOT NULL,
    time_zone        TEXT NOT NULL,
    -- Quiet hours in the person's time zone, minutes after midnight; both or neither.
    quiet_start_min  INTEGER,
    quiet_end_min    INTEGER,
    -- Reminder lead times in days, comma-separated, largest first.
    lead_days        TEXT NOT NULL,
    updated_ms       BIGINT NOT NULL
);

-- One event for one person through one channel. The id is the idempotency key: a retry sends
-- the same id (the email's Message-ID, the webhook's webhook-id), so a receiver can drop a
-- second copy. The unique key makes fanning out twice harmless.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT,
    lease_owner      TEXT,
    lease_until_ms   BIGINT,
    last_error       TEXT,
    sent_ms          BIGINT,
    -- In the app: when the person saw it.
    read_ms          BIGINT,
    created_ms       BIGINT NOT NULL,
    UNIQUE (event_id, account_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX deliveries_account ON deliveries (account_id, channel, created_ms);
CREATE INDEX deliveries_dead ON deliveries (created_ms) WHERE state = 'dead';

-- Reminders already written as events: each (case, deadline, due day, lead) once.
CREATE TABLE reminders_sent (
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reminder    TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (case_id, reminder)
);
