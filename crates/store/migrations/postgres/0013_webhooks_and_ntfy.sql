-- Issue 13, channels that leave the machine: a person's signed webhook endpoints and their
-- ntfy push subscription. Keep in step with the other backend's file of the same name.
--
-- Secrets are encrypted like other secrets (XChaCha20-Poly1305, associated data
-- "webhook_endpoints.secret:<id>" for both the current and the previous secret, so a
-- rotation can move one to the other in SQL). During a rotation the previous secret keeps
-- signing until previous_until_ms, so receivers can switch without losing a message.
-- The URL is not personal data and stays in clear; an ntfy topic is (on ntfy, whoever knows
-- the topic can read it), so it is encrypted with the token.
CREATE TABLE webhook_endpoints (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    secret_enc           BYTEA NOT NULL,
    previous_secret_enc  BYTEA,
    previous_until_ms    BIGINT,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason      TEXT,
    created_ms           BIGINT NOT NULL,
    CHECK ((previous_secret_enc IS NULL) = (previous_until_ms IS NULL))
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_ms);

-- One subscription per person: the server, the topic and an optional access token.
CREATE TABLE ntfy_subscriptions (
    account_id       TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    server_url       TEXT NOT NULL,
    topic_enc        BYTEA NOT NULL,
    token_enc        BYTEA,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason  TEXT,
    created_ms       BIGINT NOT NULL
);
