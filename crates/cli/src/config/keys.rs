//! Every configuration key visanav reads: its name, environment variable, how `config show`
//! prints it, and what it is for.

use super::Shown;

/// One configuration key.
pub(super) struct Key {
    pub(super) name: &'static str,
    pub(super) env: &'static str,
    pub(super) shown: Shown,
    /// Also accepted as `NAME_file` (file) and `ENV_FILE` (environment): a file holding the
    /// value, for secrets kept out of config files and process listings.
    pub(super) from_file: bool,
    pub(super) help: &'static str,
}

const fn key(name: &'static str, env: &'static str, help: &'static str) -> Key {
    Key {
        name,
        env,
        shown: Shown::Plain,
        from_file: false,
        help,
    }
}

/// Every key visanav reads.
pub(super) const KEYS: &[Key] = &[
    key(
        "data_dir",
        "VISANAV_DATA_DIR",
        "where the database, key file and config live",
    ),
    key(
        "listen",
        "VISANAV_LISTEN",
        "address the web server listens on (loopback only until sign-in exists)",
    ),
    key(
        "public_url",
        "VISANAV_PUBLIC_URL",
        "the address people use to reach visanav, e.g. https://visanav.example.org; its host name is accepted besides localhost",
    ),
    Key {
        shown: Shown::Url,
        from_file: true,
        ..key(
            "database_url",
            "VISANAV_DATABASE_URL",
            "sqlite:///path/visanav.db or postgres://user:password@host/db",
        )
    },
    key(
        "key_file",
        "VISANAV_KEY_FILE",
        "the key that encrypts personal data",
    ),
    key(
        "knowledge_dir",
        "VISANAV_KNOWLEDGE_DIR",
        "a knowledge directory to use instead of the built-in one",
    ),
    key("log", "RUST_LOG", "log filter, e.g. info or visanav=debug"),
    key(
        "session.idle_minutes",
        "VISANAV_SESSION_IDLE_MINUTES",
        "a signed-in session unused this long ends",
    ),
    key(
        "session.absolute_hours",
        "VISANAV_SESSION_ABSOLUTE_HOURS",
        "a session ends this long after signing in, used or not",
    ),
    key(
        "trust_forwarded",
        "VISANAV_TRUST_FORWARDED",
        "true when a reverse proxy you run sets X-Forwarded-For (client addresses for throttling)",
    ),
    key(
        "request_timeout_secs",
        "VISANAV_REQUEST_TIMEOUT_SECS",
        "longest a web request may take, in seconds",
    ),
    key(
        "ocr.languages",
        "VISANAV_OCR_LANGUAGES",
        "tesseract languages for photos and scans, joined by +, e.g. eng+spa",
    ),
    key(
        "ocr.time_limit_secs",
        "VISANAV_OCR_TIME_LIMIT_SECS",
        "the most reading one uploaded file may take, in seconds",
    ),
    key(
        "ocr.page_limit",
        "VISANAV_OCR_PAGE_LIMIT",
        "pages of a PDF read at most",
    ),
    key(
        "ocr.max_jobs",
        "VISANAV_OCR_MAX_JOBS",
        "files the server reads at once; more are told to try again",
    ),
    Key {
        shown: Shown::Url,
        from_file: true,
        ..key(
            "smtp.url",
            "VISANAV_SMTP_URL",
            "mail server: smtps://USER:PASSWORD@HOST (TLS) or smtp://USER:PASSWORD@HOST (STARTTLS); unset, mail is written to DATA_DIR/outbox-mail",
        )
    },
    key(
        "smtp.from",
        "VISANAV_SMTP_FROM",
        "sender of visanav's mail, e.g. visanav <noreply@example.org>",
    ),
    key(
        "sources.ceac.base_url",
        "VISANAV_CEAC_BASE_URL",
        "the CEAC status tracker (default https://ceac.state.gov; a mirror or a test server)",
    ),
    key(
        "sources.timeout_secs",
        "VISANAV_SOURCES_TIMEOUT_SECS",
        "longest one request to CEAC or USCIS may take, in seconds (default 45)",
    ),
    key(
        "sources.ceac.spacing_secs",
        "VISANAV_CEAC_SPACING_SECS",
        "at least this many seconds between two CEAC checks, across all workers (default 20)",
    ),
    key(
        "sources.uscis.base_url",
        "VISANAV_USCIS_BASE_URL",
        "the USCIS Case Status API host (default the sandbox https://api-int.uscis.gov; production is given with production access)",
    ),
    key(
        "sources.uscis.client_id",
        "VISANAV_USCIS_CLIENT_ID",
        "the USCIS API app's client id (developer.uscis.gov); unset, USCIS checks are off",
    ),
    Key {
        shown: Shown::Secret,
        from_file: true,
        ..key(
            "sources.uscis.client_secret",
            "VISANAV_USCIS_CLIENT_SECRET",
            "the USCIS API app's client secret",
        )
    },
    key(
        "sources.uscis.per_second",
        "VISANAV_USCIS_PER_SECOND",
        "USCIS API requests per second at most (sandbox 5, production 10)",
    ),
    key(
        "sources.uscis.per_day",
        "VISANAV_USCIS_PER_DAY",
        "USCIS API requests per day at most (sandbox 1000, production 400000)",
    ),
    key(
        "captcha.strategy",
        "VISANAV_CAPTCHA",
        "who reads CEAC's captcha: manual (a person, in the page or the terminal), command (captcha.command), none (CEAC checks off)",
    ),
    Key {
        shown: Shown::Secret,
        ..key(
            "captcha.command",
            "VISANAV_CAPTCHA_COMMAND",
            "a shell command that reads the captcha PNG on stdin and prints the code",
        )
    },
    key(
        "captcha.timeout_secs",
        "VISANAV_CAPTCHA_TIMEOUT_SECS",
        "how long captcha.command may take (default 30)",
    ),
    key(
        "net.allow_private",
        "VISANAV_ALLOW_PRIVATE",
        "true to let status checks reach loopback and private addresses (tests, mirrors on your network)",
    ),
    key(
        "monitor.worker",
        "VISANAV_MONITOR_WORKER",
        "false to keep `visanav serve` from running status checks (run `visanav worker` instead)",
    ),
    key(
        "monitor.ceac_every_minutes",
        "VISANAV_MONITOR_CEAC_EVERY_MINUTES",
        "minutes between CEAC checks of a case (default 720; half that after a recent change; at least 720 on the real CEAC)",
    ),
    key(
        "monitor.uscis_every_minutes",
        "VISANAV_MONITOR_USCIS_EVERY_MINUTES",
        "minutes between USCIS checks of a case (default 180; half that after a recent change; at least 120 on the real API)",
    ),
    key(
        "monitor.poll_secs",
        "VISANAV_MONITOR_POLL_SECS",
        "how often an idle worker looks for due checks (default 30)",
    ),
    key(
        "notify.lease_secs",
        "VISANAV_NOTIFY_LEASE_SECS",
        "how long a dispatcher holds a notification it is sending; one that dies frees it after this (default 120)",
    ),
    key(
        "notify.poll_secs",
        "VISANAV_NOTIFY_POLL_SECS",
        "how often an idle dispatcher looks for notifications to send (default 5)",
    ),
    key(
        "consult.hold_hours",
        "VISANAV_CONSULT_HOLD_HOURS",
        "hours a consultation request holds its time while the attorney has not answered; then it expires and the applicant is told (default 48)",
    ),
];

#[cfg(test)]
/// Environment variables the issue named differently from the key (kept as documented).
pub(super) const SHORT_ENV_NAMES: &[&str] = &[
    "VISANAV_CEAC_BASE_URL",
    "VISANAV_CEAC_SPACING_SECS",
    "VISANAV_USCIS_BASE_URL",
    "VISANAV_USCIS_CLIENT_ID",
    "VISANAV_USCIS_CLIENT_SECRET",
    "VISANAV_USCIS_PER_SECOND",
    "VISANAV_USCIS_PER_DAY",
    "VISANAV_CAPTCHA",
    "VISANAV_ALLOW_PRIVATE",
];

/// Older names of environment variables, still honoured: (key, variable).
pub(super) const OLD_ENV_NAMES: &[(&str, &str)] = &[("ocr.languages", "VISANAV_OCR_LANGS")];
